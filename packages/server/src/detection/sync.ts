import { KNOWN_IMAGE_RULE, PDQ_WORDS } from '@haven/pdq';
import type { HashListSync } from '@haven/protocol';
import { holdsHashLists } from '@haven/safety';
import type { ListSnapshot } from './hashlists.node.ts';

/**
 * The enabled PDQ and SHA-256 lists in the compact form devices hold (D3): raw entries, base64 —
 * PDQ as 16 little-endian 16-bit words per hash (word 0 first, as `pdqWordsFromHex`), SHA-256 as 32
 * bytes. MD5 lists stay on the server (devices check SHA-256 and PDQ only).
 */
export function encodeSnapshot(snapshot: ListSnapshot): HashListSync['lists'] {
  const out: HashListSync['lists'] = [];
  for (const l of snapshot.lists) {
    if (l.kind === 'pdq') {
      const words = l.index.words;
      const bytes = new Uint8Array(words.length * 2);
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < words.length; i++) view.setUint16(i * 2, words[i]!, true);
      out.push({ name: l.manifest.name, kind: 'pdq', count: words.length / PDQ_WORDS, entries: Buffer.from(bytes).toString('base64') });
    } else if (l.kind === 'sha256') {
      out.push({ name: l.manifest.name, kind: 'sha256', count: l.set.size, entries: Buffer.from(l.set.bytes).toString('base64') });
    }
  }
  return out;
}

/** What `GET /v1/hashlists/sync` answers an account of `band`: lists only where the policy puts them. */
export function syncFor(holds: boolean, snapshot: ListSnapshot): HashListSync {
  return {
    holdsLists: holds,
    version: holds ? snapshot.version : 'none',
    maxDistance: KNOWN_IMAGE_RULE.maxDistance,
    minQuality: KNOWN_IMAGE_RULE.minQuality,
    lists: holds ? encodeSnapshot(snapshot) : [],
  };
}

export { holdsHashLists };
