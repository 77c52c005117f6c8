import type { Services } from './context';
import { findAccountsByIds } from '../storage/repos/accounts';
import { listConversationsForMember, membersOf } from '../storage/repos/conversations';
import { shieldedChildrenFor } from '../storage/repos/shields';
import { conversationView, shieldView } from './views';

/**
 * K6: after shields about `viewerId` were placed or lifted for `children`, sends the viewer's open
 * connections its current view of every conversation it shares with one of them (members hidden while a
 * shield is in force, everyone again once it is lifted), so a client's cached member list follows.
 */
export async function republishShieldedViews(s: Services, viewerId: string, children: ReadonlySet<string>): Promise<void> {
  if (children.size === 0) return;
  const rows = await listConversationsForMember(s.db, viewerId);
  const members = await membersOf(s.db, rows.map((r) => r.id));
  const touched = rows.filter((r) => (members.get(r.id) ?? []).some((id) => children.has(id)));
  if (touched.length === 0) return;
  const inForce = await shieldedChildrenFor(s.db, viewerId);
  const accounts = new Map((await findAccountsByIds(s.db, [...new Set(touched.flatMap((r) => members.get(r.id) ?? []))])).map((a) => [a.id, a]));
  for (const r of touched) {
    const full = conversationView(r, (members.get(r.id) ?? []).flatMap((id) => accounts.get(id) ?? []));
    await s.fanout.publish([viewerId], { type: 'conversation', conversation: shieldView(full, viewerId, inForce) });
  }
}
