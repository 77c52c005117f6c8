import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { HavenError, MediaParams, MediaUploadQuery, type MediaUploaded } from '@haven/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticate } from '../services/accounts';
import type { Caller, Services } from '../services/context';
import type { ConversationRow } from '../storage/database';
import { findConversationForMember } from '../storage/repos/conversations';
import { findMediaForDownload, insertMedia } from '../storage/repos/media';
import { bearerToken } from '../http/route';
import { parseInput } from '../http/errors';
import { MediaStore, mediaDirOf, type StagedBlob } from './store.node.ts';
import { recordIp } from '../moderation/ip-capture';

/**
 * A check run on an upload before it is kept (the safety work adds scanning of `visible` conversations'
 * plaintext uploads here); throw a HavenError to refuse it.
 */
/** The content types an upload may be sent with: raw bytes (images in `visible` conversations are decoded to check them). */
export const UPLOAD_CONTENT_TYPES = ['application/octet-stream', 'image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/tiff', 'image/avif', 'image/heif'] as const;

const isStream = (v: unknown): v is Readable => typeof v === 'object' && v !== null && typeof (v as Readable).pipe === 'function';

/** `staged.read()` opens the sealed staging file (the bytes in the clear, in memory, for a scan). */
export type MediaInspector = (upload: { staged: StagedBlob & { read(): Promise<Uint8Array> }; conversation: ConversationRow; caller: Caller; mediaId: string }) => Promise<void>;

/**
 * `POST /v1/media?conversationId=ID` (body: the raw bytes, `application/octet-stream`, streamed to disk,
 * limit `media.maxBytes`) → `{ id, size, sha256, conversationId }`; `GET /v1/media/:id` streams them
 * back to members of that conversation. e2ee uploads are ciphertext: the key is inside the MLS message.
 */
export function mediaRoutes(app: FastifyInstance, s: Services, inspectors: MediaInspector[] = []): void {
  const store = new MediaStore(mediaDirOf(s.config.dataDir));
  void app.register(async (sub) => {
    // Raw bytes reach the handler as a stream: nothing is buffered whole. Only the upload's own content
    // types are accepted here: a JSON body (parsed by the app's parser) is refused with 415, not stored.
    sub.removeAllContentTypeParsers();
    sub.addContentTypeParser(UPLOAD_CONTENT_TYPES as unknown as string[], (_req, payload, done) => done(null, payload));
    sub.post('/v1/media', async (req, reply) => {
      try {
        return await upload(req, reply);
      } catch (e) {
        // A refused upload may leave unread bytes on the socket: do not reuse the connection.
        if (!req.raw.readableEnded) void reply.header('connection', 'close');
        throw e;
      }
    });
    const upload = async (req: FastifyRequest, reply: FastifyReply) => {
      const caller = await authenticate(s, bearerToken(req));
      const { conversationId } = parseInput(MediaUploadQuery, req.query, 'query string');
      const conversation = await findConversationForMember(s.db, conversationId, caller.accountId);
      if (!conversation) throw new HavenError('conversation.not_found');
      const declared = Number(req.headers['content-length'] ?? NaN);
      if (declared > s.config.media.maxBytes) throw new HavenError('media.too_large', `The file is larger than this server accepts (${s.config.media.maxBytes} bytes).`);
      if (!isStream(req.body)) throw new HavenError('request.unsupported_media_type', 'Upload the file as application/octet-stream.');
      const id = randomUUID();
      // Sealed under the server key as it streams in (issue 13, 7): no file holds the bytes in the clear.
      const staged = await store.stage(req.body as Readable, s.config.media.maxBytes, s.sealer.sealStream(id, conversation.id));
      try {
        const read = () => store.readStaged(staged, s.sealer.openStream(id, conversation.id));
        for (const inspect of inspectors) await inspect({ staged: { ...staged, read }, conversation, caller, mediaId: id });
        await store.commit(staged, id);
      } catch (e) {
        await store.discard(staged);
        throw e;
      }
      await insertMedia(s.db, { id, uploader_account_id: caller.accountId, uploader_device_id: caller.deviceId, conversation_id: conversationId, size: staged.size, sha256: staged.sha256, sealed: true });
      await recordIp(s, caller.accountId, 'Upload', req.ip);
      const out: MediaUploaded = { id, size: staged.size, sha256: staged.sha256, conversationId: conversationId as MediaUploaded['conversationId'] };
      return reply.status(201).send(out);
    };
  });
  app.get('/v1/media/:id', async (req, reply) => {
    const caller = await authenticate(s, bearerToken(req));
    const { id } = parseInput(MediaParams, req.params, 'path');
    const row = await findMediaForDownload(s.db, id);
    // Not a member and no such file look the same.
    if (!row || !(await findConversationForMember(s.db, row.conversation_id, caller.accountId))) throw new HavenError('media.not_found');
    // Opened as it streams out; the length is that of the bytes uploaded.
    const stream = await store.open(id, row.sealed ? s.sealer.openStream(id, row.conversation_id) : undefined);
    return reply.type('application/octet-stream').header('content-length', Number(row.size)).send(stream);
  });
}
