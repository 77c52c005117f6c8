import { decryptAttachmentStream, encryptAttachmentStream } from '@haven/crypto';
import { HavenError, type AttachmentRef, type Conversation } from '@haven/protocol';
import { base64ToBytes, bytesToBase64 } from '../base64';
import type { HavenClient } from '../http-client';

/** A file to attach: its bytes as a stream, and what the recipient is told about it. */
export interface AttachmentSource {
  stream: ReadableStream<Uint8Array>;
  contentType: string;
  name?: string;
}

/**
 * Uploads an attachment for a conversation and returns the reference to put in the message payload.
 * `e2ee`: encrypted on this device with a fresh AES-256-GCM key as it streams (the server stores opaque
 * chunks); key and SHA-256 of the plaintext go inside the MLS message. `visible`: uploaded as it is (the
 * server may scan it), with its SHA-256.
 * @example const ref = await uploadAttachment(client, convo, { stream: file.stream(), contentType: file.type, name: file.name });
 */
export async function uploadAttachment(client: HavenClient, conversation: Conversation, src: AttachmentSource): Promise<AttachmentRef> {
  const meta = { contentType: src.contentType, ...(src.name ? { name: src.name } : {}) };
  if (conversation.mode === 'e2ee') {
    const { stream, secrets } = encryptAttachmentStream();
    const uploaded = await client.uploadMedia(conversation.id, src.stream.pipeThrough(stream));
    const s = await secrets;
    return { mediaId: uploaded.id, size: s.size, sha256: s.sha256, key: bytesToBase64(s.key), ...meta };
  }
  const bytes = new Uint8Array(await new Response(src.stream).arrayBuffer());
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes));
  const uploaded = await client.uploadMedia(conversation.id, bytes);
  return { mediaId: uploaded.id, size: bytes.length, sha256: [...digest].map((b) => b.toString(16).padStart(2, '0')).join(''), ...meta };
}

/**
 * Downloads an attachment's plaintext as a stream: decrypted and checked (every chunk, the SHA-256 and
 * the size) when it carries a key; the stream errors with `media.corrupt` when anything was altered.
 */
export async function attachmentStream(client: HavenClient, ref: AttachmentRef): Promise<ReadableStream<Uint8Array>> {
  let key: Uint8Array | undefined;
  try {
    key = ref.key === undefined ? undefined : base64ToBytes(ref.key);
  } catch {
    throw new HavenError('media.corrupt', 'The attachment key is not valid.');
  }
  // On a decryption failure or a cancel, abort the download too (never leave the connection half-read).
  const abort = new AbortController();
  const body = await client.downloadMedia(ref.mediaId, abort.signal);
  if (!key) return body;
  const reader = body.pipeThrough(decryptAttachmentStream({ key, sha256: ref.sha256, size: ref.size })).getReader();
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      try {
        const { done, value } = await reader.read();
        if (done) c.close();
        else c.enqueue(value);
      } catch (e) {
        abort.abort();
        c.error(e);
      }
    },
    cancel(reason) {
      abort.abort();
      return reader.cancel(reason);
    },
  });
}
