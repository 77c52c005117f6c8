import type { HavenClient } from '@haven/client/node';
import { helpLines, printError, printJson } from './output';

// Safety notices (a blocked image, a block) as the CLI shows them: the sentence and its help, on stderr
// (JSON lines on stdout with --json). Shown notices are marked seen so they are shown once.

export interface NoticeLike {
  id?: string;
  event: string;
  data: unknown;
  at?: string;
}

export function showNotice(n: NoticeLike, json: boolean): void {
  if (json) {
    printJson({ event: n.event, data: n.data, ...(n.at ? { at: n.at } : {}) });
    return;
  }
  const d = (n.data ?? {}) as { message?: unknown; help?: unknown; handle?: unknown };
  const what = typeof d.message === 'string' ? `: ${d.message}` : n.event === 'contact.blocked' && typeof d.handle === 'string' ? `: you blocked ${d.handle}` : '';
  printError(`haven: safety notice (${n.event})${what}`);
  for (const line of helpLines(d.help)) printError(`  ${line}`);
}

/** Shows the notices this account has not seen yet, oldest first, and marks them seen. Returns how many. */
export async function showUnseenNotices(client: HavenClient, json: boolean): Promise<number> {
  const unseen = (await client.notices()).filter((n) => n.seenAt === null).reverse();
  for (const n of unseen) showNotice(n, json);
  if (unseen.length > 0) await client.markNoticesSeen(unseen.map((n) => n.id));
  return unseen.length;
}

/** The notice id a live event carries (the server adds it), to mark it seen once shown. */
export function noticeIdOf(data: unknown): string | undefined {
  const id = (data as { noticeId?: unknown } | null)?.noticeId;
  return typeof id === 'string' ? id : undefined;
}
