import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './unavailable';

// What node-postgres throws when PostgreSQL restarts or cannot be reached (codes from the PostgreSQL
// manual's appendix A, messages from pg's client), against errors that are the request's or a bug.
describe('isDatabaseUnavailable', () => {
  it('a restart, a lost connection or a refused connect is an outage', () => {
    const cases = [
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
      Object.assign(new Error('connection failure'), { code: '08006' }),
      Object.assign(new Error('sorry, too many clients already'), { code: '53300' }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      new Error('Connection terminated unexpectedly'),
      new Error('Client has encountered a connection error and is not queryable'),
      new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })], 'connect failed'),
      new Error('wrapped', { cause: new Error('Connection terminated') }),
    ];
    for (const e of cases) expect(isDatabaseUnavailable(e), e.message).toBe(true);
  });

  it('a constraint, a syntax error or a plain bug is not', () => {
    const cases = [
      Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }),
      Object.assign(new Error('syntax error'), { code: '42601' }),
      Object.assign(new Error('deadlock detected'), { code: '40P01' }),
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      'Connection terminated',
      undefined,
    ];
    for (const e of cases) expect(isDatabaseUnavailable(e), String(e)).toBe(false);
  });
});
