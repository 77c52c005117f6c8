import { MLS_CONTENT_TYPES } from '@haven/protocol';
import { bytesToBase64 } from '../base64';
import { visibleCodec, type CodecSelector, type MessageCodec } from '../codec';
import type { E2eeEngine } from './engine';

/**
 * The MLS codec of `e2ee` conversations: encode catches up, reconciles the group and encrypts with
 * franking; decode processes the stream in order up to the message and reads the stored result.
 */
export function mlsCodec(engine: E2eeEngine | (() => Promise<E2eeEngine>)): MessageCodec {
  const get = typeof engine === 'function' ? engine : async () => engine;
  return {
    async encode(conversation, payload) {
      const body = await (await get()).encrypt(conversation, payload);
      return { body: bytesToBase64(body), contentType: MLS_CONTENT_TYPES.message };
    },
    async decode(conversation, message) {
      return (await get()).decode(conversation, message);
    },
    async stale(conversation) {
      (await get()).invalidate(conversation.id);
    },
  };
}

/** Codecs of a client with end-to-end encryption: visible payloads, and MLS for `e2ee` conversations. */
export function e2eeCodecs(engine: E2eeEngine | (() => Promise<E2eeEngine>)): CodecSelector {
  const mls = mlsCodec(engine);
  return (conversation) => {
    switch (conversation.mode) {
      case 'visible':
        return visibleCodec;
      case 'e2ee':
        return mls;
    }
  };
}
