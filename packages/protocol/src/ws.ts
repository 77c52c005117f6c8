import { z } from 'zod';
import { Base64, ClientMessageId, ConversationId } from './ids';
import { AccountId, DeviceId } from './ids';
import { Conversation, Message } from './http';
import { ContentType, Seq } from './text';

// WebSocket frames (JSON text). The first client frame must be `hello` with a session token:
// browsers cannot set headers on a WebSocket, and tokens in URLs end up in access logs.

export const ClientFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), token: z.string().min(1).max(512) }).strict(),
  z
    .object({
      type: z.literal('send'),
      conversationId: ConversationId,
      clientMessageId: ClientMessageId,
      body: Base64,
      contentType: ContentType.optional(),
    })
    .strict(),
  /** Acknowledges every message of the conversation up to and including `seq` for this device. */
  z.object({ type: z.literal('ack'), conversationId: ConversationId, seq: Seq }).strict(),
  z.object({ type: z.literal('ping'), ref: z.string().max(64).optional() }).strict(),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

export const ServerFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), accountId: AccountId, deviceId: DeviceId }),
  /** Sent once after connect, when every message queued for this device before connect has been sent. */
  z.object({ type: z.literal('synced') }),
  z.object({ type: z.literal('message'), message: Message }),
  z.object({ type: z.literal('sent'), clientMessageId: z.string(), message: Message }),
  z.object({ type: z.literal('conversation'), conversation: Conversation }),
  /** A safety event for this account (e.g. `media.blocked`), with help resources. */
  z.object({ type: z.literal('event'), event: z.string(), data: z.unknown() }),
  z.object({ type: z.literal('pong'), ref: z.string().optional() }),
  z.object({
    type: z.literal('error'),
    error: z.object({ code: z.string(), message: z.string() }),
    /** The clientMessageId or ref of the frame that failed, when there is one. */
    ref: z.string().optional(),
  }),
]);
export type ServerFrame = z.infer<typeof ServerFrame>;

export const WS_PATH = '/v1/ws';

