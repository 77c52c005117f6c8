// Public API of @haven/server: curated exports only.
export {};
