import { describe, expect, it } from 'vitest';
import { messageContentTypeAllowed } from './content-types';

// Issue 13 (1): one rule for what a message body may be in each mode. Expected values are written out.
describe('messageContentTypeAllowed', () => {
  it('visible: only the Haven payload; every media type, MLS and anything else is refused (415)', () => {
    expect(messageContentTypeAllowed('visible', 'application/vnd.haven.payload+json').ok).toBe(true);
    for (const t of ['image/png', 'image/jpeg', 'image/gif', 'video/mp4', 'application/octet-stream', 'text/plain', 'application/pdf', 'application/mls-message', 'APPLICATION/VND.HAVEN.PAYLOAD+JSON', 'application/vnd.haven.payload+json; x=1', '']) {
      const r = messageContentTypeAllowed('visible', t);
      expect(r.ok, t).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('request.unsupported_media_type');
    }
  });

  it('e2ee: only MLS application messages; commits and welcomes are pointed to their route; payloads and images are refused', () => {
    expect(messageContentTypeAllowed('e2ee', 'application/mls-message').ok).toBe(true);
    const commit = messageContentTypeAllowed('e2ee', 'application/mls-commit', 'c1');
    expect(commit).toEqual({ ok: false, error: { code: 'request.invalid', message: 'Send commits and welcomes to POST /v1/conversations/c1/mls/commits.' } });
    for (const t of ['application/vnd.haven.payload+json', 'image/png', 'text/plain']) {
      const r = messageContentTypeAllowed('e2ee', t);
      expect(r.ok ? undefined : r.error.code, t).toBe('request.unsupported_media_type');
    }
  });

  it('issue 9.3: the removal marker is never accepted from a sender, in either mode', () => {
    for (const mode of ['visible', 'e2ee'] as const) {
      const r = messageContentTypeAllowed(mode, 'application/haven-removed');
      expect(r).toEqual({ ok: false, error: { code: 'request.unsupported_media_type', message: 'Only a moderator can remove a message.' } });
    }
  });
});
