// @haven/client/node: everything in @haven/client plus what needs Node (files, the `ws` socket).
import WebSocket from 'ws';
import type { WebSocketFactory, WebSocketLike } from './connection';

export * from './index';
export { FileProfileStore, PROFILE_FILE, defaultProfileDir } from './profile.node.ts';
export { ensurePrivateDir, writeFileAtomic } from './files.node.ts';
export { nodeAttachmentHasher } from './safety/hasher.node.ts';
export { openProfileE2ee } from './e2ee/store.node.ts';
export { UNCONFIRMED_ACKS_FILE, UnconfirmedAcks } from './unconfirmed-acks.node.ts';

/** The `ws` package as a {@link WebSocketFactory}, for Node (20 has no global WebSocket). */
export const nodeWebSocket: WebSocketFactory = (url) => new WebSocket(url, { maxPayload: 16 * 1024 * 1024 }) as unknown as WebSocketLike;
export { selfReportHashes, selfReportImage } from './safety/self-report.node.ts';
export { nsfwjsLoader } from './safety/nudity-nsfwjs.node.ts';
