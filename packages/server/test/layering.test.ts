import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../testing/env';

// The server's layering rule: repositories in `storage/repos` are the only code that touches the database.
// Everything else calls repository functions and opens transactions with `inTransaction`
// (storage/transaction.ts). The scan reads the syntax tree, so comments and strings that mention a query
// builder do not count, and a query split over lines is found where its builder is named.

const SERVER_SRC = join(REPO_ROOT, 'packages', 'server', 'src');

/** Kysely's ways into the database: the query builders, transactions, connections and raw queries. */
const DATABASE_METHODS = new Set(['selectFrom', 'selectNoFrom', 'insertInto', 'replaceInto', 'updateTable', 'deleteFrom', 'mergeInto', 'transaction', 'connection', 'executeQuery']);

interface Violation {
  /** Path from the repository root, with `/`. */
  file: string;
  line: number;
  what: string;
}

/** Every place in `text` that reaches the database directly, by line. */
function databaseAccessIn(file: string, text: string): Violation[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Violation[] = [];
  const at = (node: ts.Node, what: string) => out.push({ file, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, what });
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && node.moduleSpecifier.text === 'kysely') {
      // Types are fine (a function may take a `tx` to pass on); a value from Kysely (`sql`, `Kysely`) is not.
      const clause = node.importClause;
      const values = !clause
        ? ['(side effects)']
        : clause.isTypeOnly
          ? []
          : [
              ...(clause.name ? [clause.name.text] : []),
              ...(clause.namedBindings && ts.isNamespaceImport(clause.namedBindings) ? [`* as ${clause.namedBindings.name.text}`] : []),
              ...(clause.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements.filter((e) => !e.isTypeOnly).map((e) => e.name.text) : []),
            ];
      if (values.length > 0) at(node, `imports ${values.join(', ')} from kysely`);
    } else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && DATABASE_METHODS.has(node.expression.name.text)) {
      at(node.expression.name, `.${node.expression.name.text}(…)`);
    } else if (ts.isTaggedTemplateExpression(node) && ts.isIdentifier(node.tag) && node.tag.text === 'sql') {
      at(node, 'sql`…`');
    } else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && ts.isIdentifier(node.expression.expression) && node.expression.expression.text === 'sql') {
      at(node, `sql.${node.expression.name.text}(…)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** The server's sources that must not touch the database: all of `src` but `storage/` and unit tests. */
function serverSources(dir: string = SERVER_SRC): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return p === join(SERVER_SRC, 'storage') ? [] : serverSources(p);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [p] : [];
  });
}

const show = (v: Violation) => `${v.file}:${v.line}: ${v.what}`;

describe('server layering', () => {
  it('only storage/ touches the database: no query, transaction or Kysely value anywhere else in packages/server/src', () => {
    const files = serverSources();
    // The scan covers the server, not an empty folder (a moved `src` would pass silently).
    expect(files.length).toBeGreaterThan(50);
    expect(files.some((f) => f.includes(`${sep}services${sep}`))).toBe(true);
    const found = files.flatMap((f) => databaseAccessIn(relative(REPO_ROOT, f).split(sep).join('/'), readFileSync(f, 'utf8')));
    // Each line names a file and line that should call a repository function in storage/repos instead.
    expect(found.map(show)).toEqual([]);
  });

  it('the scan finds every way into the database, on the line that names it', () => {
    const text = [
      "import { sql, type Kysely } from 'kysely';", // 1
      "import * as k from 'kysely';", // 2
      'export async function f(s: any, tx: Kysely<any>) {', // 3
      '  await s.db', // 4
      "    .selectFrom('accounts')", // 5
      '    .selectAll()', // 6
      '    .execute();', // 7
      "  await tx.insertInto('invites').values({}).execute();", // 8
      "  await s.db.updateTable('safety_notices').set({}).execute();", // 9
      "  await tx.deleteFrom('media_restrictions').returningAll().executeTakeFirst();", // 10
      '  await s.db.transaction().execute(async (t: any) => t);', // 11
      '  await sql<{ n: number }>`select 1`.execute(s.db);', // 12
      "  const r = sql.raw('now()');", // 13
      "  await s.db.replaceInto('x').values({}).execute();", // 14
      '  await s.db.connection().execute(async () => 1);', // 15
      '}',
    ].join('\n');
    expect(databaseAccessIn('fixture.ts', text).map(show)).toEqual([
      'fixture.ts:1: imports sql from kysely',
      'fixture.ts:2: imports * as k from kysely',
      'fixture.ts:5: .selectFrom(…)',
      'fixture.ts:8: .insertInto(…)',
      'fixture.ts:9: .updateTable(…)',
      'fixture.ts:10: .deleteFrom(…)',
      'fixture.ts:11: .transaction(…)',
      'fixture.ts:12: sql`…`',
      'fixture.ts:13: sql.raw(…)',
      'fixture.ts:14: .replaceInto(…)',
      'fixture.ts:15: .connection(…)',
    ]);
  });

  it('the scan passes what the rule allows: type imports, repository calls, and words in comments and strings', () => {
    const text = [
      "import type { Kysely, Transaction } from 'kysely';",
      "import { type Selectable } from 'kysely';",
      "import { inTransaction } from '../storage/transaction';",
      "import { findAccountsByIds } from '../storage/repos/accounts';",
      '// Not s.db.selectFrom(...), nor a sql`...` template.',
      'export async function g(s: any, tx: Kysely<any>, t: Transaction<any>, row: Selectable<any>) {',
      "  const text = 'selectFrom(accounts) and deleteFrom(x)';",
      '  const tagged = String.raw`sql`;',
      '  const limit = s.config.connection.burst;',
      '  return inTransaction(s.db, (x: any) => findAccountsByIds(x, [row.id, text, tagged, limit, t, tx]));',
      '}',
    ].join('\n');
    expect(databaseAccessIn('allowed.ts', text)).toEqual([]);
  });
});
