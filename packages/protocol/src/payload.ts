import { z } from 'zod';

/**
 * What a client puts inside a message body before the delivery layer sees it (or, in `e2ee` mode,
 * before MLS encrypts it). UTF-8 JSON.
 */
export const AttachmentRef = z.object({
  mediaId: z.string(),
  contentType: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** base64 AES-256-GCM key; present only inside e2ee payloads. */
  key: z.string().optional(),
  name: z.string().max(255).optional(),
});
export type AttachmentRef = z.infer<typeof AttachmentRef>;

export const MessagePayload = z.object({
  v: z.literal(1),
  text: z.string().max(64 * 1024).optional(),
  attachments: z.array(AttachmentRef).max(10).optional(),
});
export type MessagePayload = z.infer<typeof MessagePayload>;

export const PAYLOAD_CONTENT_TYPE = 'application/vnd.haven.payload+json';

export function encodePayload(p: MessagePayload): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(p));
}

/** Parses untrusted bytes; `undefined` when they are not a valid payload. */
export function decodePayload(bytes: Uint8Array): MessagePayload | undefined {
  try {
    const r = MessagePayload.safeParse(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
