import { randomUUID } from 'node:crypto';
import {
  ANY_SIGNAL_CODES,
  childNotice,
  riskScore,
  riskSignals,
  SafetyEventSchema,
  type AnySignalCode,
  type RiskScore,
  type SafetyEvent,
  type ScoredSignal,
} from '@haven/safety';
import { notify } from '../policy/notices';
import { bandOf } from '../policy/participants';
import { helpOf } from '../policy/refusal';
import type { Services } from '../services/context';
import { findAccountsByIds } from '../storage/repos/accounts';
import { claimNotice, insertSignalHits, signalEventsAbout, signalHitsOf, upsertRiskScore } from '../storage/repos/signals';
import { placeShields } from '../storage/repos/shields';
import { republishShieldedViews } from '../services/shield-views';

// Assessing one account (K1, K4, K5): its metadata signals from the stored events, its text hits, the
// score with its explanation (stored), new hits kept for the moderation queue, and notices to the
// children it is in contact with once the score is high enough.

const HOUR = 3_600_000;
/** The longest window any rule looks back (R11: 30 days), with room for R6's ignored requests. */
const LOOKBACK_HOURS = 24 * 90;
/** An upper bound on events read per assessment (the newest are kept). */
const MAX_EVENTS = 20_000;
const TEXT_HIT_DAYS = 30;

const isCode = (c: string): c is AnySignalCode => (ANY_SIGNAL_CODES as readonly string[]).includes(c);

export interface Assessment extends RiskScore {
  accountId: string;
}

/** Recomputes the score of `accountId` now, stores it and acts on it; returns it. */
export async function assessAccount(s: Services, accountId: string): Promise<Assessment> {
  const now = s.now();
  const rows = await signalEventsAbout(s.db, accountId, new Date(now.getTime() - LOOKBACK_HOURS * HOUR), MAX_EVENTS);
  const events: SafetyEvent[] = rows.flatMap((r) => {
    const parsed = SafetyEventSchema.safeParse(JSON.parse(r.data));
    return parsed.success ? [parsed.data] : [];
  });
  const metadata = s.policy.safeguards.metadataSignals
    ? riskSignals(events, now.getTime(), s.policy.signals, { timeZone: s.policy.timeZone }).filter((x) => x.accountId === accountId)
    : [];
  await insertSignalHits(
    s.db,
    metadata.map((m) => ({
      id: randomUUID(),
      account_id: accountId,
      code: m.code,
      explanation: m.explanation,
      related: JSON.stringify(m.related),
      evidence: JSON.stringify(m.evidence),
      conversation_id: null,
      at: new Date(m.at),
      dedupe_key: `${accountId}|${m.code}|${m.at}`,
      created_at: now,
    })),
  );
  const textSince = now.getTime() - TEXT_HIT_DAYS * 24 * HOUR;
  const text = (await signalHitsOf(s.db, accountId)).filter((h) => h.code.startsWith('text.') && h.at.getTime() >= textSince && isCode(h.code));
  const scored: ScoredSignal[] = [
    ...metadata.map((m) => ({ code: m.code, explanation: m.explanation, evidence: m.evidence })),
    ...text.map((h) => ({ code: h.code as AnySignalCode, explanation: h.explanation, evidence: JSON.parse(h.evidence) as string[] })),
  ];
  await shieldChildren(s, accountId, text.filter((h) => h.code === 'text.threats'));
  const score = riskScore(scored, s.policy.risk);
  await upsertRiskScore(s.db, {
    account_id: accountId,
    score: score.score,
    codes: JSON.stringify(score.codes),
    explanation: JSON.stringify(score.explanation),
    evidence: JSON.stringify(score.evidence),
    updated_at: now,
  });
  if (score.score >= s.policy.risk.noticeFromScore) {
    // The children this account is in contact with (not those who blocked or reported it: they acted already).
    const actedAgainst = new Set(events.flatMap((e) => ((e.type === 'block' || e.type === 'report') && e.target === accountId ? [e.by] : [])));
    const inContact = new Set<string>([...events.flatMap((e) => contactOf(e, accountId)), ...text.flatMap((h) => JSON.parse(h.related) as string[])]);
    await noticeChildren(s, accountId, [...inContact].filter((id) => !actedAgainst.has(id)), score.codes);
  }
  return { accountId, ...score };
}

/** The other party of an event in which `accountId` reached out or was accepted. */
function contactOf(e: SafetyEvent, accountId: string): string[] {
  switch (e.type) {
    case 'contact_attempt':
    case 'message_sent':
    case 'media_sent':
      return e.from.id === accountId ? [e.to.id] : [];
    case 'contact_accepted':
      return e.requester.id === accountId ? [e.accepter.id] : e.accepter.id === accountId ? [e.requester.id] : [];
    default:
      return [];
  }
}

/** K4/K5: each child in `candidates` gets the notice for `codes` about `suspectId`, once per kind. */
async function noticeChildren(s: Services, suspectId: string, candidates: string[], codes: AnySignalCode[]): Promise<void> {
  const now = s.now();
  const accounts = await findAccountsByIds(s.db, [...new Set([suspectId, ...candidates])]);
  const suspect = accounts.find((a) => a.id === suspectId);
  if (!suspect) return;
  const notice = childNotice(codes);
  for (const child of accounts) {
    if (child.id === suspectId || bandOf(s.policy, child.birth_date, now) !== 'child') continue;
    if (!(await claimNotice(s.db, child.id, suspectId, notice.kind, now))) continue;
    const event = notice.kind === 'sextortion' ? 'safety.sextortion_notice' : 'safety.notice';
    await notify(s, [child.id], event, { ...notice, about: { handle: suspect.handle }, help: helpOf(s.policy, child, now, 'safety_notice') });
  }
}

/**
 * K6: a threats-and-demands hit (sextortion) about `suspectId` shields the children of its conversation:
 * the suspect no longer sees their contacts (other group members), until a moderator lifts it. Newly
 * shielded, the suspect's open connections get its new view of the conversations it shares with them.
 */
async function shieldChildren(s: Services, suspectId: string, threats: { id: string; at: Date; related: string }[]): Promise<void> {
  if (threats.length === 0) return;
  const newest = new Map<string, { childId: string; hitId: string; threatAt: Date }>();
  for (const h of threats)
    for (const childId of JSON.parse(h.related) as string[]) {
      const prev = newest.get(childId);
      if (childId !== suspectId && (!prev || prev.threatAt < h.at)) newest.set(childId, { childId, hitId: h.id, threatAt: h.at });
    }
  const placed = new Set(await placeShields(s.db, suspectId, [...newest.values()], s.now()));
  await republishShieldedViews(s, suspectId, placed);
}
