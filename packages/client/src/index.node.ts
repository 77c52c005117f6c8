// @haven/client/node: everything in @haven/client plus what needs Node (files, the `ws` socket).
export * from './index';
export { FileProfileStore, PROFILE_FILE, defaultProfileDir } from './profile.node.ts';
export { ensurePrivateDir, writeFileAtomic } from './files.node.ts';
export { nodeAttachmentHasher } from './safety/hasher.node.ts';
export { openProfileE2ee } from './e2ee/store.node.ts';
export { UNCONFIRMED_ACKS_FILE, UnconfirmedAcks } from './unconfirmed-acks.node.ts';
export { nodeWebSocket } from './websocket.node.ts';
export { nodeFetch } from './http.node.ts';
export { selfReportHashes, selfReportImage } from './safety/self-report.node.ts';
export { nsfwjsLoader } from './safety/nudity-nsfwjs.node.ts';
