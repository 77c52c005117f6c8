// Public API of @haven/client: curated exports only.
export {};
