import type { Party, RiskSignal, SafetyEvent, SignalThresholds } from './signal-types';

// One function per metadata rule (SPEC.md R1–R12). Each takes the events up to `now`, sorted by time,
// and returns its signals; none reads a clock or a global. Every loop is linear in the events.

const HOUR = 3_600_000;
type Attempt = Extract<SafetyEvent, { type: 'contact_attempt' }>;

const isAdult = (p: Party) => p.band === 'adult';
const isChild = (p: Party) => p.band === 'child';
/** R12: a party whose band is unknown is neither adult nor child, so adult→child rules never guess. */
const adultToChild = (from: Party, to: Party) => isAdult(from) && isChild(to);
const unconnectedAdultToChild = (e: SafetyEvent): e is Attempt => e.type === 'contact_attempt' && !e.connected && adultToChild(e.from, e.to);
const idsOf = (es: readonly { id?: string | undefined; messageId?: string | undefined }[]) =>
  [...new Set(es.flatMap((e) => [e.id, e.messageId].filter((x): x is string => x !== undefined)))];

interface Tally {
  others: Set<string>;
  events: SafetyEvent[];
  /** Time of the event that made `others` reach the threshold (or the last one while below it). */
  at: number;
}

/** Counts distinct `other`s per `account`, remembering when the count reached `threshold`. */
function tally(threshold: number) {
  const by = new Map<string, Tally>();
  return {
    add(account: string, other: string, e: SafetyEvent) {
      const t = by.get(account) ?? { others: new Set<string>(), events: [], at: e.at };
      if (t.others.size < threshold) t.at = e.at;
      t.others.add(other);
      t.events.push(e);
      by.set(account, t);
    },
    reached(): [string, Tally][] {
      return [...by].filter(([, t]) => t.others.size >= threshold);
    },
  };
}

/** R1: distinct unconnected children an adult tried to reach (requests, direct, first messages, refused or not). */
export function adultContactingChildren(events: readonly SafetyEvent[], now: number, t: SignalThresholds): RiskSignal[] {
  const since = now - t.unconnectedChildrenWindowHours * HOUR;
  const c = tally(t.unconnectedChildren);
  for (const e of events) if (e.at >= since && unconnectedAdultToChild(e)) c.add(e.from.id, e.to.id, e);
  return c.reached().map(([id, v]) => ({
    code: 'signal.adult_contacting_children',
    accountId: id,
    explanation: `An adult account tried to contact ${v.others.size} children it was not connected to within ${t.unconnectedChildrenWindowHours} hours (threshold ${t.unconnectedChildren}).`,
    related: [...v.others],
    at: v.at,
    evidence: idsOf(v.events as Attempt[]),
  }));
}

/** R2: distinct accounts that blocked or reported one account inside the window. */
export function repeatedBlocksReports(events: readonly SafetyEvent[], now: number, t: SignalThresholds): RiskSignal[] {
  const since = now - t.blocksReportsWindowHours * HOUR;
  const c = tally(t.blocksReports);
  for (const e of events) if ((e.type === 'block' || e.type === 'report') && e.at >= since && e.by !== e.target) c.add(e.target, e.by, e);
  return c.reached().map(([id, v]) => {
    const blocks = v.events.filter((e) => e.type === 'block').length;
    return {
      code: 'signal.repeated_blocks_reports',
      accountId: id,
      explanation: `${v.others.size} different accounts blocked or reported this account within ${t.blocksReportsWindowHours} hours (${blocks} blocked, ${v.events.length - blocks} reported; threshold ${t.blocksReports}).`,
      related: [...v.others],
      at: v.at,
      evidence: idsOf(v.events),
    };
  });
}

/** R7: distinct children who blocked or reported one account inside the R2 window. */
export function blockedReportedByChildren(events: readonly SafetyEvent[], now: number, t: SignalThresholds): RiskSignal[] {
  const since = now - t.blocksReportsWindowHours * HOUR;
  const c = tally(t.blocksReportsByChildren);
  for (const e of events) {
    if ((e.type === 'block' || e.type === 'report') && e.at >= since && e.by !== e.target && e.byBand === 'child') c.add(e.target, e.by, e);
  }
  return c.reached().map(([id, v]) => ({
    code: 'signal.blocked_reported_by_children',
    accountId: id,
    explanation: `${v.others.size} different children blocked or reported this account within ${t.blocksReportsWindowHours} hours (threshold ${t.blocksReportsByChildren}).`,
    related: [...v.others],
    at: v.at,
    evidence: idsOf(v.events),
  }));
}

/** R3: an adult sends media to a child soon after their first contact of any kind. */
export function fastEscalation(events: readonly SafetyEvent[], t: SignalThresholds): RiskSignal[] {
  const firstContact = new Map<string, SafetyEvent>();
  const pair = (adult: string, child: string) => `${adult}\u0000${child}`;
  const signals: RiskSignal[] = [];
  const flagged = new Set<string>();
  for (const e of events) {
    if (e.type === 'contact_attempt' || e.type === 'contact_accepted') {
      const [x, y] = e.type === 'contact_attempt' ? [e.from, e.to] : [e.requester, e.accepter];
      const adult = isAdult(x) ? x : isAdult(y) ? y : undefined;
      const child = isChild(x) ? x : isChild(y) ? y : undefined;
      if (adult && child && !firstContact.has(pair(adult.id, child.id))) firstContact.set(pair(adult.id, child.id), e);
    } else if (e.type === 'media_sent' && adultToChild(e.from, e.to)) {
      const key = pair(e.from.id, e.to.id);
      const first = firstContact.get(key);
      if (first === undefined || flagged.has(key) || e.at - first.at > t.escalationHours * HOUR) continue;
      flagged.add(key);
      const minutes = Math.round((e.at - first.at) / 60_000);
      signals.push({
        code: 'signal.fast_escalation',
        accountId: e.from.id,
        explanation: `An adult account sent media to a child ${minutes} minutes after their first contact (threshold ${t.escalationHours} hours).`,
        related: [e.to.id],
        at: e.at,
        evidence: idsOf([first, e] as Attempt[]),
      });
    }
  }
  return signals;
}

/**
 * R6: distinct children who turned an adult down: the server refused the attempt, the child declined,
 * or a request stayed unanswered for `ignoredAfterHours`.
 */
export function refusedByChildren(events: readonly SafetyEvent[], now: number, t: SignalThresholds): RiskSignal[] {
  const since = now - t.refusedWindowHours * HOUR;
  const c = tally(t.refusedByChildren);
  const answered = new Set<string>();
  const key = (adult: string, child: string) => `${adult}\u0000${child}`;
  for (const e of events) {
    if (e.type === 'contact_accepted') answered.add(key(e.requester.id, e.accepter.id)).add(key(e.accepter.id, e.requester.id));
    if (e.type === 'contact_declined') answered.add(key(e.requester.id, e.decliner.id));
  }
  for (const e of events) {
    if (e.at < since) continue;
    if (e.type === 'contact_declined' && adultToChild(e.requester, e.decliner)) c.add(e.requester.id, e.decliner.id, e);
    else if (unconnectedAdultToChild(e)) {
      const ignored = e.via === 'contact_request' && !e.refused && e.at + t.ignoredAfterHours * HOUR <= now && !answered.has(key(e.from.id, e.to.id));
      if (e.refused || ignored) c.add(e.from.id, e.to.id, e);
    }
  }
  return c.reached().map(([id, v]) => {
    const refused = v.events.filter((e) => e.type === 'contact_attempt' && e.refused).length;
    const declined = v.events.filter((e) => e.type === 'contact_declined').length;
    return {
      code: 'signal.refused_by_children',
      accountId: id,
      explanation: `${v.others.size} children turned down this adult's attempts to contact them within ${t.refusedWindowHours} hours (${refused} refused by the rules, ${declined} declined, ${v.events.length - refused - declined} ignored for ${t.ignoredAfterHours} hours; threshold ${t.refusedByChildren}).`,
      related: [...v.others],
      at: v.at,
      evidence: idsOf(v.events),
    };
  });
}

/** R8: an account reaching unconnected children within `newAccountHours` of its creation. */
export function newAccountReachingChildren(events: readonly SafetyEvent[], t: SignalThresholds): RiskSignal[] {
  const c = tally(t.newAccountChildren);
  for (const e of events) {
    if (!unconnectedAdultToChild(e) || e.from.createdAt === undefined) continue;
    if (e.at - e.from.createdAt <= t.newAccountHours * HOUR) c.add(e.from.id, e.to.id, e);
  }
  return c.reached().map(([id, v]) => {
    const first = v.events[0] as Attempt;
    const hoursOld = Math.round((first.at - (first.from.createdAt ?? first.at)) / HOUR);
    return {
      code: 'signal.new_account_reaching_children',
      accountId: id,
      explanation: `A new adult account tried to contact ${v.others.size} children it was not connected to, the first ${hoursOld} hours after it was created (threshold ${t.newAccountChildren} children within ${t.newAccountHours} hours).`,
      related: [...v.others],
      at: v.at,
      evidence: idsOf(v.events),
    };
  });
}

/** R9: an adult at least `ageGapYears` older than an unconnected child they try to reach; once per adult. */
export function largeAgeGap(events: readonly SafetyEvent[], t: SignalThresholds): RiskSignal[] {
  const c = tally(1);
  const widest = new Map<string, number>();
  for (const e of events) {
    if (!unconnectedAdultToChild(e) || e.from.age === undefined || e.to.age === undefined) continue;
    const gap = e.from.age - e.to.age;
    if (gap < t.ageGapYears) continue;
    c.add(e.from.id, e.to.id, e);
    widest.set(e.from.id, Math.max(gap, widest.get(e.from.id) ?? 0));
  }
  return c.reached().map(([id, v]) => ({
    code: 'signal.large_age_gap',
    accountId: id,
    explanation: `An adult tried to contact ${v.others.size} unconnected children up to ${widest.get(id)} years younger (threshold ${t.ageGapYears} years).`,
    related: [...v.others],
    at: v.at,
    evidence: idsOf(v.events),
  }));
}

const hourFormats = new Map<string, Intl.DateTimeFormat | null>();
/** The hour of the day (0–23) at `at` in `zone`, through Intl (DST included); undefined for an unknown zone. */
export function localHour(at: number, zone: string): number | undefined {
  let f = hourFormats.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: 'numeric', hourCycle: 'h23' });
    } catch {
      f = null;
    }
    hourFormats.set(zone, f);
  }
  if (f === null) return undefined;
  const hour = f.formatToParts(at).find((p) => p.type === 'hour');
  return hour ? Number(hour.value) % 24 : undefined;
}

/** Whether `hour` falls in the night from `start` to `end` (which may wrap past midnight). */
export function isNight(hour: number, start: number, end: number): boolean {
  return start <= end ? hour >= start && hour < end : hour >= start || hour < end;
}

/** R10: messages (and media, and first messages) from an adult to children at night in each child's own zone. */
export function nightMessages(events: readonly SafetyEvent[], now: number, t: SignalThresholds, fallbackZone: string): RiskSignal[] {
  const since = now - t.nightWindowHours * HOUR;
  const byAdult = new Map<string, { children: Set<string>; events: SafetyEvent[]; at: number }>();
  for (const e of events) {
    if (e.at < since) continue;
    const m = e.type === 'message_sent' || e.type === 'media_sent' || (e.type === 'contact_attempt' && e.via === 'first_message') ? e : undefined;
    if (!m || !adultToChild(m.from, m.to)) continue;
    const hour = localHour(m.at, m.to.timeZone ?? fallbackZone) ?? localHour(m.at, fallbackZone);
    if (hour === undefined || !isNight(hour, t.nightStartHour, t.nightEndHour)) continue;
    const entry = byAdult.get(m.from.id) ?? { children: new Set<string>(), events: [], at: m.at };
    if (entry.events.length < t.nightMessages) entry.at = m.at;
    entry.children.add(m.to.id);
    entry.events.push(m);
    byAdult.set(m.from.id, entry);
  }
  return [...byAdult]
    .filter(([, v]) => v.events.length >= t.nightMessages)
    .map(([id, v]) => ({
      code: 'signal.night_messages',
      accountId: id,
      explanation: `An adult sent ${v.events.length} messages to ${v.children.size} children between ${t.nightStartHour}:00 and ${t.nightEndHour}:00 in the children's local time within ${t.nightWindowHours} hours (threshold ${t.nightMessages}).`,
      related: [...v.children],
      at: v.at,
      evidence: idsOf(v.events as Attempt[]),
    }));
}

/** R11: an adult joining many distinct groups where children are the majority. */
export function manyChildrenGroups(events: readonly SafetyEvent[], now: number, t: SignalThresholds): RiskSignal[] {
  const since = now - t.childrenGroupsWindowHours * HOUR;
  const c = tally(t.childrenGroups);
  for (const e of events) {
    if (e.type !== 'group_join' || e.at < since || !isAdult(e.member)) continue;
    if (e.children * 2 > e.members) c.add(e.member.id, e.conversationId, e);
  }
  return c.reached().map(([id, v]) => ({
    code: 'signal.many_children_groups',
    accountId: id,
    explanation: `An adult joined ${v.others.size} groups where most members are children within ${t.childrenGroupsWindowHours} hours (threshold ${t.childrenGroups}).`,
    related: [...v.others],
    at: v.at,
    evidence: idsOf(v.events),
  }));
}
