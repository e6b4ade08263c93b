/**
 * Every export of the public API (`pulumi-sev` and `pulumi-sev/core`) has a doc comment: what a user
 * sees in their editor when they hover it. Read with the TypeScript compiler from the sources, so
 * the test needs no build of its own and lists every export that lacks one.
 */
import test from "ava";
import { join } from "path";
import ts from "typescript";

const ROOT = join(__dirname, "..", "..", "..");
const ENTRY_POINTS = { "pulumi-sev": "provider/index.ts", "pulumi-sev/core": "provider/core/index.ts" };

function program(): ts.Program {
  const files = Object.values(ENTRY_POINTS).map((f) => join(ROOT, f));
  return ts.createProgram(files, { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, noEmit: true, skipLibCheck: true });
}

/** The declaration a name resolves to, through every re-export. */
function declared(checker: ts.TypeChecker, symbol: ts.Symbol): ts.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

function documented(checker: ts.TypeChecker, symbol: ts.Symbol): boolean {
  if (symbol.getDocumentationComment(checker).length > 0) return true;
  // A `const X = ...` is documented above its statement, which the compiler attaches to the declaration list.
  return (symbol.declarations ?? []).some((d) => ts.getJSDocCommentsAndTags(d).length > 0);
}

function undocumented(entry: string): string[] {
  const p = program();
  const checker = p.getTypeChecker();
  const source = p.getSourceFile(join(ROOT, entry));
  if (!source) throw new Error(`${entry} is not in the program`);
  const module = checker.getSymbolAtLocation(source);
  if (!module) throw new Error(`${entry} has no exports`);
  return checker
    .getExportsOfModule(module)
    .filter((s) => !documented(checker, declared(checker, s)))
    .map((s) => {
      const d = declared(checker, s).declarations?.[0];
      const where = d ? `${d.getSourceFile().fileName.slice(ROOT.length + 1)}:${d.getSourceFile().getLineAndCharacterOfPosition(d.getStart()).line + 1}` : "?";
      return `${s.getName()} (${where})`;
    })
    .sort();
}

for (const [name, entry] of Object.entries(ENTRY_POINTS)) {
  test(`every export of ${name} (${entry}) has a doc comment`, (t) => {
    t.deepEqual(undocumented(entry), [], `exports of ${name} without a doc comment`);
  });
}
