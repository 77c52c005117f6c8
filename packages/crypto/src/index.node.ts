// Node-only entry point (`@haven/crypto/node`): what needs node:* APIs, kept out of the browser bundle.
// Imported with its `.ts` extension because `file-store.node` would otherwise read as a native addon.
export { FileStateStore } from './file-store.node.ts';
