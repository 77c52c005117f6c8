// The `@haven/pdq` entry point stays pure: nothing it reaches imports Node APIs, sharp or a .node module.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

it('S1 index.ts and everything it imports use no Node APIs, no sharp, no .node modules', () => {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(join(here, file), 'utf8');
    for (const [, spec] of text.matchAll(/from '([^']+)'/g)) {
      expect(spec, `${file} imports ${spec}`).not.toMatch(/^node:|^sharp$|\.node(\.ts)?$/);
      if (spec!.startsWith('./')) visit(`${spec!.slice(2)}.ts`);
    }
  };
  visit('index.ts');
  expect(seen.size).toBeGreaterThan(5);
});
