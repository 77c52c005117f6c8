import { HavenError, type AttachmentRef, type Conversation } from '@haven/protocol';
import { attachmentStream, uploadAttachment, type AttachmentSource } from '../e2ee/attachments';
import type { HavenClient } from '../http-client';
import type { HashListGuard } from './hash-guard';

// The attachment path with the device-side known-image check (D2, D5, D6) in front of it. In `visible`
// conversations the server checks uploads itself; in `e2ee` ones this is the only check, so the bytes
// are read whole (PDQ needs the decoded image) and checked before they are encrypted or shown.

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Uploads an attachment after the device check: in an `e2ee` conversation a known image is never
 * encrypted or uploaded; the guard files the report and this throws `media.blocked` with help.
 * @example const ref = await uploadGuardedAttachment(client, convo, { stream, contentType: 'image/jpeg' }, guard);
 */
export async function uploadGuardedAttachment(client: HavenClient, conversation: Conversation, src: AttachmentSource, guard: HashListGuard | undefined): Promise<AttachmentRef> {
  if (!guard || conversation.mode !== 'e2ee') return uploadAttachment(client, conversation, src);
  const bytes = await readAll(src.stream);
  await guard.guardOutgoing(conversation, bytes);
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });
  return uploadAttachment(client, conversation, { ...src, stream });
}

/**
 * Downloads and decrypts an attachment, then checks it before it is shown: a known image in an `e2ee`
 * conversation throws `media.blocked` with help for this account (the report is already filed).
 */
export async function openGuardedAttachment(
  client: HavenClient,
  conversation: Conversation,
  messageId: string,
  ref: AttachmentRef,
  guard: HashListGuard | undefined,
): Promise<Uint8Array> {
  const bytes = await readAll(await attachmentStream(client, ref));
  if (!guard || conversation.mode !== 'e2ee') return bytes;
  const v = await guard.guardIncoming(conversation, messageId, bytes);
  if (v.blocked) throw new HavenError('media.blocked', 'An image sent to you was blocked by a safety check on this device. You did nothing wrong.', { detectionId: v.detectionId }, v.help);
  return bytes;
}
