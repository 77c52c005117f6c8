import type { Services } from '../services/context';
import { signalRefusedContact } from '../signals/hooks';

/** What an adult tried to do to a child they are not connected to (C9). */
export type RefusedContactAction = 'contact.request' | 'contact.accept' | 'contact.decline' | 'contact.block' | 'contact.unblock' | 'direct.start' | 'group.create' | 'group.add';

export interface RefusedContact {
  action: RefusedContactAction;
  /** The adult who named the child's handle. */
  fromAccountId: string;
  /** The child, whom the adult was told does not exist. */
  toAccountId: string;
  at: Date;
}

/**
 * The one place where an adult's refused attempt to reach a child they are not connected to is
 * recorded (issue 13, 2): the adult was answered as if the handle did not exist, but the attempt still
 * counts for safety signals (an adult contacting many unconnected children). Risk signals hook in here.
 *
 * It runs after the refusal has been decided and off the request's path (not awaited), so whatever it
 * does (a log line today, storage for the signals work) cannot make the answer slower than the one for
 * a missing handle. Failures are logged, never surfaced to the adult.
 */
export function recordRefusedContact(s: Services, attempt: RefusedContact): void {
  setImmediate(() => {
    try {
      s.log.info({ event: 'contact.refused_hidden', action: attempt.action, from: attempt.fromAccountId, to: attempt.toAccountId }, 'an adult named a child they are not connected to');
      // Risk signals (R1, R6, R8, R9): stored and assessed in the background (signals/record.ts).
      signalRefusedContact(s, attempt);
    } catch (err) {
      s.log.warn({ err }, 'could not record a refused contact');
    }
  });
}
