import ts from 'typescript';

// Which error codes a program really produces, found with the TypeScript checker rather than a text
// pattern, so a code reaches the registry test however it travels: a literal at the call, a constant
// (`const code = 'x.y'; new HavenError(code)`), a ternary, a map, a helper's parameter, a field of a
// result object (`{ ok: false, error: { code } }`), or a return type narrowed to a few codes.
//
// An "error-code position" is any place whose contextual type accepts every registered code but not
// every string (`ErrorCode`, `ErrorCode | undefined`, a parameter typed `ErrorCode`, …). For each
// expression in such a place, the string literals its type can hold are codes it produces. An expression
// whose type accepts every code is a pass-through (a parameter, `isErrorCode`-checked wire input): its
// sources are found where they start. A type assertion there (`x as never`), or a type of `any`, `never`
// or plain `string`, hides what flows in: that is reported as unchecked.

export interface CodeUsage {
  /** The codes in the registry type (`ErrorCode`'s literals). */
  registered: Set<string>;
  /** Produced codes and where (file:line), for each literal an error-code position can receive. */
  produced: Map<string, string[]>;
  /** Error-code positions the checker cannot see through: `file:line text`. */
  unchecked: string[];
  /**
   * Code-shaped literals of a registry area (`media.…`, `auth.…`) compared (`===`, `!==`, `case`) with a
   * plain `string` named `code` (a code read off the wire or an untyped error): `code` → places. A code
   * tested for must be one that can arrive. (Other areas, such as `mode.…` reason codes, are not errors.)
   */
  compared: Map<string, string[]>;
}

const CODE_SHAPE = /^[a-z]+\.[a-z_]+$/;

function stringLiterals(t: ts.Type): string[] {
  return (t.isUnion() ? t.types : [t]).filter((x): x is ts.StringLiteralType => x.isStringLiteral()).map((x) => x.value);
}

/**
 * Scans `rootNames` (non-test sources) for the codes they produce (a type check of them: seconds to a minute). `errorsFile` declares
 * `type ErrorCode` (the registry's keys); `relativeTo` shortens the places reported.
 */
export async function scanErrorCodes(program: ts.Program, opts: { rootNames: readonly string[]; errorsFile: string; relativeTo: string }): Promise<CodeUsage> {
  const checker = program.getTypeChecker();
  const errorsSource = program.getSourceFile(opts.errorsFile);
  if (!errorsSource) throw new Error(`${opts.errorsFile} is not in the program`);
  let errorCode: ts.Type | undefined;
  ts.forEachChild(errorsSource, (n) => {
    if (ts.isTypeAliasDeclaration(n) && n.name.text === 'ErrorCode') errorCode = checker.getTypeAtLocation(n.name);
  });
  if (!errorCode) throw new Error(`${opts.errorsFile} declares no type ErrorCode`);
  const codeType = errorCode;
  const registered = new Set(stringLiterals(codeType));
  const areas = new Set([...registered].map((c) => c.split('.')[0]!));
  const stringType = checker.getStringType();
  const isCodePosition = (c: ts.Type | undefined): boolean =>
    c !== undefined && !(c.flags & ts.TypeFlags.Any) && checker.isTypeAssignableTo(codeType, c) && !checker.isTypeAssignableTo(stringType, c);
  // A type that accepts every registered code carries whatever it was given: its codes are counted at their source.
  const producedBy = (t: ts.Type): string[] => (checker.isTypeAssignableTo(codeType, t) ? [] : stringLiterals(t));

  const produced = new Map<string, string[]>();
  const compared = new Map<string, string[]>();
  const unchecked: string[] = [];
  const note = (into: Map<string, string[]>, code: string, where: string) => into.set(code, [...(into.get(code) ?? []), where]);
  const roots = new Set(opts.rootNames);
  const rel = (f: string) => (f.startsWith(opts.relativeTo) ? f.slice(opts.relativeTo.length).replace(/^[\\/]/, '') : f);

  for (const sf of program.getSourceFiles()) {
    if (!roots.has(sf.fileName)) continue;
    // Checking is synchronous: give the event loop a turn between files (a test runner talks to its workers).
    await new Promise((r) => setImmediate(r));
    const at = (n: ts.Node) => `${rel(sf.fileName)}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`;
    const isPlainStringCode = (e: ts.Expression) => {
      const name = ts.isPropertyAccessExpression(e) ? e.name.text : ts.isIdentifier(e) ? e.text : '';
      return /code$/i.test(name) && checker.getTypeAtLocation(e).flags & ts.TypeFlags.String;
    };
    const compare = (literal: ts.Expression, other: ts.Expression) => {
      if ((ts.isStringLiteral(literal) || ts.isNoSubstitutionTemplateLiteral(literal)) && CODE_SHAPE.test(literal.text) && areas.has(literal.text.split('.')[0]!) && isPlainStringCode(other))
        note(compared, literal.text, at(literal));
    };
    const visit = (node: ts.Node): void => {
      if (ts.isBinaryExpression(node) && [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken].includes(node.operatorToken.kind)) {
        compare(node.left, node.right);
        compare(node.right, node.left);
      }
      if (ts.isCaseClause(node) && ts.isSwitchStatement(node.parent.parent)) compare(node.expression, node.parent.parent.expression);
      if (ts.isExpression(node) && !ts.isParenthesizedExpression(node)) {
        const context = checker.getContextualType(node);
        if (isCodePosition(context)) {
          const t = checker.getTypeAtLocation(node);
          const asserted = (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) && !ts.isConstTypeReference(node.type);
          if (asserted || t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Never | ts.TypeFlags.String))
            unchecked.push(`${at(node)} ${node.getText(sf)}`);
          else for (const code of producedBy(t)) note(produced, code, at(node));
        } else if (context && !(context.flags & ts.TypeFlags.Any)) {
          // An object handed to a place with a `code` field of error-code type (`{ code, message }` results).
          const field = context.getProperty('code');
          if (field && isCodePosition(checker.getTypeOfSymbol(field))) {
            const own = checker.getTypeAtLocation(node).getProperty('code');
            if (own) for (const code of producedBy(checker.getTypeOfSymbol(own))) note(produced, code, `${at(node)} (code field)`);
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return { registered, produced, unchecked, compared };
}
