import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import type { AttachmentRef, Conversation } from '@haven/protocol';
import { uploadGuardedAttachment, type HavenClient } from '@haven/client/node';
import { deviceGuard } from '../guard';

// `haven send --attach`: imported by send.ts only when files are attached, so a text message loads
// neither the hash lists' matcher nor the attachment encryption.

/** Uploads the files (e2ee: each checked on this device against the synced hash lists first, D5). */
export async function uploadFiles(client: HavenClient, conversation: Conversation, files: string[], type: string | undefined): Promise<AttachmentRef[]> {
  const guard = conversation.mode === 'e2ee' ? await deviceGuard(client) : undefined;
  const attachments: AttachmentRef[] = [];
  for (const f of files) {
    const stream = Readable.toWeb(createReadStream(f)) as unknown as ReadableStream<Uint8Array>;
    attachments.push(await uploadGuardedAttachment(client, conversation, { stream, contentType: type ?? guessType(f), name: basename(f) }, guard));
  }
  return attachments;
}

const TYPES: Record<string, string> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp', txt: 'text/plain', pdf: 'application/pdf', mp4: 'video/mp4' };
function guessType(file: string): string {
  return TYPES[(/\.([^.]+)$/.exec(file)?.[1] ?? '').toLowerCase()] ?? 'application/octet-stream';
}
