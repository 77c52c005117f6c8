import { z } from 'zod';
import { FrankingTagWire, MessagePayload } from '@haven/protocol';
import type { Decoded } from '../codec';

// What the e2ee engine keeps of each message it processed: MLS application messages decrypt only once,
// so the result (and what a franked report needs) is stored on the device, keyed by message id.

export const ReceivedRecord = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('payload'),
    payload: MessagePayload,
    conversationId: z.string(),
    senderAccountId: z.string(),
    senderDeviceId: z.string(),
    /** base64: what a franked report reveals with the payload. */
    frankingKey: z.string(),
    commitment: z.string(),
    tag: FrankingTagWire.optional(),
  }),
  /** Handshake traffic, or a message this device was never meant to read (sent before it joined). */
  z.object({ kind: z.literal('control'), note: z.string().optional() }),
  z.object({ kind: z.literal('undecodable'), code: z.string(), reason: z.string() }),
  /** A moderator removed it: what it said is no longer kept on this device (issue 9, 3). */
  z.object({ kind: z.literal('removed') }),
]);
export type ReceivedRecord = z.infer<typeof ReceivedRecord>;

export function toDecoded(r: ReceivedRecord): Decoded {
  switch (r.kind) {
    case 'payload':
      return { kind: 'payload', payload: r.payload };
    case 'control':
      return { kind: 'control' };
    case 'undecodable':
      return { kind: 'undecodable', code: r.code, reason: r.reason };
    case 'removed':
      return { kind: 'removed' };
  }
}

export const encodeRecord = (r: ReceivedRecord): Uint8Array => new TextEncoder().encode(JSON.stringify(r));

export function decodeRecord(bytes: Uint8Array | undefined): ReceivedRecord | undefined {
  if (!bytes) return undefined;
  try {
    const r = ReceivedRecord.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
