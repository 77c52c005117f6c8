// A small multinomial naive Bayes, one-vs-rest per label, over word unigrams and bigrams (T10). It is
// trained in memory from the project's own corpus (milliseconds), so nothing is downloaded and every
// weight can be printed and read.

/** Lower-cased word tokens (letters, digits, apostrophes folded away) and adjacent bigrams. */
export function features(text: string): string[] {
  const words = text
    .toLowerCase()
    .replace(/[’']/g, '')
    .split(/[^\p{L}\p{N}£$]+/u)
    .filter((w) => w.length > 0);
  const out = [...words];
  for (let i = 1; i < words.length; i++) out.push(`${words[i - 1]} ${words[i]}`);
  return out;
}

export interface BayesModel {
  labels: string[];
  /** Per label: log P(feature | label) and log P(feature | not label), and the prior log-odds. */
  perLabel: Record<string, { prior: number; pos: Map<string, number>; neg: Map<string, number>; posUnseen: number; negUnseen: number }>;
}

/** Fits one binary model per label from `(text, labels)` examples, with add-one smoothing. */
export function trainBayes(examples: readonly { text: string; labels: readonly string[] }[], labels: readonly string[]): BayesModel {
  const feats = examples.map((e) => ({ f: features(e.text), labels: new Set(e.labels) }));
  const vocab = new Set(feats.flatMap((x) => x.f));
  const V = vocab.size || 1;
  const perLabel: BayesModel['perLabel'] = {};
  for (const label of labels) {
    const pos = new Map<string, number>();
    const neg = new Map<string, number>();
    let nPos = 0;
    let tPos = 0;
    let tNeg = 0;
    for (const x of feats) {
      const target = x.labels.has(label) ? pos : neg;
      if (x.labels.has(label)) nPos++;
      for (const f of x.f) target.set(f, (target.get(f) ?? 0) + 1);
      if (x.labels.has(label)) tPos += x.f.length;
      else tNeg += x.f.length;
    }
    const nNeg = feats.length - nPos;
    const logp = (m: Map<string, number>, total: number) => new Map([...m].map(([f, c]) => [f, Math.log((c + 1) / (total + V))]));
    perLabel[label] = {
      prior: Math.log((nPos + 1) / (nNeg + 1)),
      pos: logp(pos, tPos),
      neg: logp(neg, tNeg),
      posUnseen: Math.log(1 / (tPos + V)),
      negUnseen: Math.log(1 / (tNeg + V)),
    };
  }
  return { labels: [...labels], perLabel };
}

/**
 * Log-odds that `text` has `label`, and the features that pushed it most towards the label (for the
 * explanation). Features never seen in training are ignored.
 */
export function bayesLogOdds(model: BayesModel, label: string, text: string): { logOdds: number; top: string[] } {
  const m = model.perLabel[label];
  if (!m) return { logOdds: -Infinity, top: [] };
  let logOdds = m.prior;
  const contrib: [string, number][] = [];
  for (const f of features(text)) {
    const p = m.pos.get(f);
    const n = m.neg.get(f);
    if (p === undefined && n === undefined) continue;
    const c = (p ?? m.posUnseen) - (n ?? m.negUnseen);
    logOdds += c;
    contrib.push([f, c]);
  }
  contrib.sort((a, b) => b[1] - a[1]);
  return { logOdds, top: contrib.filter(([, c]) => c > 0).slice(0, 3).map(([f]) => f) };
}
