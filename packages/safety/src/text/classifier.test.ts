import { describe, expect, it } from 'vitest';
import { TEXT_STAGES, type TextStage } from '../text-stages';
import { detectLanguage, patternBayesClassifier } from './classifier';
import { corpus } from './corpus';

const stagesOf = (text: string) => patternBayesClassifier().classify([{ id: 'm', senderId: 's', text }]).hits.map((h) => h.stage);

describe('T1–T8: each stage, in lines written here (not taken from the corpus)', () => {
  const cases: [TextStage, string][] = [
    ['text.age_location', 'so how old are u anyway, and where do you live?'],
    ['text.flattery_gifts', "honestly you're so mature for your age, I'll buy you anything you want"],
    ['text.secrecy', "this is our little secret ok, don't tell your mum"],
    ['text.isolation', "your parents don't understand you, only I really care about you"],
    ['text.move_platform', "let's chat on telegram, it's more private"],
    ['text.image_request', 'send me a pic without your top, just for me'],
    ['text.meeting', "I'll pick you up after school, come alone"],
    ['text.threats', "pay me £300 or I'll send your pics to everyone at your school"],
  ];
  for (const [stage, text] of cases) it(`${stage.replace('text.', 'T: ')}: “${text}”`, () => expect(stagesOf(text)).toContain(stage));

  it('T10: every hit says why: the patterns and the model words', () => {
    const [hit] = patternBayesClassifier().classify([{ id: 'm1', senderId: 'a', text: "this is our little secret ok, don't tell your mum" }]).hits;
    expect(hit).toMatchObject({ stage: 'text.secrecy', messageId: 'm1', senderId: 'a' });
    expect(hit!.reasons.join(' ')).toMatch(/pattern “keep secret”/);
  });
});

describe('T10: ordinary chats of teenagers and families do not trigger', () => {
  for (const text of [
    'did you do the maths homework? what page was it',
    'training is at 6, bring your kit',
    'you on minecraft tonight? join my party',
    'where are you? text me when you get to the bus stop, love you',
    'that goal was amazing, we won 3-1',
    'my mum can drive us to the cinema on saturday',
  ])
    it(`“${text}”`, () => expect(stagesOf(text)).toEqual([]));
});

describe('T10: the corpus and language', () => {
  it('T10: at least 300 labelled conversations, ordinary ones included, with a held-out split', () => {
    const c = corpus();
    expect(c.length).toBeGreaterThanOrEqual(300);
    expect(c.filter((x) => x.kind === 'ordinary').length).toBeGreaterThanOrEqual(150);
    expect(c.filter((x) => x.split === 'test').length).toBeGreaterThanOrEqual(100);
    // Same corpus every time (seeded), every stage present in the suspects' lines.
    expect(JSON.stringify(corpus())).toBe(JSON.stringify(c));
    for (const s of TEXT_STAGES) expect(c.some((x) => x.stages.includes(s))).toBe(true);
    expect(c.filter((x) => x.kind === 'ordinary').every((x) => x.stages.length === 0)).toBe(true);
  });
  it('T10: another language is detected and not assessed (no model yet): nothing concluded either way', () => {
    const fr = patternBayesClassifier().classify([{ id: 'm', senderId: 's', text: "Envoie-moi une photo de toi ce soir, c'est notre secret à nous deux, et surtout ne dis rien à tes parents ni à tes copines de classe." }]);
    expect(fr).toEqual({ language: 'fra', assessed: false, hits: [] });
    expect(detectLanguage(['hi'])).toBe('und');
    expect(detectLanguage(['hey are you coming to practice tomorrow after school with the others? coach said we need to be there early'])).toBe('eng');
    // Short text is too little to tell: read with the English model rather than left unassessed.
    expect(detectLanguage(["let's chat on telegram, it's more private"])).toBe('und');
  });
  it('T10: empty and huge conversations', () => {
    expect(patternBayesClassifier().classify([])).toEqual({ language: 'und', assessed: true, hits: [] });
    expect(patternBayesClassifier().classify([{ id: 'e', senderId: 's', text: '' }]).hits).toEqual([]);
    const big = Array.from({ length: 2000 }, (_, i) => ({ id: `m${i}`, senderId: 's', text: i === 1999 ? "pay £200 or I'll post these online" : 'what did you get for number 3' }));
    const t0 = performance.now();
    const r = patternBayesClassifier().classify(big);
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(r.hits.map((h) => `${h.messageId}:${h.stage}`)).toEqual(['m1999:text.threats']);
    // One enormous message is read up to its first 2000 characters, without error.
    expect(() => patternBayesClassifier().classify([{ id: 'x', senderId: 's', text: 'a'.repeat(1_000_000) }])).not.toThrow();
  });
});
