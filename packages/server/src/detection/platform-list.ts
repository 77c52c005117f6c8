import { DEFAULT_MAX_DISTANCE, DEFAULT_MIN_QUALITY, PDQ_WORDS, parsePdqHex, pdqDistance, pdqWordsFromHex } from '@haven/pdq';
import type { HashListSync } from '@haven/protocol';
import type { Services } from '../services/context';
import { activePlatformHashes } from '../storage/repos/self-reports';
import type { ListMatch } from './scan.node.ts';

// The platform block list (issue 11): children's self-reported images, by hash only, kept apart from
// operator-imported lists and always enabled. Matched by the server in `visible` conversations (like an
// imported list: quarantine, restriction, a detection for moderators) and synced to devices for `e2ee`.

export const PLATFORM_PDQ_LIST = 'haven-self-reports';
export const PLATFORM_SHA256_LIST = 'haven-self-reports-sha256';
export const PLATFORM_MD5_LIST = 'haven-self-reports-md5';

/** The best match of an image's hashes on the platform list, or undefined. PDQ counts only at quality >= 50. */
export async function platformMatch(s: Services, h: { sha256: string; md5: string; pdq: string; quality: number }): Promise<ListMatch | undefined> {
  const list = await activePlatformHashes(s.db, DEFAULT_MIN_QUALITY);
  const sha = [...list.sha256.keys()].indexOf(h.sha256);
  if (sha >= 0) return { list: PLATFORM_SHA256_LIST, kind: 'sha256', entryIndex: sha, label: null, distance: 0 };
  const md5 = [...list.md5.keys()].indexOf(h.md5);
  if (md5 >= 0) return { list: PLATFORM_MD5_LIST, kind: 'md5', entryIndex: md5, label: null, distance: 0 };
  if (h.quality < DEFAULT_MIN_QUALITY) return undefined;
  const q = parsePdqHex(h.pdq);
  if (!q) return undefined;
  let best: ListMatch | undefined;
  list.pdq.forEach((e, i) => {
    const entry = parsePdqHex(e.hex);
    if (!entry) return;
    const d = pdqDistance(q, entry);
    if (d <= DEFAULT_MAX_DISTANCE && (!best || d < best.distance)) best = { list: PLATFORM_PDQ_LIST, kind: 'pdq', entryIndex: i, label: null, distance: d };
  });
  return best;
}

/** The platform list in the form devices hold (as `encodeSnapshot`), and its version. */
export async function platformSync(s: Services): Promise<{ version: string; lists: HashListSync['lists'] }> {
  const list = await activePlatformHashes(s.db, DEFAULT_MIN_QUALITY);
  const words = new Uint8Array(list.pdq.length * PDQ_WORDS * 2);
  const view = new DataView(words.buffer);
  list.pdq.forEach((e, i) => pdqWordsFromHex(e.hex as never).forEach((w, j) => view.setUint16((i * PDQ_WORDS + j) * 2, w, true)));
  const sha = Buffer.concat([...list.sha256.keys()].map((x) => Buffer.from(x, 'hex')));
  return {
    version: list.version,
    lists: [
      { name: PLATFORM_PDQ_LIST, kind: 'pdq', count: list.pdq.length, entries: Buffer.from(words).toString('base64') },
      { name: PLATFORM_SHA256_LIST, kind: 'sha256', count: list.sha256.size, entries: sha.toString('base64') },
    ],
  };
}
