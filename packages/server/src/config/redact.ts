// Secrets in config never reach a terminal or a log (issue 13, item 17): values are redacted by the key
// they belong to, and URLs keep their host but lose their credentials.

/** Config keys whose values are secrets: never printed (a key and everything under it). */
export const SECRET_KEYS = ['storage.messageKey', 'franking.secrets'] as const;
/** Config keys holding URLs that may carry a user name and password. */
export const URL_KEYS = ['database.url', 'nats.url'] as const;

const under = (key: string, prefix: string): boolean => key === prefix || key.startsWith(`${prefix}.`);

/** `scheme://user:***@host/…` for any URL with credentials; other text is returned as it is. */
export function redactUrl(url: string): string {
  // Not parsed with URL(): a malformed URL must not be echoed either, so the userinfo is cut by pattern.
  return url.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^@/?#\s]*)@/gi, (_m, scheme: string, userinfo: string) => {
    const user = userinfo.split(':')[0] ?? '';
    return `${scheme}${user ? `${user}:` : ''}***@`;
  });
}

/** A config value as it may be shown in an error message, or `undefined` when it must not be shown at all. */
export function printableConfigValue(key: string, value: unknown): unknown {
  if (SECRET_KEYS.some((k) => under(key, k) || under(k, key))) return undefined;
  if (URL_KEYS.some((k) => under(key, k) || under(k, key))) {
    if (typeof value === 'string') return redactUrl(value);
    if (typeof value === 'object' && value !== null) return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' ? redactUrl(v) : v)));
  }
  return value;
}
