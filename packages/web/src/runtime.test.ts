import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Everything the browser bundle can reach runs in a browser: in the web app and in the packages it uses
// (client, crypto, pdq, protocol), only files named *.node.ts may import Node or use Node globals.

const packages = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'bench' ? [] : sources(p);
    return /\.tsx?$/.test(e.name) && !/\.node\.ts$|\.test\.ts$|test-helpers\.ts$/.test(e.name) ? [p] : [];
  });
}

describe('the browser bundle needs no Node', () => {
  it.each(['web', 'client', 'crypto', 'pdq', 'protocol'])('packages/%s/src', (pkg) => {
    const files = sources(join(packages, pkg, 'src'));
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) {
      const src = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      expect(src, f).not.toMatch(/from '(node:[^']+|ws|fs|path|os|crypto|sharp)'/);
      expect(src, f).not.toMatch(/from '[^']+\.node(\.ts)?'/);
      expect(src, f).not.toMatch(/(?<![.\w])(Buffer\.|process\.|require\()/);
    }
  });
});
