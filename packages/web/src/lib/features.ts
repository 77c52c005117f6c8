// What this server offers beyond messaging, read from its own /openapi.json (generated from the route
// table, so it cannot claim a route it does not mount). Pages for features a server lacks say so plainly.

export interface Features {
  /** Moderator console: the case queue (the moderation routes). */
  moderation: boolean;
  /** Transparency statistics by police force area (the statistics routes). */
  transparency: boolean;
  /** The admin's compliance page. */
  compliance: boolean;
  /** Linking a new device from one already signed in. */
  deviceLinking: boolean;
  /** Reporting messages of conversations visible to safety checks, and accounts. */
  visibleReports: boolean;
}

export const NO_FEATURES: Features = { moderation: false, transparency: false, compliance: false, deviceLinking: false, visibleReports: false };

/** Features from the server's route table; none when it cannot be read. */
export async function loadFeatures(origin: string): Promise<Features> {
  try {
    const res = await fetch(`${origin}/openapi.json`, { headers: { accept: 'application/json' } });
    if (!res.ok) return NO_FEATURES;
    const doc = (await res.json()) as { paths?: Record<string, unknown> };
    return featuresFromPaths(Object.keys(doc.paths ?? {}));
  } catch {
    return NO_FEATURES;
  }
}

export function featuresFromPaths(paths: string[]): Features {
  const has = (re: RegExp) => paths.some((p) => re.test(p));
  return {
    moderation: has(/^\/v1\/mod\/cases$/),
    transparency: has(/^\/v1\/(stats|transparency)/),
    compliance: has(/^\/v1\/admin\/compliance/),
    deviceLinking: has(/^\/v1\/devices\/link/),
    visibleReports: has(/^\/v1\/reports\/(messages|accounts|visible)/),
  };
}
