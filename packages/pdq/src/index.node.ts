// `@haven/pdq/node`: everything in `@haven/pdq` plus what needs Node: decoding with sharp, file hashing,
// the hash-list store and the terminal progress bar.
export * from './index';
export {
  decodeImage,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_PIXELS,
  digestFile,
  hashImageBuffer,
  hashImageFile,
  IMAGE_ERRORS,
  ImageHashError,
  type ImageErrorCode,
  type HashImageOptions,
  type HashMode,
  type ImageHashResult,
} from './image.node.ts';
export {
  HASHLIST_ERRORS,
  HashListError,
  type HashListErrorCode,
  HashListStore,
  isValidListName,
  type HashListManifest,
  type ImportOptions,
  type ImportResult,
  type LoadedHashList,
  matchableOf,
} from './store.node.ts';
export { progressBar, type Progress } from './progress.node.ts';
