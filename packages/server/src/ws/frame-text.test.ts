import type { Message, ServerFrame } from '@haven/protocol';
import { describe, expect, it } from 'vitest';
import { frameText } from './connection';

// A message's JSON is made once and shared by the frames that carry it: each frame must still be exactly
// what JSON.stringify makes of it.

const message = {
  id: '6f1c4a52-3f4e-4f7e-9a51-1d2b3c4d5e6f',
  conversationId: '0b7e3d1a-2c4f-4a8b-9e6d-5f4a3b2c1d0e',
  seq: 7,
  senderAccountId: '1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d',
  senderHandle: 'ann',
  senderDeviceId: '2b3c4d5e-6f7a-4b9c-8d1e-2f3a4b5c6d7e',
  clientMessageId: 'c-"quoted" ✓ \u2028',
  contentType: 'application/vnd.haven.payload+json',
  body: 'eyJ2IjoxfQ==',
  sentAt: '2026-11-30T21:00:00.000Z',
} as unknown as Message;

describe('frameText', () => {
  it('message and sent frames are the JSON of the frame, with the message serialised once', () => {
    const frames: ServerFrame[] = [
      { type: 'message', message },
      { type: 'sent', clientMessageId: message.clientMessageId, message },
      { type: 'pong', ref: 'r1' },
      { type: 'error', error: { code: 'request.invalid', message: 'bad "frame"' } } as ServerFrame,
    ];
    for (const f of frames) expect(JSON.parse(frameText(f))).toEqual(JSON.parse(JSON.stringify(f)));
    // Fields left undefined are left out, as JSON.stringify leaves them out.
    const sparse = { ...message, franking: undefined } as unknown as Message;
    expect(JSON.parse(frameText({ type: 'message', message: sparse }))).toEqual(JSON.parse(JSON.stringify({ type: 'message', message: sparse })));
    // Two messages never share a text.
    const other = { ...message, seq: 8 } as Message;
    expect(JSON.parse(frameText({ type: 'message', message: other })).message.seq).toBe(8);
    expect(JSON.parse(frameText({ type: 'message', message })).message.seq).toBe(7);
  });
});
