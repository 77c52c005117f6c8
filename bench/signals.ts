// `npm run bench -- signals [--tune]`: text signals on the project's labelled synthetic corpus
// (packages/safety/src/text/corpus.ts). The model is fitted on `train`; `--tune` sets per-stage
// thresholds on `tune` (ordinary chats: no stage may fire) and rewrites
// packages/safety/src/text/thresholds.ts; the report is always on the held-out `test` split, which
// neither fitting nor tuning ever sees. Writes bench/results/signals.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEXT_STAGES, riskScore, type TextStage } from '../packages/safety/src/index';
import { patternBayesClassifier, stageScore, trainedModel } from '../packages/safety/src/text/classifier';
import { corpus, type CorpusConversation } from '../packages/safety/src/text/corpus';
import { EN_PATTERNS } from '../packages/safety/src/text/patterns';
import { DEFAULT_STAGE_THRESHOLDS } from '../packages/safety/src/text/thresholds';

const here = dirname(fileURLToPath(import.meta.url));
/** A conversation raises an alarm when one sender's distinct stages score this much (K1 weights; K4's notice level). */
const ALARM_SCORE = 30;

interface Counts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}
const prf = (c: Counts) => {
  const precision = c.tp + c.fp === 0 ? 1 : c.tp / (c.tp + c.fp);
  const recall = c.tp + c.fn === 0 ? 1 : c.tp / (c.tp + c.fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { ...c, precision: r(precision), recall: r(recall), f1: r(f1) };
};

/** P(X <= k) for X ~ Binomial(n, p), summed in log space (n up to a few thousand). */
function binomCdf(k: number, n: number, p: number): number {
  if (p <= 0) return 1;
  if (p >= 1) return k >= n ? 1 : 0;
  let logTerm = n * Math.log(1 - p); // P(X = 0)
  let sum = Math.exp(logTerm);
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log((n - i + 1) / i) + Math.log(p / (1 - p));
    sum += Math.exp(logTerm);
  }
  return Math.min(1, sum);
}

/** Exact (Clopper–Pearson) two-sided 95% interval for k successes in n, by bisection. */
export function clopperPearson(k: number, n: number): [number, number] {
  if (n === 0) return [0, 1];
  const solve = (f: (p: number) => number) => {
    let lo = 0;
    let hi = 1;
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (f(mid) > 0) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  };
  // lower: P(X >= k) = 0.025; upper: P(X <= k) = 0.025.
  const lower = k === 0 ? 0 : solve((p) => 0.025 - (1 - binomCdf(k - 1, n, p)));
  const upper = k === n ? 1 : solve((p) => binomCdf(k, n, p) - 0.025);
  const r = (x: number) => Math.round(x * 10000) / 10000;
  return [r(lower), r(upper)];
}

/** Stages found per sender in one conversation, with the classifier as configured. */
function predict(c: CorpusConversation, thresholds: Record<TextStage, number>) {
  const classifier = patternBayesClassifier({ thresholds });
  const senders = { suspect: 'suspect', other: 'other' } as const;
  const a = classifier.classify(c.messages.map((m, i) => ({ id: `${c.id}/${i}`, senderId: senders[m.from], text: m.text })));
  const bySender = new Map<string, Set<TextStage>>();
  for (const h of a.hits) bySender.set(h.senderId, (bySender.get(h.senderId) ?? new Set<TextStage>()).add(h.stage));
  const stages = new Set([...bySender.values()].flatMap((s) => [...s]));
  const alarm = [...bySender.values()].some((s) => riskScore([...s].map((code) => ({ code, explanation: '', evidence: [] }))).score >= ALARM_SCORE);
  return { stages, alarm, assessed: a.assessed };
}

/** K4 threshold per stage: just above the highest score any message of an ordinary `tune` chat reaches. */
function tune(): Record<TextStage, number> {
  const model = trainedModel();
  const ordinary = corpus().filter((c) => c.split === 'tune' && c.kind === 'ordinary');
  const out = { ...DEFAULT_STAGE_THRESHOLDS };
  for (const stage of TEXT_STAGES) {
    let max = -Infinity;
    for (const c of ordinary) for (const m of c.messages) max = Math.max(max, stageScore(model, EN_PATTERNS, stage, m.text, 0.5).score);
    // Never below 2: one weak pattern alone must not be enough.
    out[stage] = Math.max(2, Math.round((max + 0.25) * 100) / 100);
  }
  return out;
}

function evaluate(split: 'tune' | 'test', thresholds: Record<TextStage, number>) {
  const convs = corpus().filter((c) => c.split === split);
  const perStage = Object.fromEntries(TEXT_STAGES.map((s) => [s, { tp: 0, fp: 0, fn: 0, tn: 0 }])) as Record<TextStage, Counts>;
  const overall: Counts = { tp: 0, fp: 0, fn: 0, tn: 0 };
  const byKind: Record<string, { n: number; alarms: number }> = {};
  const falseAlarms: { id: string; topic: string; stages: string[] }[] = [];
  let notAssessed = 0;
  const t0 = performance.now();
  let messages = 0;
  for (const c of convs) {
    const p = predict(c, thresholds);
    messages += c.messages.length;
    if (!p.assessed) notAssessed++;
    for (const s of TEXT_STAGES) {
      const truth = c.stages.includes(s);
      const got = p.stages.has(s);
      perStage[s][truth ? (got ? 'tp' : 'fn') : got ? 'fp' : 'tn']++;
    }
    const positive = c.kind !== 'ordinary';
    overall[positive ? (p.alarm ? 'tp' : 'fn') : p.alarm ? 'fp' : 'tn']++;
    const k = (byKind[c.kind] ??= { n: 0, alarms: 0 });
    k.n++;
    if (p.alarm) k.alarms++;
    if (!positive && (p.alarm || p.stages.size > 0)) falseAlarms.push({ id: c.id, topic: c.topic, stages: [...p.stages] });
  }
  const ms = performance.now() - t0;
  const ordinary = byKind.ordinary ?? { n: 0, alarms: 0 };
  return {
    split,
    conversations: convs.length,
    byKind,
    notAssessed,
    perStage: Object.fromEntries(TEXT_STAGES.map((s) => [s, prf(perStage[s])])) as Record<TextStage, ReturnType<typeof prf>>,
    overall: prf(overall),
    ordinaryFalseAlarmRate: ordinary.n ? Math.round((ordinary.alarms / ordinary.n) * 10000) / 10000 : 0,
    /** Exact 95% interval of the ordinary false-alarm rate and of the alarm recall (grooming and sextortion together). */
    ordinaryFalseAlarmRate95: clopperPearson(ordinary.alarms, ordinary.n),
    alarmRecall95: clopperPearson(overall.tp, overall.tp + overall.fn),
    ordinaryWithAnyStage: falseAlarms.length,
    falseAlarms: falseAlarms.slice(0, 20),
    msPerMessage: Math.round((ms / Math.max(1, messages)) * 1000) / 1000,
  };
}

export async function main(args: string[]): Promise<void> {
  let thresholds = { ...DEFAULT_STAGE_THRESHOLDS };
  if (args.includes('--tune')) {
    thresholds = tune();
    const body = TEXT_STAGES.map((s) => `  '${s}': ${thresholds[s]},`).join('\n');
    const file = join(here, '..', 'packages', 'safety', 'src', 'text', 'thresholds.ts');
    writeFileSync(
      file,
      `import type { TextStage } from '../text-stages';

// Per-stage score thresholds of the pattern+Bayes classifier, set by \`npm run bench -- signals --tune\`
// on the corpus's \`tune\` split (never the held-out \`test\` split) so that ordinary chats raise under
// 1% false alarms. Regenerate after changing patterns, the corpus or the model.

export const DEFAULT_STAGE_THRESHOLDS: Record<TextStage, number> = {
${body}
};
`,
    );
    process.stdout.write(`thresholds written to ${file}\n`);
  }
  const all = corpus();
  const result = {
    corpus: {
      conversations: all.length,
      messages: all.reduce((n, c) => n + c.messages.length, 0),
      bySplit: Object.fromEntries(['train', 'tune', 'test'].map((s) => [s, all.filter((c) => c.split === s).length])),
      byKind: Object.fromEntries(['grooming', 'sextortion', 'ordinary'].map((k) => [k, all.filter((c) => c.kind === k).length])),
    },
    classifier: 'patterns+bayes/en (naive Bayes fitted on train; thresholds from tune)',
    alarmScore: ALARM_SCORE,
    thresholds,
    tune: evaluate('tune', thresholds),
    test: evaluate('test', thresholds),
  };
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'signals.json'), `${JSON.stringify(result, null, 2)}\n`);
  const t = result.test;
  process.stdout.write(
    `held-out test: ${t.conversations} conversations; overall P ${t.overall.precision} R ${t.overall.recall} F1 ${t.overall.f1}; ordinary false alarms ${(t.ordinaryFalseAlarmRate * 100).toFixed(2)}% (${t.byKind.ordinary?.alarms ?? 0}/${t.byKind.ordinary?.n ?? 0}, 95% ${t.ordinaryFalseAlarmRate95.map((x) => `${(x * 100).toFixed(2)}%`).join('–')}); recall 95% ${t.alarmRecall95.join('–')}\n` +
      TEXT_STAGES.map((s) => `  ${s}: P ${t.perStage[s].precision} R ${t.perStage[s].recall} F1 ${t.perStage[s].f1}`).join('\n') +
      '\n',
  );
}
