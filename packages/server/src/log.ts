import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from './config/schema';

/**
 * The server's logger. Bodies, passwords and tokens are never passed to it; as a second line of defence
 * the paths where they could appear are redacted.
 */
export function createLogger(level: Config['log']['level'], destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'body', 'password', 'token', '*.password', '*.token', '*.body'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
