// E1: the error registries and the codes the sources raise agree (no unregistered code, no dead entry).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { IMAGE_ERRORS } from './image.node.ts';
import { HASHLIST_ERRORS } from './store.node.ts';

const here = dirname(fileURLToPath(import.meta.url));

it('E1 every raised image.* and hashlist.* code is registered, and every registered code is raised', () => {
  const sources = readdirSync(here).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => readFileSync(join(here, f), 'utf8'));
  const raised = new Set<string>();
  for (const text of sources) {
    for (const [, code] of text.matchAll(/new (?:ImageHashError|HashListError)\('([a-z_.]+)'/g)) raised.add(code!);
  }
  const registered = new Set([...Object.keys(IMAGE_ERRORS), ...Object.keys(HASHLIST_ERRORS)]);
  expect([...raised].sort()).toEqual([...registered].sort());
});
