import { DEFAULT_RULES } from '@haven/safety';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load';
import { serverPolicy } from './config';

// Issue 13 (24): the server used to override the library's `contactsOnly` default. One default now.
describe('serverPolicy', () => {
  it('a server with no safety config runs the library defaults (contactsOnly off), and an operator can still turn it on', () => {
    const policy = serverPolicy(loadConfig({ env: {}, overrides: {} }).safety);
    expect(policy.rules).toEqual(DEFAULT_RULES);
    expect(policy.rules.contactsOnly).toBe(false);
    expect(serverPolicy({ rules: { contactsOnly: true } }).rules.contactsOnly).toBe(true);
  });
});
