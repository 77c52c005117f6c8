// `haven stats`, `haven stats validate FILE.csv`, `haven compliance`, `haven region`: transparency
// statistics, the check of a table published by others, the regulator's view, and your own region.
import { readFile, writeFile } from 'node:fs/promises';
import {
  STAT_DIMENSIONS,
  complianceMarkdown,
  parsePeriod,
  statisticsCsv,
  statisticsTable,
  tableValidationText,
  validatePublishedTable,
  type ComplianceReport,
  type StatisticsReport,
} from '@haven/safety';
import { Option, type Command } from 'commander';
import { signedIn, withProfile, type ProfileOptions } from '../context';
import { EXIT, UsageError, printJson, printLine } from '../output';

const STATS_FORMATS = ['table', 'csv', 'json', 'svg'] as const;

interface StatsOptions extends ProfileOptions {
  period?: string;
  by: string;
  format: string;
  public?: boolean;
  out?: string;
}

/** Checks a flag before anything is asked or written (T2): exit 2 naming the flag. */
function periodFlag(period: string | undefined): string | undefined {
  if (period === undefined) return undefined;
  const p = parsePeriod(period, new Date());
  if (!p.ok) throw new UsageError(`--period: ${p.error.message}`);
  return p.value.label;
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag} ${value}: expected one of ${allowed.join(', ')}`);
  return value as T;
}

/** Writes to --out (the whole text, or nothing) or to standard output. */
async function emit(text: string, out: string | undefined): Promise<void> {
  if (out) await writeFile(out, text);
  else process.stdout.write(text);
}

export function register(program: Command): void {
  const stats = withProfile(
    program
      .command('stats')
      .description(
        'Transparency statistics from the server: incidents actioned, referrals, content actioned, proactive rate, appeals and restorations, ' +
          'by police force area, surface or detection method, for a period. Admins see exact counts (--public: the suppressed public view); ' +
          'others only when the server makes them public. Every output names its period, the time it was computed and the suppression rule.',
      )
      .option('--period <period>', 'a month (2026-09), quarter (2026-Q3), year (2026) or range of days (2026-07-01..2026-09-30); default: this quarter')
      .addOption(new Option('--by <dimension>', 'rows by force, surface or method').default('force'))
      .addOption(new Option('--format <format>', 'table, csv, json or svg (a Vega chart rendered by the server)').default('table'))
      .option('--public', 'as an admin, show the public (suppressed) view')
      .option('--out <file>', 'write to a file instead of standard output'),
  ).action(async (opts: StatsOptions) => {
    // Flags first: a bad one exits 2 before any request, and nothing is written.
    const period = periodFlag(opts.period);
    const by = oneOf('--by', opts.by, STAT_DIMENSIONS);
    const format = oneOf('--format', opts.format, STATS_FORMATS);
    const { client } = await signedIn(opts);
    const query = { ...(period ? { period } : {}), by, ...(opts.public ? { view: 'public' as const } : {}) };
    if (format === 'svg') return emit(await client.statsText({ ...query, format: 'svg' }), opts.out);
    const report = (await client.stats(query)) as StatisticsReport;
    switch (format) {
      case 'json':
        return emit(`${JSON.stringify(report, null, 2)}\n`, opts.out);
      case 'csv':
        return emit(statisticsCsv(report), opts.out);
      case 'table':
        return emit(statisticsTable(report), opts.out);
    }
  });

  stats
    .command('validate')
    .description(
      'Check a table of figures by police force published by others (first column the force, a total column, one column per surface or platform; ' +
        '"Not provided" rows; an optional total row). Reports every inconsistency it can prove. Exit 0: none; 1: inconsistencies; 2: the file cannot be read.',
    )
    .argument('<file>', 'the CSV file (UTF-8)')
    .option('--json', 'print the findings as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      let bytes: Uint8Array;
      try {
        bytes = await readFile(file);
      } catch (e) {
        throw new UsageError(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
      }
      const r = validatePublishedTable(bytes);
      if (!r.ok) throw new UsageError(`${file}: ${r.error.message}`);
      if (opts.json) printJson({ file, ...r.value, rows: r.value.rows.length, totalRows: r.value.totalRows.length });
      else process.stdout.write(tableValidationText(r.value));
      process.exitCode = r.value.inconsistent ? EXIT.failed : EXIT.ok;
    });

  withProfile(
    program
      .command('compliance')
      .description(
        "Admin: the regulator's view. For each Ofcom Illegal Content Codes measure Haven addresses (C1, C2, C5, C9, C10, D1–D10, F1, F2, J1): " +
          'on or off in this deployment, the config key, and evidence from live data for the period.',
      )
      .option('--period <period>', 'as for `haven stats`; default: this quarter')
      .addOption(new Option('--format <format>', 'md (Markdown) or json').default('md'))
      .option('--out <file>', 'write to a file instead of standard output'),
  ).action(async (opts: ProfileOptions & { period?: string; format: string; out?: string }) => {
    const period = periodFlag(opts.period);
    const format = oneOf('--format', opts.format, ['md', 'json'] as const);
    const { client } = await signedIn(opts);
    const report = (await client.adminCompliance(period ? { period } : {})) as ComplianceReport;
    return emit(format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : complianceMarkdown(report), opts.out);
  });

  withProfile(
    program
      .command('region')
      .description(
        'Show, set or remove your region: a police force area of England and Wales (its name or ONS code), Scotland, Northern Ireland or elsewhere. ' +
          'It is used for help and for statistics by police force area, and is never shown to other users.',
      )
      .argument('[region]', 'the new region, e.g. "Devon and Cornwall" or E23000035')
      .option('--clear', 'remove your region'),
  ).action(async (region: string | undefined, opts: ProfileOptions & { clear?: boolean }) => {
    if (region !== undefined && opts.clear) throw new UsageError('give a region or --clear, not both');
    const { client } = await signedIn(opts);
    const me = region !== undefined || opts.clear ? await client.updateMe({ region: opts.clear ? null : region! }) : await client.me();
    printLine(me.region ? `Your region: ${me.region}` : 'You have no region set.');
  });
}

