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
