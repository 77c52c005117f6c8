// `haven hashlist import|ls|enable|disable|rm`: hash lists in the data directory (no server needed).
import { HashListError, HashListStore, LIST_KINDS, progressBar, type ListKind } from '@haven/pdq/node';
import { Option, type Command } from 'commander';
import { EXIT, printJson } from '../output';

/** `--data-dir DIR`, else HAVEN_DATA_DIR, else ./data. */
export function dataDirOption(): Option {
  return new Option('--data-dir <dir>', 'data directory').env('HAVEN_DATA_DIR').default('./data');
}

/** Store errors read as `haven: message (code)`; usage-like ones exit 2. */
export function failList(e: unknown): never {
  if (e instanceof HashListError) {
    process.stderr.write(`haven: ${e.message} (${e.code})\n`);
    process.exit(e.code === 'hashlist.bad_name' ? EXIT.usage : EXIT.failed);
  }
  throw e;
}

export function register(program: Command): void {
  const cmd = program.command('hashlist').description('Manage known-image hash lists (PDQ, MD5, SHA-256) in the data directory');

  cmd
    .command('import')
    .description(
      'Import a list: one hex hash per line, or CSV with the hash first and a label second (or a header naming `hash`/`pdq`/`md5`/`sha256` and `label`). ' +
        'Every line is checked first; if any is bad, nothing is imported and the bad line numbers are printed.',
    )
    .argument('<file>', 'the list file')
    .requiredOption('--name <name>', 'list name (letters, digits, . _ -)')
    .addOption(new Option('--kind <kind>', 'hash kind (default: detected; 64 hex digits are taken as PDQ)').choices(LIST_KINDS))
    .option('--source <source>', 'where the list comes from (default: the file path)')
    .option('--replace', 'replace an existing list of that name')
    .addOption(dataDirOption())
    .action(async (file: string, opts: { name: string; kind?: ListKind; source?: string; replace?: boolean; dataDir: string }) => {
      const store = await HashListStore.open(opts.dataDir);
      const bar = progressBar(`importing ${opts.name}`);
      let result;
      try {
        result = await store.import(file, {
          name: opts.name,
          ...(opts.kind ? { kind: opts.kind } : {}),
          ...(opts.source ? { source: opts.source } : {}),
          replace: opts.replace === true,
          onProgress: (d, t) => bar.update(d, t),
        });
      } catch (e) {
        bar.finish();
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
          process.stderr.write(`haven: ${file}: no such file\n`);
          process.exit(EXIT.failed);
        }
        failList(e);
      }
      bar.finish();
      if (!result.ok) {
        process.stderr.write(`haven: ${file}: ${result.errorCount} bad line(s); nothing was imported\n`);
        for (const e of result.errors) process.stderr.write(`  line ${e.line}: ${e.message}\n`);
        if (result.errorCount > result.errors.length) process.stderr.write(`  … and ${result.errorCount - result.errors.length} more\n`);
        process.exit(EXIT.failed);
      }
      const m = result.manifest;
      process.stdout.write(`imported ${m.count} ${m.kind} hashes as ${m.name}${m.labels.length ? ` (${m.labels.length} labels)` : ''}\n`);
    });

  cmd
    .command('ls')
    .description('List the hash lists: name, kind, count, enabled, created, source')
    .option('--json', 'print JSON')
    .addOption(dataDirOption())
    .action(async (opts: { json?: boolean; dataDir: string }) => {
      const lists = await (await HashListStore.open(opts.dataDir)).list();
      if (opts.json) return printJson(lists.map(({ labels, ...m }) => ({ ...m, labelCount: labels.length })));
      if (lists.length === 0) return void process.stdout.write('no hash lists\n');
      const rows = [['NAME', 'KIND', 'COUNT', 'ENABLED', 'CREATED', 'SOURCE'], ...lists.map((m) => [m.name, m.kind, String(m.count), m.enabled ? 'yes' : 'no', m.createdAt, m.source])];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) process.stdout.write(`${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}\n`);
    });

  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    cmd
      .command(verb)
      .description(`${enabled ? 'Enable' : 'Disable'} a list (the server matches uploads against enabled lists)`)
      .argument('<name>')
      .addOption(dataDirOption())
      .action(async (name: string, opts: { dataDir: string }) => {
        const store = await HashListStore.open(opts.dataDir);
        await store.setEnabled(name, enabled).catch(failList);
        process.stdout.write(`${name} ${enabled ? 'enabled' : 'disabled'}\n`);
      });
  }

  cmd
    .command('rm')
    .description('Delete a list')
    .argument('<name>')
    .addOption(dataDirOption())
    .action(async (name: string, opts: { dataDir: string }) => {
      const store = await HashListStore.open(opts.dataDir);
      await store.remove(name).catch(failList);
      process.stdout.write(`${name} removed\n`);
    });
}
