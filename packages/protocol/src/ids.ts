import { z } from 'zod';

// Branded identifiers: a DeviceId can never be passed where an AccountId is wanted.
export const AccountId = z.string().uuid().brand<'AccountId'>();
export type AccountId = z.infer<typeof AccountId>;
export const DeviceId = z.string().uuid().brand<'DeviceId'>();
export type DeviceId = z.infer<typeof DeviceId>;
export const ConversationId = z.string().uuid().brand<'ConversationId'>();
export type ConversationId = z.infer<typeof ConversationId>;
export const MessageId = z.string().uuid().brand<'MessageId'>();
export type MessageId = z.infer<typeof MessageId>;

/** Handles: 3–32 characters, lower-case letters, digits, '_' and '.', starting with a letter. */
export const Handle = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z][a-z0-9_.]{2,31}$/, 'a handle is 3–32 characters: a letter, then letters, digits, "_" or "."')
  .brand<'Handle'>();
export type Handle = z.infer<typeof Handle>;

/** A client-chosen id that makes a resend idempotent. */
export const ClientMessageId = z.string().min(8).max(64).regex(/^[A-Za-z0-9_-]+$/);

/** YYYY-MM-DD, a real calendar date. */
export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date is written YYYY-MM-DD').refine((s) => {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
}, 'not a real calendar date');

/** Standard base64 of opaque bytes. */
export const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64');
