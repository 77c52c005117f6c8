import { createHmac } from 'node:crypto';
import { keyringProblems, type FrankingKeyring } from '@haven/crypto';
import type { Config } from '../config/schema';

/** Key id of the secret derived from the message key (so every node of a cluster shares it). */
export const DEFAULT_FRANKING_KEY_ID = 'default';

/**
 * The server's franking keyring: `default` = HMAC-SHA256(message key, "haven/franking/v1") (the message
 * key is configured or generated into `<dataDir>/message.key`, 0600), plus `franking.secrets` from config.
 * Rotate by adding a secret and making it `franking.currentKeyId`; keep the old ids to verify old tags.
 */
export function frankingKeyring(config: Config, messageKey: Uint8Array): FrankingKeyring {
  const secrets: Record<string, Uint8Array> = {
    [DEFAULT_FRANKING_KEY_ID]: createHmac('sha256', messageKey).update('haven/franking/v1').digest(),
  };
  for (const [id, b64] of Object.entries(config.franking.secrets)) secrets[id] = Buffer.from(b64, 'base64');
  const keyring = { currentKeyId: config.franking.currentKeyId ?? DEFAULT_FRANKING_KEY_ID, secrets };
  const problems = keyringProblems(keyring);
  if (problems.length > 0) throw new Error(`franking keyring: ${problems.join('; ')}`);
  return keyring;
}
