// Public API of @haven/pdq: the pure part (no I/O, no Node APIs; runs in a browser). Decoding, files and
// the hash-list store are in `@haven/pdq/node`.
export { PDQ_BITS, PDQ_WORDS, PDQ_ZERO, parsePdqHex, pdqDistance, pdqHexFromWords, pdqWordsFromHex, popcount32, type PdqHex } from './hash256';
export { DIHEDRAL_NAMES, MIN_HASHABLE_DIM, type DihedralName } from './pdq-core';
export { lumaFromPixels, pdqFromLuma, pdqFromPixels, resizeNearest, REFERENCE_RESIZE, type DihedralHashes, type LumaPlane, type PdqHashResult, type RawImage } from './pixels';
export { PdqIndex, type PdqDihedralMatch, type PdqIndexOptions, type PdqMatch } from './pdq-index';
export { DIGEST_BYTES, ExactHashSet, parseDigestHex, type ExactKind } from './exact-set';
export { ENTRY_BYTES, kindOfHashText, LIST_KINDS, ListParser, type LineError, type ListKind, type ParsedList } from './list-format';
export { DEFAULT_MAX_DISTANCE, DEFAULT_MIN_QUALITY, queryPdq, type PdqHit, type PdqQueryOptions, type PdqQueryResult } from './match';
export { KNOWN_IMAGE_RULE, matchKnownImage, type ImageHashes, type KnownImageMatch, type KnownImageRule, type MatchableList } from './rule';
