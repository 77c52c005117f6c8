import { HavenError } from '@haven/protocol';
import { z } from 'zod';

// Several nodes of one Haven deployment: the addresses a client may use, and which one it uses now.

/** `serverUrl` (one node) or `serverUrls` (several, tried in order); at least one, each a string. */
export const ServerUrlsInput = z
  .object({
    serverUrl: z.string().optional(),
    serverUrls: z.array(z.string()).optional(),
  })
  .refine((o) => (o.serverUrls?.length ?? 0) > 0 || o.serverUrl !== undefined, {
    message: 'give serverUrl or a non-empty serverUrls list',
  });

/**
 * Parses and normalises the server addresses of a client option; throws `request.invalid` with a
 * sentence when there are none or one is not an http(s) address. Duplicates are dropped.
 */
export function serverUrlsOf(opts: { serverUrl?: string | undefined; serverUrls?: readonly string[] | undefined }): string[] {
  const r = ServerUrlsInput.safeParse({ serverUrl: opts.serverUrl, serverUrls: opts.serverUrls ? [...opts.serverUrls] : undefined });
  if (!r.success) {
    throw new HavenError('request.invalid', 'No Haven server address was given: pass serverUrl, or serverUrls with at least one address.');
  }
  const raw = [...(r.data.serverUrls ?? []), ...(r.data.serverUrl !== undefined ? [r.data.serverUrl] : [])];
  return [...new Set(raw.map(normaliseServerUrl))];
}

/** `http://host:port/` → `http://host:port`; rejects anything that is not http(s). */
export function normaliseServerUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new HavenError('request.invalid', `"${raw}" is not a server address; write it like http://127.0.0.1:8080.`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new HavenError('request.invalid', `The server address must start with http:// or https://, not ${u.protocol}.`);
  }
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

/**
 * The address in use and the ones to fall back on. A client keeps the address that works; when it fails,
 * the next one in the list becomes current (round robin), so the deployment's load stays spread.
 */
export class ServerUrls {
  readonly all: readonly string[];
  #index: number;

  constructor(urls: readonly string[], start = 0) {
    if (urls.length === 0) throw new HavenError('request.invalid', 'No Haven server address was given.');
    this.all = urls;
    this.#index = ((start % urls.length) + urls.length) % urls.length;
  }

  get current(): string {
    return this.all[this.#index]!;
  }

  /** `url` failed: if it is still the current one, move to the next (another caller may have moved already). */
  failed(url: string): void {
    if (this.current === url) this.#index = (this.#index + 1) % this.all.length;
  }
}

/** Full-jitter exponential backoff: a random wait up to min(max, initial × 2^attempt). */
export function backoffMs(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(maxMs, initialMs * 2 ** attempt));
}
