// Public API of @haven/pdq: curated exports only. Everything here but the `.node` modules runs anywhere.
export { PDQ_BITS, PDQ_WORDS, PDQ_ZERO, parsePdqHex, pdqDistance, pdqHexFromWords, pdqWordsFromHex, popcount32, type PdqHex } from './hash256';
export { DIHEDRAL_NAMES, MIN_HASHABLE_DIM, type DihedralName } from './pdq-core';
export { lumaFromPixels, pdqFromLuma, pdqFromPixels, resizeNearest, REFERENCE_RESIZE, type DihedralHashes, type LumaPlane, type PdqHashResult, type RawImage } from './pixels';
export {
  decodeImage,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_PIXELS,
  digestFile,
  hashImageBuffer,
  hashImageFile,
  ImageHashError,
  type HashImageOptions,
  type HashMode,
  type ImageHashResult,
} from './image.node.ts';
export { PdqIndex, type PdqDihedralMatch, type PdqMatch } from './pdq-index';
export { DIGEST_BYTES, ExactHashSet, parseDigestHex, type ExactKind } from './exact-set';
export { ENTRY_BYTES, kindOfHashText, LIST_KINDS, ListParser, type LineError, type ListKind, type ParsedList } from './list-format';
export {
  HashListError,
  HashListStore,
  isValidListName,
  type HashListManifest,
  type ImportOptions,
  type ImportResult,
  type LoadedHashList,
} from './store.node.ts';
export { progressBar, type Progress } from './progress.node.ts';
