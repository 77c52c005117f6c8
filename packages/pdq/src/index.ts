// Public API of @haven/pdq: curated exports only.
export {};
