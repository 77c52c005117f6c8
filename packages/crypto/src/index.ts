// Public API of @haven/crypto: curated exports only.
export {};
