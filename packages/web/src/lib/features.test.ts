import { describe, expect, it } from 'vitest';
import { featuresFromPaths, NO_FEATURES } from './features';

describe('features from the server route table', () => {
  it('a server with messaging only offers nothing extra', () => {
    expect(featuresFromPaths(['/v1/accounts', '/v1/conversations', '/v1/reports', '/v1/admin/audit'])).toEqual(NO_FEATURES);
  });
  it('the moderation routes turn on the console; the statistics routes the transparency page', () => {
    const f = featuresFromPaths(['/v1/mod/cases', '/v1/mod/cases/{id}', '/v1/stats']);
    expect(f.moderation).toBe(true);
    expect(f.transparency).toBe(true);
    expect(f.deviceLinking).toBe(false);
  });
});
