import { randomUUID } from 'node:crypto';
import { liftShields } from '../storage/repos/shields';
import { republishShieldedViews } from '../services/shield-views';
import { HavenError, MESSAGE_REMOVED_EVENT, REPORT_REASON_TEXT, type ActRequest, type MessageRemovedData, type ReportReason } from '@haven/protocol';
import { membersOf } from '../storage/repos/conversations';
import { bandOf } from '../policy/participants';
import { appendAudit } from '../admin/audit';
import { restrictMedia } from '../storage/repos/sanctions';
import { notify } from '../policy/notices';
import type { Caller, Services } from '../services/context';
import type { DecisionsTable } from '../storage/database';
import { findAccountById } from '../storage/repos/accounts';
import { decideAppeal as storeAppealDecision, decisionsAbout, findDecision, insertAppeal, insertDecision, lockAppeal, removeMessages, updateCase } from '../storage/repos/cases';
import { reportsOfCase, settleReports } from '../storage/repos/reports';
import { endSessions, liftMediaRestrictionOf, removeFromEverything, setSuspension, unremoveMessages } from '../storage/repos/sanctions';
import { markIncidentAppealDecided, markIncidentAppealed } from '../stats/service';
import { lockHeldCase, raiseCase } from './cases';
import { recordCaseIncident } from './incidents';
import { inTransaction } from '../storage/transaction';

// Decisions (issue 9, point 3): a moderator who holds a case acts on its subject with a reason from the
// policy list and a note. Every decision is audited with the change it makes, the actioned user is told
// what and why, reporters who asked are told the outcome, and the user can appeal once; a different
// moderator decides the appeal.

const OUTCOME_TEXT = {
  actioned: 'We reviewed what you reported and took action under our rules. Thank you for reporting it.',
  no_violation: 'We reviewed what you reported and found that it did not break our rules. Thank you for reporting it; you can always block the account.',
} as const;

const ACTION_TEXT: Record<DecisionsTable['action'], string> = {
  warn: 'Your account has been warned.',
  remove_content: 'Content you sent was removed.',
  restrict_media: 'Your account can no longer send images or files.',
  suspend: 'Your account is suspended.',
  ban: 'Your account is banned.',
  lift: 'Earlier restrictions on your account were lifted.',
  no_violation: 'No rule was broken.',
};

/** Ends the account's sessions and closes its live connections. */
async function signOut(s: Services, accountId: string, tokenHashes: readonly string[]): Promise<void> {
  for (const tokenHash of tokenHashes) await s.fanout.publish([accountId], { type: 'session_ended', tokenHash });
}

/**
 * Tells every member of each conversation that messages were removed (`message.removed`), so that
 * honest clients drop their copies at once (e2ee ones hold decrypted text the server cannot take back).
 */
async function announceRemoved(s: Services, removed: readonly { id: string; conversationId: string }[]): Promise<void> {
  const byConversation = new Map<string, string[]>();
  for (const m of removed) byConversation.set(m.conversationId, [...(byConversation.get(m.conversationId) ?? []), m.id]);
  if (byConversation.size === 0) return;
  const members = await membersOf(s.db, [...byConversation.keys()]);
  for (const [conversationId, messageIds] of byConversation) {
    const data: MessageRemovedData = { conversationId: conversationId as MessageRemovedData['conversationId'], messageIds: messageIds as MessageRemovedData['messageIds'] };
    await s.fanout.publish(members.get(conversationId) ?? [], { type: 'event', event: MESSAGE_REMOVED_EVENT, data });
  }
}

export async function act(s: Services, caller: Caller, caseId: string, req: ActRequest): Promise<void> {
  if (req.action === 'suspend' && !req.hours) throw new HavenError('request.invalid', 'Say how long the suspension lasts (hours).');
  const now = s.now();
  const done = await inTransaction(s.db, async (tx) => {
    const c = await lockHeldCase(tx, caller, caseId);
    const subject = await findAccountById(tx, c.subject_account_id);
    if (!subject) throw new HavenError('account.not_found');
    const decisionId = randomUUID();
    const until = req.action === 'suspend' ? new Date(now.getTime() + req.hours! * 3_600_000) : null;
    await insertDecision(tx, { id: decisionId, case_id: c.id, subject_account_id: subject.id, moderator_id: caller.accountId, action: req.action, reason: req.reason, note: req.note ?? null, until, created_at: now });
    const effects: Record<string, unknown> = {};
    let tokens: string[] = [];
    let removed: { id: string; conversationId: string }[] = [];
    let unshielded: string[] = [];
    switch (req.action) {
      case 'warn':
        break;
      case 'no_violation':
        // K6: the moderator decided the case: a sextortion shield about the subject ends.
        unshielded = await liftShields(tx, subject.id, caller.accountId, `Moderator decision ${decisionId}: ${req.reason}.`, now);
        effects.sextortionShieldsLifted = unshielded.length;
        break;
      case 'remove_content': {
        const ids = (await reportsOfCase(tx, c.id)).flatMap((r) => (r.message_id ? [r.message_id] : []));
        removed = await removeMessages(tx, ids, decisionId, now);
        effects.removedMessages = removed.map((m) => m.id);
        break;
      }
      case 'restrict_media':
        await restrictMedia(tx, subject.id, null, `Moderator decision ${decisionId}: ${req.reason}.`, now);
        break;
      case 'suspend':
      case 'ban':
        await setSuspension(tx, subject.id, true, until);
        tokens = await endSessions(tx, subject.id);
        effects.sessionsEnded = tokens.length;
        if (req.action === 'ban') effects.leftConversations = (await removeFromEverything(tx, subject.id)).length;
        break;
      case 'lift':
        await setSuspension(tx, subject.id, false, null);
        effects.mediaRestrictionLifted = await liftMediaRestrictionOf(tx, subject.id);
        unshielded = await liftShields(tx, subject.id, caller.accountId, `Moderator decision ${decisionId}: ${req.reason}.`, now);
        effects.sextortionShieldsLifted = unshielded.length;
        break;
    }
    const outcome = req.action === 'no_violation' ? ('no_violation' as const) : ('actioned' as const);
    await updateCase(tx, c.id, { status: outcome === 'no_violation' ? 'closed' : 'actioned', outcome, updated_at: now });
    // A violation (not lifting earlier restrictions) counts in the transparency statistics (T3).
    if (outcome === 'actioned' && req.action !== 'lift') await recordCaseIncident(s, tx, c, now, req.action === 'remove_content' ? (effects.removedMessages as string[]) : null);
    const toTell = await settleReports(tx, c.id, outcome, now);
    await appendAudit(tx, now, {
      actorId: caller.accountId,
      actorHandle: caller.handle,
      action: `case.${req.action}`,
      target: `account:${subject.handle}`,
      reason: req.reason,
      details: { caseId: c.id, decisionId, note: req.note ?? null, until: until?.toISOString() ?? null, effects },
    });
    return { subject, decisionId, until, tokens, toTell, outcome, removed, unshielded };
  });
  await signOut(s, done.subject.id, done.tokens);
  await republishShieldedViews(s, done.subject.id, new Set(done.unshielded));
  await announceRemoved(s, done.removed);
  if (req.action !== 'no_violation') {
    await notify(s, [done.subject.id], 'moderation.decision', {
      decisionId: done.decisionId,
      action: req.action,
      reason: req.reason,
      reasonText: REPORT_REASON_TEXT[req.reason],
      until: done.until?.toISOString() ?? null,
      message: `${ACTION_TEXT[req.action]} Reason: ${REPORT_REASON_TEXT[req.reason]}.${done.until ? ` Until ${done.until.toISOString()}.` : ''} You can appeal this decision once.`,
    });
  }
  for (const r of done.toTell) await notify(s, [r.reporter_account_id], 'report.outcome', { reportId: r.id, outcome: done.outcome, message: OUTCOME_TEXT[done.outcome] });
}

/** Closes a case the caller holds; a case closed without a decision is `no_violation`. */
export async function close(s: Services, caller: Caller, caseId: string, note: string | undefined): Promise<void> {
  const now = s.now();
  const toTell = await inTransaction(s.db, async (tx) => {
    const c = await lockHeldCase(tx, caller, caseId);
    const outcome = c.outcome ?? 'no_violation';
    await updateCase(tx, c.id, { status: 'closed', outcome, updated_at: now });
    const tell = await settleReports(tx, c.id, outcome, now);
    await appendAudit(tx, now, { actorId: caller.accountId, actorHandle: caller.handle, action: 'case.close', target: `case:${c.id}`, reason: note ?? '', details: { outcome } });
    return tell.map((r) => ({ r, outcome }));
  });
  for (const { r, outcome } of toTell) await notify(s, [r.reporter_account_id], 'report.outcome', { reportId: r.id, outcome, message: OUTCOME_TEXT[outcome] });
}

export async function myDecisions(s: Services, caller: Caller) {
  const rows = await decisionsAbout(s.db, caller.accountId);
  return rows.map((d) => ({
    id: d.id,
    action: d.action,
    reason: d.reason as ReportReason,
    reasonText: REPORT_REASON_TEXT[d.reason as ReportReason] ?? d.reason,
    until: d.until?.toISOString() ?? null,
    at: d.created_at.toISOString(),
    appeal: d.appeal_id ? { id: d.appeal_id, status: d.appeal_status! } : null,
  }));
}

/** The actioned user appeals a decision about them, once (the database refuses a second). */
export async function appeal(s: Services, caller: Caller, decisionId: string, text: string) {
  const d = await findDecision(s.db, decisionId);
  if (!d || d.subject_account_id !== caller.accountId || d.action === 'no_violation') throw new HavenError('appeal.not_found');
  const me = await findAccountById(s.db, caller.accountId);
  if (!me) throw new HavenError('auth.invalid_token');
  const now = s.now();
  const id = randomUUID();
  await inTransaction(s.db, async (tx) => {
    if (!(await insertAppeal(tx, { id, decision_id: d.id, account_id: caller.accountId, text, created_at: now }))) throw new HavenError('appeal.already');
    // The appeal joins the account's live case (reopening it), so a moderator sees it in the queue.
    await markIncidentAppealed(tx, d.case_id, now);
    await raiseCase(s, tx, { subjectId: caller.accountId, kind: 'appeal', refId: id, facts: { source: 'appeal', subjectBand: bandOf(s.policy, me.birth_date, now), childInvolved: false }, at: now });
    await appendAudit(tx, now, { actorId: caller.accountId, actorHandle: caller.handle, action: 'appeal.file', target: `decision:${d.id}`, reason: '', details: { appealId: id, caseId: d.case_id } });
  });
  return { id, decisionId: d.id, status: 'pending' as const, createdAt: now.toISOString() };
}

/** A moderator other than the one who decided upholds or overturns; overturning undoes the decision. */
export async function decideAppeal(s: Services, caller: Caller, appealId: string, req: { outcome: 'upheld' | 'overturned'; reason: ReportReason; note?: string | undefined }) {
  const now = s.now();
  const done = await inTransaction(s.db, async (tx) => {
    const a = await lockAppeal(tx, appealId);
    if (!a) throw new HavenError('appeal.not_found');
    if (a.status !== 'pending') throw new HavenError('appeal.decided');
    if (a.moderator_id === caller.accountId) throw new HavenError('appeal.same_moderator');
    const row = await storeAppealDecision(tx, a.id, req.outcome, caller.accountId, now);
    await markIncidentAppealDecided(tx, a.case_id, req.outcome, now);
    const undone: Record<string, unknown> = {};
    if (req.outcome === 'overturned') {
      if (a.action === 'suspend' || a.action === 'ban') await setSuspension(tx, a.subject_account_id, false, null);
      if (a.action === 'restrict_media') undone.mediaRestrictionLifted = await liftMediaRestrictionOf(tx, a.subject_account_id);
      if (a.action === 'remove_content') undone.restoredMessages = await unremoveMessages(tx, a.decision_id);
    }
    await appendAudit(tx, now, {
      actorId: caller.accountId,
      actorHandle: caller.handle,
      action: `appeal.${req.outcome}`,
      target: `decision:${a.decision_id}`,
      reason: req.reason,
      details: { appealId: a.id, caseId: a.case_id, note: req.note ?? null, undone },
    });
    return { row, subject: a.subject_account_id };
  });
  await notify(s, [done.subject], 'moderation.appeal', {
    appealId: done.row.id,
    outcome: req.outcome,
    message: req.outcome === 'overturned' ? 'Your appeal succeeded: the decision was reversed.' : 'Your appeal was reviewed by another moderator, and the decision stands.',
  });
  const by = await findAccountById(s.db, caller.accountId);
  return { id: done.row.id, decisionId: done.row.decision_id, text: done.row.text, status: done.row.status, decidedBy: by?.handle ?? null, at: done.row.created_at.toISOString() };
}
