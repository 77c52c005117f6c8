// An esbuild plugin for scripts/build-cli.mjs: imports of a workspace package's index ("barrel") are
// rewritten to import each name from the file that declares it. esbuild splits code by file: a file that
// imports `@haven/client/node` for HavenClient reaches every file that index re-exports (the MLS engine,
// ts-mls…), so every chunk that needs one name would load the whole package. With the imports pointed
// at the declaring files, a command's chunks hold only the files it uses.
//
// Only named imports and re-exports (`import { A, B as C } from …`, `export { A } from …`) are
// rewritten; default and namespace imports, and names that cannot be traced, stay as written.
import { readFile } from 'node:fs/promises';
import ts from 'typescript';

/**
 * @param {{ isWorkspaceFile(path: string): boolean }} opts which files to rewrite and trace through
 * (the workspace's TypeScript sources).
 */
export function directImports({ isWorkspaceFile }) {
  return {
    name: 'direct-imports',
    setup(b) {
      /** path → parsed exports of that file */
      const exportsCache = new Map();
      /** `${path}\0${name}` → { path, name } where the name is declared */
      const traceCache = new Map();

      const resolve = async (spec, importer) => {
        const r = await b.resolve(spec, { kind: 'import-statement', importer, resolveDir: importer.slice(0, importer.lastIndexOf('/')), pluginData: 'resolved' });
        return r.errors.length === 0 && !r.external && isWorkspaceFile(r.path) ? r.path : undefined;
      };

      const parse = async (path) => ts.createSourceFile(path, await readFile(path, 'utf8'), ts.ScriptTarget.Latest, false, path.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);

      /** The names a file declares itself, those it re-exports from another (name → [spec, name]), and its `export *` sources. */
      const exportsOf = async (path) => {
        let e = exportsCache.get(path);
        if (!e) {
          e = (async () => {
            const local = new Set();
            const reexports = new Map();
            const stars = [];
            for (const s of (await parse(path)).statements) {
              if (ts.isExportDeclaration(s)) {
                const spec = s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier) ? s.moduleSpecifier.text : undefined;
                if (!s.exportClause) {
                  if (spec) stars.push(spec);
                } else if (ts.isNamedExports(s.exportClause)) {
                  for (const el of s.exportClause.elements) {
                    if (spec) reexports.set(el.name.text, [spec, (el.propertyName ?? el.name).text]);
                    else local.add(el.name.text);
                  }
                } else local.add(s.exportClause.name.text); // export * as ns from …
              } else if (ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
                if (ts.isVariableStatement(s)) {
                  for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name)) local.add(d.name.text);
                } else if (s.name && ts.isIdentifier(s.name)) local.add(s.name.text);
              }
            }
            return { local, reexports, stars };
          })();
          exportsCache.set(path, e);
        }
        return e;
      };

      /** Where `name`, exported by `path`, is declared; undefined when it cannot be traced. */
      const trace = async (path, name, depth = 0) => {
        const key = `${path}\0${name}`;
        if (traceCache.has(key)) return traceCache.get(key);
        let found;
        if (depth < 20) {
          const { local, reexports, stars } = await exportsOf(path);
          if (local.has(name)) found = { path, name };
          else if (reexports.has(name)) {
            const [spec, orig] = reexports.get(name);
            const target = await resolve(spec, path);
            found = target ? ((await trace(target, orig, depth + 1)) ?? { path: target, name: orig }) : undefined;
          } else {
            for (const spec of stars) {
              const target = await resolve(spec, path);
              if (target && (found = await trace(target, name, depth + 1))) break;
            }
          }
        }
        traceCache.set(key, found);
        return found;
      };

      b.onLoad({ filter: /\.tsx?$/ }, async (args) => {
        if (!isWorkspaceFile(args.path)) return undefined;
        const source = await readFile(args.path, 'utf8');
        const file = ts.createSourceFile(args.path, source, ts.ScriptTarget.Latest, false, args.path.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
        const edits = [];
        for (const s of file.statements) {
          const isImport = ts.isImportDeclaration(s);
          if (!isImport && !ts.isExportDeclaration(s)) continue;
          if (!s.moduleSpecifier || !ts.isStringLiteral(s.moduleSpecifier)) continue;
          let elements;
          if (isImport) {
            const c = s.importClause;
            if (!c || c.isTypeOnly || c.name || !c.namedBindings || !ts.isNamedImports(c.namedBindings)) continue;
            elements = c.namedBindings.elements;
          } else {
            if (s.isTypeOnly || !s.exportClause || !ts.isNamedExports(s.exportClause)) continue;
            elements = s.exportClause.elements;
          }
          const target = await resolve(s.moduleSpecifier.text, args.path);
          if (!target) continue;
          const byFile = new Map();
          for (const el of elements) {
            if (el.isTypeOnly) continue;
            const imported = (el.propertyName ?? el.name).text;
            const at = (await trace(target, imported)) ?? { path: target, name: imported };
            const list = byFile.get(at.path) ?? [];
            list.push(`${at.name} as ${el.name.text}`);
            byFile.set(at.path, list);
          }
          const keyword = isImport ? 'import' : 'export';
          const text = [...byFile].map(([p, names]) => `${keyword} { ${names.join(', ')} } from ${JSON.stringify(p)};`).join(' ');
          edits.push([s.getStart(file), s.getEnd(), text]);
        }
        let contents = source;
        for (const [start, end, text] of edits.reverse()) contents = contents.slice(0, start) + text + contents.slice(end);
        return { contents, loader: args.path.endsWith('.tsx') ? 'tsx' : 'ts', resolveDir: args.path.slice(0, args.path.lastIndexOf('/')) };
      });
    },
  };
}
