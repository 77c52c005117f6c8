import { z } from 'zod';
import type { AgeBand } from '@haven/protocol';

// The shapes of metadata risk signals (R1–R12): events in, signals out, thresholds in config.

export interface Party {
  id: string;
  /** The band at the time of the event, as the caller computed it then; absent when the birth date is unknown (R12). */
  band?: AgeBand | undefined;
  /** Whole years at the time of the event; absent when unknown (R9 then does not fire). */
  age?: number | undefined;
  /** When the account was created, ms since the epoch; absent when unknown (R8 then does not fire). */
  createdAt?: number | undefined;
  /** IANA zone of the account's local time (R10); absent or unknown → the policy's zone. */
  timeZone?: string | undefined;
}

/** Plain facts the server already records; `at` is milliseconds since the epoch; `id` names the stored event. */
export type SafetyEvent =
  | {
      type: 'contact_attempt';
      id?: string;
      at: number;
      from: Party;
      to: Party;
      /** Whether they were already accepted contacts when it happened. */
      connected: boolean;
      via: 'contact_request' | 'direct' | 'group_add' | 'invite' | 'first_message';
      /** The server refused it (e.g. `policy.adult_to_child`): still an attempt, and counted by R6. */
      refused?: boolean;
      /** The first message's id when `via` is `first_message`. */
      messageId?: string;
    }
  | { type: 'contact_accepted'; id?: string; at: number; requester: Party; accepter: Party }
  /** The child said no to a pending request (R6). */
  | { type: 'contact_declined'; id?: string; at: number; requester: Party; decliner: Party }
  | { type: 'block' | 'report'; id?: string; at: number; by: string; target: string; byBand?: AgeBand | undefined }
  | { type: 'media_sent'; id?: string; at: number; from: Party; to: Party; messageId?: string }
  /** A message in a conversation with a child (R10); content never. */
  | { type: 'message_sent'; id?: string; at: number; from: Party; to: Party; messageId?: string }
  /** Someone joined a group; the counts are of the members after the join (R11). */
  | { type: 'group_join'; id?: string; at: number; member: Party; conversationId: string; children: number; members: number };

const hours = (max: number) => z.number().positive().max(max);
const count = () => z.number().int().min(1).max(1000);

/** Thresholds (R4), each configurable under `safety.signals`. */
export const SignalThresholds = z
  .object({
    /** R1: an adult reaching this many distinct children they were not connected to… */
    unconnectedChildren: count().default(3),
    /** …within this many hours. */
    unconnectedChildrenWindowHours: hours(24 * 90).default(24),
    /** R2: this many distinct accounts blocking or reporting one account… */
    blocksReports: count().default(3),
    /** …within this many hours (R7 uses the same window). */
    blocksReportsWindowHours: hours(24 * 365).default(24 * 7),
    /** R3: an adult sending media to a child within this many hours of their first contact. */
    escalationHours: hours(24 * 90).default(24),
    /** R6: this many distinct children refusing, declining or ignoring an adult's requests… */
    refusedByChildren: count().default(2),
    /** …within this many hours. */
    refusedWindowHours: hours(24 * 90).default(24 * 7),
    /** R6: a request to a child still unanswered after this many hours counts as ignored. */
    ignoredAfterHours: hours(24 * 90).default(72),
    /** R7: this many distinct children blocking or reporting one adult within the R2 window. */
    blocksReportsByChildren: count().default(2),
    /** R8: an account younger than this many hours… */
    newAccountHours: hours(24 * 90).default(72),
    /** …reaching this many distinct unconnected children. */
    newAccountChildren: count().default(2),
    /** R9: an adult this many years older than an unconnected child they try to reach. */
    ageGapYears: z.number().int().min(5).max(100).default(10),
    /** R10: this many messages from an adult to children in the children's night… */
    nightMessages: count().default(5),
    /** …within this many hours… */
    nightWindowHours: hours(24 * 90).default(24 * 7),
    /** …where night starts at this local hour… */
    nightStartHour: z.number().int().min(0).max(23).default(22),
    /** …and ends at this local hour. */
    nightEndHour: z.number().int().min(0).max(23).default(6),
    /** R11: an adult joining this many distinct groups where children are the majority… */
    childrenGroups: count().default(3),
    /** …within this many hours. */
    childrenGroupsWindowHours: hours(24 * 365).default(24 * 30),
  })
  .strict();
export type SignalThresholds = z.infer<typeof SignalThresholds>;
export const DEFAULT_SIGNAL_THRESHOLDS: SignalThresholds = SignalThresholds.parse({});

export const SIGNAL_CODES = [
  'signal.adult_contacting_children',
  'signal.repeated_blocks_reports',
  'signal.fast_escalation',
  'signal.refused_by_children',
  'signal.blocked_reported_by_children',
  'signal.new_account_reaching_children',
  'signal.large_age_gap',
  'signal.night_messages',
  'signal.many_children_groups',
] as const;
export type SignalCode = (typeof SIGNAL_CODES)[number];

export interface RiskSignal {
  code: SignalCode;
  /** The account the signal is about. */
  accountId: string;
  /** A sentence for the moderator who reviews it. */
  explanation: string;
  /** The other accounts involved (children contacted, accounts that blocked or reported). */
  related: string[];
  /** When the threshold was crossed (the time of the event that crossed it). */
  at: number;
  /** Ids of the events (and message ids) behind it, for the case file; empty when events had none. */
  evidence: string[];
}


const PartySchema = z.object({
  id: z.string(),
  band: z.enum(['child', 'adult']).optional(),
  age: z.number().optional(),
  createdAt: z.number().optional(),
  timeZone: z.string().optional(),
});
const base = { id: z.string().optional(), at: z.number() };

/** A stored event read back (server database JSON): parsed, never trusted as is. */
export const SafetyEventSchema: z.ZodType<SafetyEvent> = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('contact_attempt'),
    ...base,
    from: PartySchema,
    to: PartySchema,
    connected: z.boolean(),
    via: z.enum(['contact_request', 'direct', 'group_add', 'invite', 'first_message']),
    refused: z.boolean().optional(),
    messageId: z.string().optional(),
  }),
  z.object({ type: z.literal('contact_accepted'), ...base, requester: PartySchema, accepter: PartySchema }),
  z.object({ type: z.literal('contact_declined'), ...base, requester: PartySchema, decliner: PartySchema }),
  z.object({ type: z.enum(['block', 'report']), ...base, by: z.string(), target: z.string(), byBand: z.enum(['child', 'adult']).optional() }),
  z.object({ type: z.enum(['media_sent', 'message_sent']), ...base, from: PartySchema, to: PartySchema, messageId: z.string().optional() }),
  z.object({ type: z.literal('group_join'), ...base, member: PartySchema, conversationId: z.string(), children: z.number().int(), members: z.number().int() }),
]) as z.ZodType<SafetyEvent>;
