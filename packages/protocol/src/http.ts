import { z } from 'zod';
import { AccountId, Base64, ClientMessageId, ConversationId, DeviceId, Handle, IsoDate, MessageId } from './ids';
import { ContentType, DisplayName, Seq, safeText } from './text';

// HTTP request and response bodies. Requests are `.strict()`: an unknown field is a client bug, and
// a forged field (a mode, a birth date) must never be silently accepted.

export const AgeBand = z.enum(['child', 'adult']);
export type AgeBand = z.infer<typeof AgeBand>;
export const AgeAssurance = z.enum(['self-declared', 'estimated', 'verified']);
export type AgeAssurance = z.infer<typeof AgeAssurance>;
export const Role = z.enum(['user', 'moderator', 'admin']);
export type Role = z.infer<typeof Role>;
export const ConversationMode = z.enum(['e2ee', 'visible']);
export type ConversationMode = z.infer<typeof ConversationMode>;

export const Password = z.string().min(1).max(1024);

export const RegisterRequest = z
  .object({
    handle: Handle,
    password: Password,
    birthDate: IsoDate,
    region: safeText({ min: 2, max: 64 }).optional(),
    displayName: DisplayName.optional(),
  })
  .strict();
export type RegisterRequest = z.infer<typeof RegisterRequest>;

/** What the account holder sees of their own account. */
export const AccountSelf = z.object({
  id: AccountId,
  handle: z.string(),
  displayName: z.string().nullable(),
  ageBand: AgeBand,
  ageAssurance: AgeAssurance,
  role: Role,
  region: z.string().nullable(),
  createdAt: z.string(),
  /**
   * Whether this account's devices blur images that may show nudity and warn before sending one (the
   * operator's `safety.safeguards.nudityWarnings`: children by default). Absent from answers that do not
   * say (an account made by an administrator): devices then decide by the age band (children only).
   */
  nudityWarnings: z.boolean().optional(),
});
export type AccountSelf = z.infer<typeof AccountSelf>;

/** What other users see of an account: never age, birth date or region. */
export const AccountPublic = z.object({ id: AccountId, handle: z.string(), displayName: z.string().nullable() });
export type AccountPublic = z.infer<typeof AccountPublic>;

export const LoginRequest = z
  .object({
    handle: Handle,
    password: Password,
    /** Re-use a device registered before; without it a new device is registered. */
    deviceId: DeviceId.optional(),
    deviceName: safeText({ min: 1, max: 64 }).optional(),
  })
  .strict();
export type LoginRequest = z.infer<typeof LoginRequest>;

export const SessionResponse = z.object({
  token: z.string(),
  expiresAt: z.string(),
  account: AccountSelf,
  deviceId: DeviceId,
});
export type SessionResponse = z.infer<typeof SessionResponse>;

export const Device = z.object({
  id: DeviceId,
  name: z.string().nullable(),
  createdAt: z.string(),
  lastSeenAt: z.string().nullable(),
  /** Linked: certified by the account key (issue 15); a device signed in by password alone is pending. */
  linked: z.boolean().optional(),
  /** The device of the session that asked. */
  current: z.boolean().optional(),
});
export type Device = z.infer<typeof Device>;

export const ContactState = z.enum(['pending_outgoing', 'pending_incoming', 'accepted', 'blocked']);
export type ContactState = z.infer<typeof ContactState>;
export const Contact = z.object({ account: AccountPublic, state: ContactState, since: z.string() });
export type Contact = z.infer<typeof Contact>;
export const ContactRequest = z.object({ handle: Handle }).strict();

export const ConversationKind = z.enum(['direct', 'group']);
export const CreateConversationRequest = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('direct'), with: Handle }).strict(),
  z
    .object({ kind: z.literal('group'), title: safeText({ min: 1, max: 100 }), members: z.array(Handle).max(256) })
    .strict(),
]);
export type CreateConversationRequest = z.infer<typeof CreateConversationRequest>;

export const Conversation = z.object({
  id: ConversationId,
  kind: ConversationKind,
  title: z.string().nullable(),
  mode: ConversationMode,
  /** Stable code for why the mode was chosen, e.g. `mode.member_under_18`. */
  modeReasonCode: z.string(),
  /** The reason in words, shown to every member. */
  modeReason: z.string(),
  members: z.array(AccountPublic),
  createdAt: z.string(),
  lastSeq: z.number().int().nonnegative(),
  /**
   * Present when the conversation takes no new messages (P9: an age correction left its mode unfit for
   * its members): why, in words, and what to do. Sends are refused with `policy.mode_change`.
   */
  closedReason: z.string().optional(),
  /**
   * K6: present when some members are not listed to this viewer (a sextortion signal about the viewer
   * fired in a conversation with a child here): how many, and why in words. Others see every member.
   */
  hiddenMembers: z.number().int().positive().optional(),
  hiddenMembersReason: z.string().optional(),
});
export type Conversation = z.infer<typeof Conversation>;

export const AddMemberRequest = z.object({ handle: Handle }).strict();

export const SendMessageRequest = z
  .object({
    clientMessageId: ClientMessageId,
    /** Opaque bytes: a JSON MessagePayload in `visible` mode, MLS ciphertext in `e2ee` mode. */
    body: Base64,
    contentType: ContentType.optional(),
  })
  .strict();
export type SendMessageRequest = z.infer<typeof SendMessageRequest>;

/** The server's franking tag of an e2ee application message (see @haven/crypto FRANKING.md). */
export const FrankingTagWire = z.object({
  keyId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a key id'),
  /** base64 HMAC-SHA256. */
  tag: Base64,
  /** Server receive time (ms since the epoch) bound into the tag. */
  timestamp: z.number().int().nonnegative().max(8_640_000_000_000_000),
});
export type FrankingTagWire = z.infer<typeof FrankingTagWire>;

export const Message = z.object({
  id: MessageId,
  conversationId: ConversationId,
  seq: z.number().int().positive(),
  sender: AccountPublic,
  senderDeviceId: DeviceId,
  clientMessageId: z.string(),
  contentType: z.string(),
  body: Base64,
  sentAt: z.string(),
  /** Device-targeted messages (MLS welcomes): only this device receives it. */
  recipientDeviceId: DeviceId.optional(),
  /** e2ee application messages: the server's franking tag over the sender's commitment. */
  franking: FrankingTagWire.optional(),
  /**
   * K6: present (true) when this viewer may not know who wrote it (a sextortion signal about the viewer
   * fired in a conversation with a child here, and the writer is one of the child's hidden contacts).
   * `sender` and `senderDeviceId` are then stand-ins: the nil id and the handle `hidden member`.
   */
  senderHidden: z.literal(true).optional(),
});
export type Message = z.infer<typeof Message>;

export const MessagesQuery = z
  .object({ after: z.coerce.number().pipe(Seq).default(0), limit: z.coerce.number().int().min(1).max(500).default(100) })
  .strict();

export const CreateUserRequest = RegisterRequest.extend({ role: Role.default('user') }).strict();
