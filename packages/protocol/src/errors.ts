import { z } from 'zod';

/**
 * Every error Haven returns, by code. Codes are `area.reason`, never reused for a new meaning.
 * Each has its HTTP status and a sentence a person understands; a test checks that every code the
 * code base uses is registered here.
 */
export const ERRORS = {
  'request.invalid': { status: 400, message: 'The request is not valid.' },
  'request.malformed_json': { status: 400, message: 'The request body is not valid JSON.' },
  'request.too_large': { status: 413, message: 'The request is larger than this server accepts.' },
  'request.unsupported_media_type': { status: 415, message: 'This content type is not accepted here.' },
  'request.not_found': { status: 404, message: 'There is nothing at this address.' },
  'request.rate_limited': { status: 429, message: 'Too many requests: wait a little and try again.' },
  'request.uri_too_long': { status: 414, message: 'The address is longer than this server accepts.' },
  'request.timeout': { status: 408, message: 'The request took too long to arrive.' },
  'request.headers_too_large': { status: 431, message: 'The request headers are larger than this server accepts.' },

  'auth.required': { status: 401, message: 'Sign in first: this needs a session token.' },
  'auth.invalid_token': { status: 401, message: 'The session token is not valid; sign in again.' },
  'auth.expired_token': { status: 401, message: 'The session has expired; sign in again.' },
  'auth.bad_credentials': { status: 401, message: 'The handle or the password is wrong.' },
  'auth.forbidden': { status: 403, message: 'Your account is not allowed to do this.' },
  'auth.throttled': {
    status: 429,
    message: 'Too many wrong passwords for this account: wait a little and try again. Devices already signed in keep working.',
  },

  'account.too_young': { status: 422, message: 'Haven is for people aged 13 and over.' },
  'account.birth_date_in_future': { status: 422, message: 'The birth date is in the future.' },
  'account.handle_taken': { status: 409, message: 'That handle is already taken.' },
  'account.not_found': { status: 404, message: 'No such account.' },
  'account.suspended': { status: 403, message: 'This account is suspended.' },
  'account.weak_password': { status: 422, message: 'Choose a password of at least 10 characters.' },
  'account.display_name_taken': { status: 422, message: "That display name is another account's handle; choose a name of your own." },

  'connection.rate_limited': { status: 429, message: 'This connection is sending too fast; the frame was dropped. Slow down and send it again.' },
  'connection.too_many': { status: 429, message: 'Too many connections are open for this session or account; close one and try again.' },

  'device.not_found': { status: 404, message: 'No such device on this account.' },
  'device.not_linked': {
    status: 403,
    message: 'This device is not linked to your account yet: run `haven devices link` on one of your other devices and enter the code here.',
  },
  'device.key_mismatch': { status: 409, message: 'That account key is not the one your account uses; link this device from one of your other devices.' },
  'device.link_not_found': { status: 404, message: 'No such device link, or it has expired; start linking again.' },
  'device.link_state': { status: 409, message: 'This device link is not at that step (already answered, or not requested yet).' },
  'device.link_failed': { status: 400, message: 'The link code does not match: the code was mistyped, or someone tampered with the link. Start again.' },
  'device.current': { status: 400, message: 'To remove the device you are using, log out instead.' },

  'contact.self': { status: 400, message: 'You cannot add yourself as a contact.' },
  'contact.not_found': { status: 404, message: 'There is no contact request from that account.' },
  'contact.already': { status: 409, message: 'You are already contacts, or a request is pending.' },

  'conversation.not_found': { status: 404, message: 'No such conversation.' },
  'conversation.already_member': { status: 409, message: 'That account is already a member.' },
  'conversation.not_group': { status: 400, message: 'Members can only be added to or removed from a group.' },
  'conversation.too_many_members': { status: 422, message: 'The group has reached its member limit.' },

  'message.too_large': { status: 413, message: 'The message is larger than this server accepts.' },
  'message.not_found': { status: 404, message: 'No such message.' },

  'policy.adult_to_child': {
    status: 403,
    message: 'Adults cannot contact an account of someone under 18 unless that person added them first.',
  },
  'policy.not_contact': { status: 403, message: 'You can only start a conversation with your contacts.' },
  'policy.mode_change': {
    status: 409,
    message: 'This change would change how the conversation is protected; start a new conversation instead.',
  },
  'policy.blocked': { status: 403, message: 'You cannot contact this account.' },
  'policy.media_restricted': {
    status: 403,
    message: 'Sending media is paused on your account while a safety review is under way.',
  },

  'mls.stale_epoch': { status: 409, message: 'Another change to this group came first; process it and try again.' },
  'mls.bad_key_package': { status: 400, message: 'The key package is not valid.' },
  'mls.suite_not_allowed': { status: 400, message: 'This server does not allow that cipher suite.' },
  'mls.credential_mismatch': { status: 403, message: 'The credential does not belong to this account and device.' },
  'mls.no_key_package': { status: 404, message: 'That device has no key package left; ask it to come online.' },
  'mls.bad_message': { status: 400, message: 'The MLS message is not valid.' },
  'mls.not_member': { status: 403, message: 'That device is not a member of this group.' },

  'media.too_large': { status: 413, message: 'The file is larger than this server accepts.' },
  'media.not_image': { status: 415, message: 'The file is not an image this server can check.' },
  'media.not_found': { status: 404, message: 'No such file.' },
  'media.blocked': { status: 451, message: 'This image was blocked by a safety check.' },
  'media.corrupt': { status: 422, message: 'The file is damaged or was altered; it cannot be opened.' },

  'report.unverified': { status: 422, message: 'The report could not be verified against the message.' },
  'report.not_found': { status: 404, message: 'No such report.' },
  'report.needs_proof': { status: 422, message: 'This message is end-to-end encrypted: report it from a device that read it, so the report carries its proof.' },

  'case.not_found': { status: 404, message: 'No such case.' },
  'case.claimed': { status: 409, message: 'Another moderator holds this case.' },
  'case.not_claimed': { status: 409, message: 'Claim the case before you act on it.' },
  'case.closed': { status: 409, message: 'This case is closed.' },
  'appeal.already': { status: 409, message: 'This decision has been appealed already; each decision can be appealed once.' },
  'appeal.not_found': { status: 404, message: 'No such appeal or decision.' },
  'appeal.same_moderator': { status: 403, message: 'An appeal is decided by a different moderator from the one who made the decision.' },
  'appeal.decided': { status: 409, message: 'This appeal has been decided already.' },
  'evidence.not_found': { status: 404, message: 'No such evidence.' },
  'evidence.purged': { status: 410, message: 'The evidence of this case was deleted at the end of its retention period.' },
  'referral.not_found': { status: 404, message: 'No such referral.' },

  'hashlist.not_found': { status: 404, message: 'No such hash list.' },
  'selfreport.not_found': { status: 404, message: 'No such self-reported image on your account.' },

  'account.unknown_region': {
    status: 422,
    message: 'That region is not one Haven knows: give a police force area of England and Wales (its name or ONS code), Scotland, Northern Ireland or elsewhere.',
  },

  'stats.invalid_period': { status: 400, message: 'The period is not valid: give a month (2026-09), a quarter (2026-Q3), a year (2026) or a range of days that has started.' },
  'stats.not_public': { status: 404, message: 'The transparency statistics of this server are not public.' },

  'server.internal': { status: 500, message: 'Something went wrong on the server; it has been logged.' },
  'server.busy': { status: 503, message: 'The server is busy checking other images; try again in a moment.' },
  'server.unavailable': { status: 503, message: 'The server is not ready yet; try again shortly.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;
export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

/** The one error shape on the wire: `{ "error": { "code": "area.reason", "message": "a sentence" } }`. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
    help: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Builds the wire error body; `message` overrides the registry sentence with a more specific one. */
export function errorBody(code: ErrorCode, message?: string, extra?: { details?: unknown; help?: unknown }): ErrorBody {
  return { error: { code, message: message ?? ERRORS[code].message, ...extra } };
}

/** An error with a registered code, for use inside server and client; never carries secrets. */
export class HavenError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: unknown,
    readonly help?: unknown,
  ) {
    super(message ?? ERRORS[code].message);
    this.name = 'HavenError';
    this.status = ERRORS[code].status;
  }
  toBody(): ErrorBody {
    return errorBody(this.code, this.message, {
      ...(this.details === undefined ? {} : { details: this.details }),
      ...(this.help === undefined ? {} : { help: this.help }),
    });
  }
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERRORS, code);
}
