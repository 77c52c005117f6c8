import { z } from 'zod';

// Transparency statistics, the regulator's view and the account's own region (issue 10).

/** `2026-09`, `2026-Q3`, `2026` or `2026-07-01..2026-09-30`; checked further by @haven/safety's parsePeriod. */
export const PeriodText = z.string().min(4).max(32);
export const StatsQuery = z
  .object({
    period: PeriodText.optional(),
    by: z.enum(['force', 'surface', 'method']).default('force'),
    format: z.enum(['json', 'csv', 'svg']).default('json'),
    /** An admin asking for the public view (suppressed as the public sees it). */
    view: z.enum(['admin', 'public']).optional(),
  })
  .strict();
export type StatsQuery = z.input<typeof StatsQuery>;

const Count = z.union([z.number().int().nonnegative(), z.string()]);
export const StatRowWire = z.object({
  key: z.string(),
  name: z.string(),
  incidents: Count,
  breakdown: z.record(z.string(), Count),
  referrals: Count,
  contentActioned: Count,
  proactive: Count,
  proactivePercent: z.number().nullable(),
  appealed: Count,
  restored: Count,
});
const SharesWire = z.object({
  recorded: Count,
  notRecorded: Count,
  shares: z.array(z.object({ key: z.string(), name: z.string(), count: Count, percent: z.number().nullable() })),
  sentence: z.string(),
});
export const StatisticsReportWire = z.object({
  period: z.object({ label: z.string(), start: z.string(), end: z.string(), partial: z.boolean() }),
  computedAt: z.string(),
  suppression: z.object({ below: z.number().int(), rule: z.string() }),
  by: z.enum(['force', 'surface', 'method']),
  columns: z.array(z.object({ key: z.string(), name: z.string() })),
  rows: z.array(StatRowWire),
  total: StatRowWire,
  shares: z.object({ method: SharesWire, surface: SharesWire }),
});
export type StatisticsReportWire = z.infer<typeof StatisticsReportWire>;

export const ComplianceQuery = z.object({ period: PeriodText.optional(), format: z.enum(['json', 'md']).default('json') }).strict();
export type ComplianceQuery = z.input<typeof ComplianceQuery>;
export const ComplianceReportWire = z.object({
  period: z.object({ label: z.string(), start: z.string(), end: z.string() }),
  computedAt: z.string(),
  preset: z.string(),
  measures: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      status: z.enum(['on', 'partial', 'off', 'not-built']),
      configKey: z.string(),
      why: z.string(),
      evidence: z.record(z.string(), z.unknown()),
    }),
  ),
});
export type ComplianceReportWire = z.infer<typeof ComplianceReportWire>;

/** Changes to your own account. `region: null` removes it. */
export const UpdateMeRequest = z.object({ region: z.string().min(2).max(64).nullable() }).strict();
export type UpdateMeRequest = z.infer<typeof UpdateMeRequest>;

export const STATS_ROUTES = {
  stats: {
    method: 'GET',
    path: '/v1/stats',
    summary: 'Transparency statistics by police force area, surface or detection method (admins; the public when the operator turns transparency.public on). format=csv|svg answer text.',
    auth: 'none',
    query: StatsQuery,
    status: 200,
    response: StatisticsReportWire,
  },
  adminCompliance: {
    method: 'GET',
    path: '/v1/admin/compliance',
    summary: "Admin: the Ofcom Illegal Content Codes measures this deployment addresses, on or off, with evidence from live data. format=md answers Markdown.",
    auth: 'admin',
    query: ComplianceQuery,
    status: 200,
    response: ComplianceReportWire,
  },
} as const;
