// Reads the shared PDQ reference data (never copied into the repository).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedPath } from '../../../testing/env';

export const reference = sharedPath('pdq-reference', 'expected-cpp-reference.csv');
export const referenceDir = reference.available ? join(reference.value, '..') : '';

export const DIHEDRAL_COLUMNS = ['orig', 'rot90', 'rot180', 'rot270', 'flipx', 'flipy', 'flipplus1', 'flipminus1'] as const;

export interface ReferenceRow {
  file: string;
  cls: 'exact' | 'exact-with-cli-resize' | 'decoder-dependent' | 'undefined-16bit';
  hashes: string[];
  quality: number;
}

export function referenceRows(): ReferenceRow[] {
  const classes = new Map(
    readFileSync(join(referenceDir, 'manifest.csv'), 'utf8').trim().split('\n').slice(1)
      .map((l) => l.split(',')).map((c) => [c[0]!, c[5]! as ReferenceRow['cls']]),
  );
  return readFileSync(join(referenceDir, 'expected-cpp-reference.csv'), 'utf8').trim().split('\n').slice(1).map((l) => {
    const c = l.split(',');
    const file = c[9]!;
    const cls = classes.get(file);
    if (!cls) throw new Error(`${file} missing from manifest.csv`);
    return { file, cls, hashes: c.slice(0, 8), quality: Number(c[8]) };
  });
}

export const imagePath = (file: string): string => join(referenceDir, 'images', file);
export const hashlistPath = (file: string): string => join(referenceDir, 'hashlists', file);
export function readHashLines(file: string): string[] {
  return readFileSync(hashlistPath(file), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
}
