import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { ERRORS, HavenError, errorBody, isErrorCode } from './errors';
import { REPO_ROOT } from '../../../testing/env';
import { scanErrorCodes, type CodeUsage } from '../../../testing/error-code-usage';

// The registry (`ERRORS`) and the code base agree in both directions: every code any package's sources
// produce is registered, and every registered code is produced somewhere. Codes are found with the
// TypeScript checker (testing/error-code-usage.ts), so a code passed through a constant, a ternary, a map,
// a helper or a result object counts, not only a literal `new HavenError('…')`.

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* sourceFiles(p);
    else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) && !name.endsWith('.d.ts')) yield p;
  }
}

/** Every non-test source of every package (the src folder of each), as the compiler sees them. */
function packageSources(): string[] {
  const packages = join(REPO_ROOT, 'packages');
  return readdirSync(packages)
    .map((p) => join(packages, p, 'src'))
    .filter((d) => existsSync(d))
    .flatMap((d) => [...sourceFiles(d)]);
}

function compilerOptions(): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(REPO_ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!parsed) throw new Error('tsconfig.json could not be read');
  return { ...parsed.options, noEmit: true };
}

/** A small program held in memory, for checking that the scanner itself sees every way a code travels. */
function fixtureProgram(files: Record<string, string>): { program: ts.Program; rootNames: string[] } {
  const options: ts.CompilerOptions = { ...compilerOptions(), types: [] };
  const host = ts.createCompilerHost(options);
  const base = { getSourceFile: host.getSourceFile.bind(host), fileExists: host.fileExists.bind(host), readFile: host.readFile.bind(host) };
  const rootNames = Object.keys(files).map((f) => join(FIXTURE_DIR, f));
  const own = (f: string) => files[f.slice(FIXTURE_DIR.length + 1)];
  host.fileExists = (f) => own(f) !== undefined || base.fileExists(f);
  host.directoryExists = (d) => d === FIXTURE_DIR || ts.sys.directoryExists(d);
  host.readFile = (f) => own(f) ?? base.readFile(f);
  host.getSourceFile = (f, lang, ...rest) => {
    const text = own(f);
    return text !== undefined ? ts.createSourceFile(f, text, lang) : base.getSourceFile(f, lang, ...rest);
  };
  return { program: ts.createProgram({ rootNames, options, host }), rootNames };
}
const FIXTURE_DIR = join(REPO_ROOT, '.error-code-fixture');

describe('error registry', () => {
  it('every code is area.reason with a 4xx/5xx status and a sentence', () => {
    for (const [code, { status, message }] of Object.entries(ERRORS)) {
      expect(code).toMatch(/^[a-z]+\.[a-z_]+$/);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
      expect(message).toMatch(/^[A-Z].*[.!?]$/);
    }
  });

  it('the scanner sees codes through constants, ternaries, maps, helpers and result objects, and reports casts', async () => {
    const { program, rootNames } = fixtureProgram({
      'errors.ts': `
        export const ERRORS = { 'a.literal': 1, 'a.constant': 1, 'a.then': 1, 'a.else': 1, 'a.mapped': 1, 'a.helper': 1, 'a.result': 1, 'a.narrowed': 1, 'a.dead': 1, 'a.compared': 1 } as const;
        export type ErrorCode = keyof typeof ERRORS;
        export class HavenError extends Error { constructor(readonly code: ErrorCode) { super(code); } }
        export const fail = (code: ErrorCode) => ({ ok: false as const, error: { code, message: '' } });`,
      'uses.ts': `
        import { HavenError, fail, type ErrorCode } from './errors';
        export const a = () => new HavenError('a.literal');
        const code = 'a.constant';
        export const b = () => new HavenError(code);
        export const c = (x: boolean) => new HavenError(x ? 'a.then' : 'a.else');
        const BY_KIND = { k: 'a.mapped' } as const;
        export const d = () => new HavenError(BY_KIND.k);
        export const e = () => fail('a.helper');
        export function f(): { ok: false; error: { code: ErrorCode; message: string } } { return { ok: false, error: { code: 'a.result', message: '' } }; }
        function narrow(): { code: 'a.narrowed'; message: string } { return { code: 'a.narrowed', message: '' }; }
        export const g = () => { const n = narrow(); return new HavenError(n.code); };
        export const h = (wire: string) => new HavenError(wire as never);
        export const i = (e: { code: string }) => e.code === 'a.compared' || e.code === 'a.unknown' || e.code === 'mode.other_kind';`,
    });
    // The fixture itself type-checks (else the scanner would see `any` everywhere and prove nothing).
    expect(ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
    const usage = await scanErrorCodes(program, { rootNames, errorsFile: join(FIXTURE_DIR, 'errors.ts'), relativeTo: FIXTURE_DIR });
    expect([...usage.produced.keys()].sort()).toEqual(['a.constant', 'a.else', 'a.helper', 'a.literal', 'a.mapped', 'a.narrowed', 'a.result', 'a.then']);
    expect(usage.unchecked).toEqual(['uses.ts:13 wire as never']);
    // Compared codes of a registry area count; another kind of code (`mode.…`) is not an error code.
    expect([...usage.compared.keys()].sort()).toEqual(['a.compared', 'a.unknown']);
    expect([...usage.registered].filter((c) => !usage.produced.has(c)).sort()).toEqual(['a.compared', 'a.dead']);
  });

  describe('the sources and the registry agree (both directions)', () => {
    let usage: CodeUsage;
    beforeAll(async () => {
      const rootNames = packageSources();
      const program = ts.createProgram({ rootNames, options: compilerOptions() });
      usage = await scanErrorCodes(program, { rootNames, errorsFile: join(REPO_ROOT, 'packages/protocol/src/errors.ts'), relativeTo: REPO_ROOT });
    }, 300_000); // a type check of every package: tens of seconds on a loaded machine

    it('the registry type is the registry', () => {
      expect([...usage.registered].sort()).toEqual(Object.keys(ERRORS).sort());
    });

    it('every code a source produces is registered', () => {
      const unknown = [...usage.produced].filter(([c]) => !isErrorCode(c)).map(([c, where]) => `${c} at ${where.join(', ')}`);
      expect(unknown).toEqual([]);
    });

    it('every registered code is produced somewhere', () => {
      expect(Object.keys(ERRORS).filter((c) => !usage.produced.has(c))).toEqual([]);
    });

    it('no code reaches an error-code position unchecked (a cast, any, or a plain string)', () => {
      expect(usage.unchecked).toEqual([]);
    });

    it('every code a source tests a plain-string code against is registered', () => {
      const unknown = [...usage.compared].filter(([c]) => !isErrorCode(c)).map(([c, where]) => `${c} at ${where.join(', ')}`);
      expect(unknown).toEqual([]);
    });
  });

  it('builds the wire shape', () => {
    expect(errorBody('account.too_young')).toEqual({
      error: { code: 'account.too_young', message: ERRORS['account.too_young'].message },
    });
    const e = new HavenError('mls.stale_epoch');
    expect(e.status).toBe(409);
    expect(e.toBody().error.code).toBe('mls.stale_epoch');
  });
});
