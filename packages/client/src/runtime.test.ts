import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The SDK runs in browsers: only files named *.node.ts may use Node (imports of node:* or `ws`,
// Buffer, process). This keeps the web app's bundle free of them.

const here = dirname(fileURLToPath(import.meta.url));
const shared = readdirSync(here).filter((f) => f.endsWith('.ts') && !f.endsWith('.node.ts') && !f.endsWith('.test.ts'));

describe('runs anywhere unless it says so', () => {
  it('shared files import nothing Node-only and use no Node globals', () => {
    expect(shared.length).toBeGreaterThan(5);
    for (const f of shared) {
      const src = readFileSync(join(here, f), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      expect(src, f).not.toMatch(/from '(node:[^']+|ws|fs|path|os|crypto)'/);
      expect(src, f).not.toMatch(/from '\.\/[^']+\.node(\.ts)?'/);
      expect(src, f).not.toMatch(/\b(Buffer|process|require)\b/);
    }
  });
});
