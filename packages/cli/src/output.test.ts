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
