// Public API of @haven/safety: curated exports only.
export {};
