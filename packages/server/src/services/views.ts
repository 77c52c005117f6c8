import type { AccountPublic, AccountSelf, Contact, Conversation, Device, Message } from '@haven/protocol';
import type { AccountRow, ContactRow, ConversationRow, DeviceRow, MessageRow } from '../storage/database';
import type { NudityWarnings } from '@haven/safety';
import { bandOf } from './age';
import { modeReasonText } from './mode';

// Database rows to wire shapes. Branded ids come from our own storage, so they are cast, not re-parsed.

export const iso = (d: Date): string => d.toISOString();

/**
 * An account as its owner sees it. With the policy's `nudityWarnings`, it says whether this account's
 * devices blur images that may show nudity (issue 11, 5).
 */
export function accountSelf(a: AccountRow, now: Date, timeZone?: string, nudityWarnings?: NudityWarnings): AccountSelf {
  const ageBand = bandOf(a.birth_date, now, timeZone);
  return {
    id: a.id as AccountSelf['id'],
    handle: a.handle,
    displayName: a.display_name,
    ageBand,
    ageAssurance: a.age_assurance,
    role: a.role,
    region: a.region,
    createdAt: iso(a.created_at),
    ...(nudityWarnings ? { nudityWarnings: nudityWarnings === 'everyone' || (nudityWarnings === 'children' && ageBand === 'child') } : {}),
  };
}

export function accountPublic(a: Pick<AccountRow, 'id' | 'handle' | 'display_name'>): AccountPublic {
  return { id: a.id as AccountPublic['id'], handle: a.handle, displayName: a.display_name };
}

export function deviceView(d: DeviceRow): Device {
  return { id: d.id as Device['id'], name: d.name, createdAt: iso(d.created_at), lastSeenAt: d.last_seen_at ? iso(d.last_seen_at) : null };
}

export function contactView(c: ContactRow, other: AccountRow): Contact {
  return { account: accountPublic(other), state: c.state, since: iso(c.since) };
}

export function conversationView(c: ConversationRow, members: AccountRow[]): Conversation {
  return {
    id: c.id as Conversation['id'],
    kind: c.kind,
    title: c.title,
    mode: c.mode,
    modeReasonCode: c.mode_reason_code,
    modeReason: modeReasonText(c.mode_reason_code, c.mode_reason),
    members: members.map(accountPublic),
    createdAt: iso(c.created_at),
    lastSeq: c.last_seq,
    ...(c.closed_reason ? { closedReason: c.closed_reason } : {}),
  };
}

export function messageView(m: MessageRow, sender: AccountPublic, body: Uint8Array): Message {
  return {
    id: m.id as Message['id'],
    conversationId: m.conversation_id as Message['conversationId'],
    seq: m.seq,
    sender,
    senderDeviceId: m.sender_device_id as Message['senderDeviceId'],
    clientMessageId: m.client_message_id,
    contentType: m.content_type,
    body: Buffer.from(body).toString('base64'),
    sentAt: iso(m.sent_at),
    ...(m.recipient_device_id ? { recipientDeviceId: m.recipient_device_id as Message['senderDeviceId'] } : {}),
    ...(m.franking_key_id && m.franking_tag
      ? { franking: { keyId: m.franking_key_id, tag: Buffer.from(m.franking_tag).toString('base64'), timestamp: m.sent_at.getTime() } }
      : {}),
  };
}

/** What a shielded viewer reads in place of the members it may not see (K6). */
export const HIDDEN_MEMBERS_REASON = 'Some members are hidden for safety.';

/**
 * K6: `viewerId`'s view of `c` when it may not see the contacts of the children in `shielded` (a
 * sextortion signal about it fired in a conversation with them). If a shielded child is a member, only
 * the viewer and the shielded children stay listed (the conversation still makes sense); the others are
 * counted in `hiddenMembers`. A conversation without a shielded child is unchanged.
 */
export function shieldView(c: Conversation, viewerId: string, shielded: ReadonlySet<string>): Conversation {
  if (!c.members.some((m) => shielded.has(m.id))) return c;
  const members = c.members.filter((m) => m.id === viewerId || shielded.has(m.id));
  const hidden = c.members.length - members.length;
  return hidden === 0 ? c : { ...c, members, hiddenMembers: hidden, hiddenMembersReason: HIDDEN_MEMBERS_REASON };
}

const NIL_ID = '00000000-0000-0000-0000-000000000000';

/**
 * The stand-in for a hidden member who wrote a message (K6). The handle cannot be a real account's (a
 * handle has no spaces), and every hidden writer reads the same, so the suspect cannot count them apart.
 */
export const HIDDEN_SENDER: AccountPublic = { id: NIL_ID as AccountPublic['id'], handle: 'hidden member', displayName: 'Hidden member' };

/**
 * K6: `message` as `viewerId` may see it in a conversation with the children in `shielded` as members:
 * written by anyone but the viewer or a shielded child, its writer is hidden. MLS messages are left
 * whole (their framing names the sending leaf to every member's device anyway, and a device needs the
 * sender to decrypt): policy keeps children out of e2ee conversations, so none reach here.
 */
export function shieldMessage(message: Message, viewerId: string, shielded: ReadonlySet<string>): Message {
  if (message.sender.id === viewerId || shielded.has(message.sender.id) || message.contentType.startsWith('application/mls-')) return message;
  return { ...message, sender: HIDDEN_SENDER, senderDeviceId: NIL_ID as Message['senderDeviceId'], senderHidden: true };
}
