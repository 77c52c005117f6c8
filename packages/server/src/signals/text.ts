import { randomUUID } from 'node:crypto';
import { PAYLOAD_CONTENT_TYPE, decodePayload } from '@haven/protocol';
import { TEXT_STAGE_NAMES, patternBayesClassifier, type TextClassifier } from '@haven/safety';
import { bandOf } from '../policy/participants';
import type { Services } from '../services/context';
import type { ConversationRow } from '../storage/database';
import { findAccountsByIds } from '../storage/repos/accounts';
import { insertSignalHits } from '../storage/repos/signals';
import { assessAccount } from './assess';
import { inBackground } from './record';

// Text signals on the server (T1–T10), for `visible` conversations with a child only (T9): the body of
// an `e2ee` message is ciphertext the server cannot read, and is never passed here. Hits are stored
// with the message id as evidence (never the text: the message itself is the evidence, sealed at rest).

const classifiers = new WeakMap<Services, TextClassifier>();

/** Replaces the text classifier of one server (another language, another model). */
export function setTextClassifier(s: Services, classifier: TextClassifier): void {
  classifiers.set(s, classifier);
}

function classifierOf(s: Services): TextClassifier {
  let c = classifiers.get(s);
  if (!c) classifiers.set(s, (c = patternBayesClassifier()));
  return c;
}

/** Classifies one stored message of a `visible` conversation in the background; a no-op in any other mode. */
export function signalText(s: Services, conversation: Pick<ConversationRow, 'id' | 'mode'>, senderId: string, messageId: string, contentType: string, body: Uint8Array, memberIds: readonly string[]): void {
  // T9: never for e2ee (and never for anything but Haven's own payload).
  if (conversation.mode !== 'visible' || contentType !== PAYLOAD_CONTENT_TYPE) return;
  const text = decodePayload(body)?.text;
  if (!text) return;
  const at = s.now();
  inBackground(s, 'classify a message', async () => {
    const accounts = await findAccountsByIds(s.db, [...memberIds]);
    const children = accounts.filter((a) => a.id !== senderId && bandOf(s.policy, a.birth_date, at) === 'child').map((a) => a.id);
    if (children.length === 0) return;
    const result = classifierOf(s).classify([{ id: messageId, senderId, text }]);
    if (result.hits.length === 0) return;
    await insertSignalHits(
      s.db,
      result.hits.map((h) => ({
        id: randomUUID(),
        account_id: senderId,
        code: h.stage,
        explanation: `A message in a conversation with a child looked like ${TEXT_STAGE_NAMES[h.stage]} (score ${h.score}: ${h.reasons.join('; ')}).`,
        related: JSON.stringify(children),
        evidence: JSON.stringify([messageId]),
        conversation_id: conversation.id,
        at,
        dedupe_key: `${senderId}|${h.stage}|${messageId}`,
        created_at: at,
      })),
    );
    await assessAccount(s, senderId);
  });
}
