import type { ErrorCode } from './errors';
import type { ConversationMode } from './http';
import { MLS_CONTENT_TYPES } from './mls';
import { PAYLOAD_CONTENT_TYPE } from './payload';
import { assertNever, err, ok, type Result } from './result';
import { z } from 'zod';
import { ConversationId, MessageId } from './ids';

/**
 * What the server serves in place of a message a moderator removed (issue 9, 3), in either mode: this
 * content type with an empty body (no franking tag). Clients show {@link REMOVED_TEXT} and never try to
 * decode or MLS-decrypt it; the stored copy (payload or ciphertext) stays on the server as evidence.
 * Only the server makes it: a client may never send it (see {@link messageContentTypeAllowed}).
 */
export const REMOVED_CONTENT_TYPE = 'application/haven-removed';

/** What every client shows for a removed message. */
export const REMOVED_TEXT = 'This message was removed by a moderator.';

/**
 * The live event (`{ type: 'event', event: 'message.removed', data }`) sent to every member of a
 * conversation when a moderator removes messages from it: honest clients drop their decrypted copies.
 */
export const MESSAGE_REMOVED_EVENT = 'message.removed';
export const MessageRemovedData = z.object({ conversationId: ConversationId, messageIds: z.array(MessageId).min(1).max(1000) });
export type MessageRemovedData = z.infer<typeof MessageRemovedData>;

/**
 * The content types a message body may have, by the conversation's stored mode: the one rule the
 * server's send path and every client's codec use (issue 13, 1).
 * - `visible`: the Haven payload only (text, and attachments by reference to uploads the server
 *   inspected before keeping them). Nothing else, so no image, file or other media can ride in a body
 *   around the upload check.
 * - `e2ee`: MLS application messages only (commits and welcomes have their own route).
 */
export const MESSAGE_CONTENT_TYPES = {
  visible: [PAYLOAD_CONTENT_TYPE],
  e2ee: [MLS_CONTENT_TYPES.message],
} as const satisfies Record<ConversationMode, readonly string[]>;

export interface ContentTypeRefusal {
  code: Extract<ErrorCode, 'request.unsupported_media_type' | 'request.invalid'>;
  message: string;
}

/**
 * Whether a message with `contentType` may be sent in a conversation of `mode`; the refusal says what
 * to do instead.
 *
 * @example
 * messageContentTypeAllowed('visible', 'image/png').ok // false: send images as attachments
 */
export function messageContentTypeAllowed(mode: ConversationMode, contentType: string, conversationId = ':id'): Result<true, ContentTypeRefusal> {
  if ((MESSAGE_CONTENT_TYPES[mode] as readonly string[]).includes(contentType)) return ok(true);
  // Only the server marks a message removed (a moderator's decision); a sender cannot forge one.
  if (contentType === REMOVED_CONTENT_TYPE) return err({ code: 'request.unsupported_media_type', message: 'Only a moderator can remove a message.' });
  switch (mode) {
    case 'visible':
      if (Object.values<string>(MLS_CONTENT_TYPES).includes(contentType))
        return err({ code: 'request.unsupported_media_type', message: 'MLS messages belong in end-to-end encrypted conversations only.' });
      return err({
        code: 'request.unsupported_media_type',
        message: `This conversation is visible to safety checks: messages are ${PAYLOAD_CONTENT_TYPE}, and images and files go as attachments (uploaded to POST /v1/media first, where they are checked).`,
      });
    case 'e2ee':
      if (contentType === MLS_CONTENT_TYPES.commit || contentType === MLS_CONTENT_TYPES.welcome)
        return err({ code: 'request.invalid', message: `Send commits and welcomes to POST /v1/conversations/${conversationId}/mls/commits.` });
      return err({ code: 'request.unsupported_media_type', message: `This conversation is end-to-end encrypted: only ${MLS_CONTENT_TYPES.message} bodies are accepted.` });
    default:
      return assertNever(mode, 'conversation mode');
  }
}
