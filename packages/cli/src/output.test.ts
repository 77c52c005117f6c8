import { describe, expect, it } from 'vitest';
import { helpLines } from './output';
import { refusePasswordInArgv } from './password';

describe('helpLines', () => {
  it('shows help resources as lines a person can act on', () => {
    expect(helpLines(undefined)).toEqual([]);
    expect(
      helpLines({
        message: 'You can talk to someone.',
        resources: [
          { name: 'Childline', phone: '0800 1111', url: 'https://www.childline.org.uk' },
          { name: 'NSPCC helpline', phone: '0808 800 5000' },
        ],
      }),
    ).toEqual(['You can talk to someone.', 'Help: Childline · 0800 1111 · https://www.childline.org.uk', 'Help: NSPCC helpline · 0808 800 5000']);
    expect(helpLines(['Call 0800 1111'])).toEqual(['Call 0800 1111']);
    expect(helpLines({ odd: 1 })).toEqual(['Help: {"odd":1}']);
  });
});

describe('refusePasswordInArgv', () => {
  it('refuses password flags anywhere before --, and nothing else', () => {
    expect(() => refusePasswordInArgv(['login', '--password', 'x'])).toThrow(/never taken from the command line/);
    expect(() => refusePasswordInArgv(['login', '--password=x'])).toThrow();
    expect(() => refusePasswordInArgv(['login', '--pw=x'])).toThrow();
    expect(() => refusePasswordInArgv(['login', '--password-stdin'])).not.toThrow();
    expect(() => refusePasswordInArgv(['send', '--to', 'bob', '--', '--password'])).not.toThrow();
  });
});

describe('terminalSafe (issue 13, item 16)', () => {
  it('shows escape sequences, controls, bidi and zero-width characters as visible escapes', async () => {
    const { terminalSafe } = await import('./output');
    expect(terminalSafe('hi\u001b]0;pwned\u0007')).toBe('hi\\x1b]0;pwned\\x07');
    expect(terminalSafe('\u001b[2J\u001b[Hfake prompt')).toBe('\\x1b[2J\\x1b[Hfake prompt');
    expect(terminalSafe('a\u009b2Jb')).toBe('a\\x9b2Jb');
    expect(terminalSafe('line\nalice: send me your password')).toBe('line\\nalice: send me your password');
    expect(terminalSafe('abc\u202etxt.exe')).toBe('abc\\u{202e}txt.exe');
    expect(terminalSafe('b\u200bob')).toBe('b\\u{200b}ob');
    expect(terminalSafe('back\rspace\u0008')).toBe('back\\rspace\\x08');
    // Ordinary text, accents, other scripts and emoji (with their joiners) are untouched.
    expect(terminalSafe('Zoë — 李 👩‍👩‍👧 ok')).toBe('Zoë — 李 👩‍👩‍👧 ok');
  });
});
