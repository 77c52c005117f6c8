import {
  HavenError,
  PAYLOAD_CONTENT_TYPE,
  REMOVED_CONTENT_TYPE,
  messageContentTypeAllowed,
  decodePayload,
  encodePayload,
  type Conversation,
  type Message,
  type MessagePayload,
} from '@haven/protocol';
import { base64ToBytes, bytesToBase64 } from './base64';

/** A message body ready for the wire: base64 bytes and their content type. */
export interface EncodedBody {
  body: string;
  contentType: string;
}

/** What a codec makes of a received message. */
export type Decoded =
  /** A user message. */
  | { kind: 'payload'; payload: MessagePayload }
  /** Protocol traffic the codec consumed (e.g. an MLS commit): nothing to show, but it is acknowledged. */
  | { kind: 'control' }
  /** Could not be read (tampered, unknown format, missing keys); `code` is stable, `reason` is for people. */
  | { kind: 'undecodable'; code: string; reason: string }
  /** A moderator removed it (issue 9, 3): show `REMOVED_TEXT`; this device keeps no copy of what it said. */
  | { kind: 'removed' };

/**
 * The seam between messaging and encryption: how one conversation's payloads become bodies and back.
 * `visible` conversations use {@link visibleCodec}; the MLS work plugs an e2ee codec in through a
 * {@link CodecSelector} without changing callers.
 */
export interface MessageCodec {
  encode(conversation: Conversation, payload: MessagePayload): Promise<EncodedBody>;
  decode(conversation: Conversation, message: Message): Promise<Decoded>;
  /** The server refused a body `encode` made as out of date (`mls.stale_epoch`): the next one must catch up. */
  stale?(conversation: Conversation): Promise<void>;
}

/** Picks the codec for a conversation (usually by its mode); `undefined` when none can handle it. */
export type CodecSelector = (conversation: Conversation) => MessageCodec | undefined;

/**
 * `visible` mode: the body is the UTF-8 JSON MessagePayload, content type
 * `application/vnd.haven.payload+json`. The server encrypts it at rest with its own key.
 */
export const visibleCodec: MessageCodec = {
  async encode(_conversation, payload) {
    return { body: bytesToBase64(encodePayload(payload)), contentType: PAYLOAD_CONTENT_TYPE };
  },
  async decode(_conversation, message) {
    if (message.contentType === REMOVED_CONTENT_TYPE) return { kind: 'removed' };
    // The same rule the server applies on send (issue 13, 1): anything else is not shown.
    if (!messageContentTypeAllowed('visible', message.contentType).ok) {
      return { kind: 'undecodable', code: 'codec.content_type', reason: `unexpected content type ${message.contentType}` };
    }
    let bytes: Uint8Array;
    try {
      bytes = base64ToBytes(message.body);
    } catch {
      return { kind: 'undecodable', code: 'codec.base64', reason: 'the body is not base64' };
    }
    const payload = decodePayload(bytes);
    return payload ? { kind: 'payload', payload } : { kind: 'undecodable', code: 'codec.payload', reason: 'the body is not a Haven payload' };
  },
};

/**
 * The selector before end-to-end encryption lands: `visible` conversations get {@link visibleCodec};
 * `e2ee` ones need the MLS codec, so none is returned.
 */
export const defaultCodecs: CodecSelector = (conversation) => {
  switch (conversation.mode) {
    case 'visible':
      return visibleCodec;
    case 'e2ee':
      return undefined;
  }
};

/** The codec for a conversation, or a clear error when this client cannot handle its mode. */
export function codecFor(select: CodecSelector, conversation: Conversation): MessageCodec {
  const codec = select(conversation);
  if (!codec) {
    throw new HavenError(
      'request.invalid',
      `This client cannot read or write ${conversation.mode === 'e2ee' ? 'end-to-end encrypted' : conversation.mode} conversations yet.`,
    );
  }
  return codec;
}
