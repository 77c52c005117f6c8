// The server's public view of who sits in which leaf of a group, kept from public commits alone, so that
// it can check that a commit's sender leaf belongs to the uploading device. Plain data (JSON-safe).
import { fail, succeed, type CryptoResult } from './errors';
import { sameIdentity, type DeviceIdentity } from './identity';
import type { CommitInfo } from './inspect';

export interface RosterLeaf {
  leafIndex: number;
  identity: DeviceIdentity;
}

/** Occupied leaves, sorted by index. */
export interface Roster {
  leaves: RosterLeaf[];
}

/** The roster of a new group: its creator in leaf 0. */
export function rosterOfCreator(creator: DeviceIdentity): Roster {
  return { leaves: [{ leafIndex: 0, identity: creator }] };
}

export function leafOf(roster: Roster, leafIndex: number): DeviceIdentity | undefined {
  return roster.leaves.find((l) => l.leafIndex === leafIndex)?.identity;
}

export function leavesOfDevice(roster: Roster, id: DeviceIdentity): number[] {
  return roster.leaves.filter((l) => sameIdentity(l.identity, id)).map((l) => l.leafIndex);
}

/**
 * Applies a public commit as RFC 9420 §12.3 does: removes blank their leaves, then each add takes the
 * leftmost blank leaf. Fails when the sender is not the uploader, a removed leaf is empty, or an added
 * device is already a member.
 * @example const next = rosterAfterCommit(roster, uploader, info.senderLeafIndex, info.commit);
 */
export function rosterAfterCommit(
  roster: Roster,
  uploader: DeviceIdentity,
  senderLeafIndex: number | undefined,
  commit: CommitInfo,
): CryptoResult<Roster> {
  const sender = senderLeafIndex === undefined ? undefined : leafOf(roster, senderLeafIndex);
  if (!sender) return fail('mls.not_member', 'The commit does not come from a member of this group.');
  if (!sameIdentity(sender, uploader))
    return fail('mls.credential_mismatch', 'The commit comes from a leaf of another device.');
  if (commit.committer && !sameIdentity(commit.committer.identity, uploader))
    return fail('mls.credential_mismatch', "The commit's credential names another account or device.");
  if (commit.others.length > 0) return fail('mls.bad_message', `Proposals of type ${commit.others.join(', ')} are not accepted.`);
  const leaves = new Map(roster.leaves.map((l) => [l.leafIndex, l.identity]));
  for (const r of commit.removes) {
    if (!leaves.delete(r)) return fail('mls.bad_message', `The commit removes leaf ${r}, which is empty.`);
  }
  for (const add of commit.adds) {
    if ([...leaves.values()].some((id) => sameIdentity(id, add.identity)))
      return fail('conversation.already_member', 'The commit adds a device that is already a member.');
    let i = 0;
    while (leaves.has(i)) i++;
    leaves.set(i, add.identity);
  }
  return succeed({
    leaves: [...leaves.entries()].sort((a, b) => a[0] - b[0]).map(([leafIndex, identity]) => ({ leafIndex, identity })),
  });
}
