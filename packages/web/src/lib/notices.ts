import type { HelpWire } from '@haven/protocol';

/** A safety notice as the app shows it: what happened, in words, and where to get help. */
export interface Notice {
  id: string;
  event: string;
  message: string;
  help: HelpWire | null;
  at: string;
}

function isHelp(v: unknown): v is HelpWire {
  const h = v as HelpWire | undefined;
  return !!h && typeof h.headline === 'string' && Array.isArray(h.resources);
}

/** Reads a stored notice (`GET /v1/notices`) whose data came from the server as unknown JSON. */
export function noticeFrom(n: { id: string; event: string; data: unknown; at: string }): Notice {
  const d = (n.data ?? {}) as { message?: unknown; help?: unknown };
  const fallback: Record<string, string> = {
    'media.blocked': 'An image sent to you was blocked by a safety check. You did nothing wrong.',
    'contact.blocked': 'You blocked someone. They can no longer contact you.',
  };
  return {
    id: n.id,
    event: n.event,
    message: typeof d.message === 'string' ? d.message : (fallback[n.event] ?? 'Something in your account needs your attention.'),
    help: isHelp(d.help) ? d.help : null,
    at: n.at,
  };
}
