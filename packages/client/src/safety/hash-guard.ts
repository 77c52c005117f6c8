import { ExactHashSet, KNOWN_IMAGE_RULE, PdqIndex, matchKnownImage, type DihedralName, type PdqHex } from '@haven/pdq';
import { HavenError, type Conversation, type HashListSync, type HelpWire } from '@haven/protocol';
import { base64ToBytes } from '../base64';
import type { HavenClient } from '../http-client';

// Client-side known-image checks for e2ee conversations (D2, D3, D5, D6): the device holds the enabled
// PDQ and SHA-256 lists, checks every attachment before sending it and before showing it, and on a
// match blocks it and files a report with the hashes and conversation metadata, never the content.

/**
 * What a device computes from an attachment's plaintext. PDQ only for images it could decode, with all
 * eight dihedral variants (`dihedral`), which the matching rule needs to catch a rotated known image.
 */
export interface AttachmentHashes {
  sha256: string;
  pdq?: PdqHex;
  quality?: number;
  dihedral?: Readonly<Partial<Record<DihedralName, PdqHex>>>;
}

/** Hashes plaintext bytes: `nodeAttachmentHasher` in Node; a browser passes one built on a canvas. */
export type AttachmentHasher = (bytes: Uint8Array) => Promise<AttachmentHashes>;

export interface GuardMatch {
  list: string;
  kind: 'pdq' | 'sha256';
  entryIndex: number;
  distance: number;
}

export type GuardVerdict = { blocked: false; hashes: AttachmentHashes } | { blocked: true; hashes: AttachmentHashes; match: GuardMatch; help: HelpWire; detectionId: string };

type HeldList = { name: string; kind: 'pdq'; index: PdqIndex } | { name: string; kind: 'sha256'; set: ExactHashSet };

/** Decodes the compact sync form: PDQ as 16 little-endian 16-bit words per hash, SHA-256 as 32 bytes. */
export function decodeSyncedLists(sync: HashListSync): HeldList[] {
  return sync.lists.map((l) => {
    const bytes = base64ToBytes(l.entries);
    if (l.kind === 'sha256') {
      if (bytes.length !== l.count * 32) throw new HavenError('server.internal', `Hash list ${l.name} arrived damaged.`);
      return { name: l.name, kind: 'sha256', set: new ExactHashSet('sha256', bytes, l.count) };
    }
    if (bytes.length !== l.count * 32) throw new HavenError('server.internal', `Hash list ${l.name} arrived damaged.`);
    const words = new Uint16Array(l.count * 16);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < words.length; i++) words[i] = view.getUint16(i * 2, true);
    return { name: l.name, kind: 'pdq', index: PdqIndex.fromWords(words, l.count) };
  });
}

/**
 * Holds the synced lists and checks attachments against them.
 *
 * @example
 * const guard = new HashListGuard(client, nodeAttachmentHasher);
 * await guard.sync();
 * await guard.guardOutgoing(conversation, bytes);            // throws media.blocked on a match
 * const v = await guard.guardIncoming(conversation, message.id, bytes); if (v.blocked) showHelp(v.help);
 */
export class HashListGuard {
  #lists: HeldList[] = [];
  #version = 'none';
  #holds = false;
  #maxDistance = KNOWN_IMAGE_RULE.maxDistance;
  #minQuality = KNOWN_IMAGE_RULE.minQuality;

  constructor(
    private readonly client: HavenClient,
    private readonly hasher: AttachmentHasher,
  ) {}

  /** Whether this account's devices hold lists under the server's policy (after `sync`). */
  get holdsLists(): boolean {
    return this.#holds;
  }
  get version(): string {
    return this.#version;
  }

  /** Fetches the lists when they changed; the previous ones stay in use if the fetch fails. */
  async sync(): Promise<void> {
    const s = await this.client.hashListSync();
    this.#holds = s.holdsLists;
    this.#maxDistance = s.maxDistance;
    this.#minQuality = s.minQuality;
    if (s.version === this.#version) return;
    this.#lists = decodeSyncedLists(s);
    this.#version = s.version;
  }

  /**
   * Matches hashes against the held lists by the one rule the server and the CLI use
   * (`matchKnownImage`, @haven/pdq): exact SHA-256, then PDQ over all eight dihedral variants within the
   * server's distance when the quality allows. The best match, or `undefined`.
   */
  match(h: AttachmentHashes): GuardMatch | undefined {
    const best = matchKnownImage(this.#lists, h, { ...KNOWN_IMAGE_RULE, maxDistance: this.#maxDistance, minQuality: this.#minQuality })[0];
    if (!best || best.kind === 'md5') return undefined;
    return { list: best.list, kind: best.kind, entryIndex: best.entryIndex, distance: best.distance };
  }

  async #check(conversation: Conversation, bytes: Uint8Array, source: 'client-outgoing' | 'client-incoming', messageId?: string): Promise<GuardVerdict> {
    const hashes = await this.hasher(bytes);
    const match = this.#holds ? this.match(hashes) : undefined;
    if (!match) return { blocked: false, hashes };
    const filed = await this.client.reportDetection({
      source,
      conversationId: conversation.id,
      ...(messageId ? { messageId: messageId as never } : {}),
      list: match.list,
      entryIndex: match.entryIndex,
      distance: match.distance,
      sha256: hashes.sha256,
      ...(hashes.pdq ? { pdq: hashes.pdq } : {}),
      ...(hashes.quality !== undefined ? { quality: hashes.quality } : {}),
      size: bytes.length,
    });
    return { blocked: true, hashes, match, help: filed.help, detectionId: filed.detectionId };
  }

  /**
   * Before sending an attachment in an e2ee conversation (D5): a match is never sent; the report is
   * filed and `media.blocked` thrown with help. Visible conversations are checked by the server instead.
   */
  async guardOutgoing(conversation: Conversation, bytes: Uint8Array): Promise<AttachmentHashes> {
    if (conversation.mode !== 'e2ee') return this.hasher(bytes);
    const v = await this.#check(conversation, bytes, 'client-outgoing');
    if (v.blocked) throw new HavenError('media.blocked', 'This image was blocked by a safety check on your device and was not sent.', { detectionId: v.detectionId }, v.help);
    return v.hashes;
  }

  /** Before showing a received attachment of an e2ee conversation (D6): a match is not shown. */
  async guardIncoming(conversation: Conversation, messageId: string, bytes: Uint8Array): Promise<GuardVerdict> {
    if (conversation.mode !== 'e2ee') return { blocked: false, hashes: await this.hasher(bytes) };
    return this.#check(conversation, bytes, 'client-incoming', messageId);
  }
}


