/**
 * Reads the guards of every machine in `machines/` with their doc comments and turns them into
 * the data `src/check/guardCitationLines.ts` holds: per machine id, per guard, the source functions
 * and files its comment cites. `recordGuardCitations.ts` writes that file; a test holds it to
 * the machines' comments, so the table cannot drift from them.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ts from 'typescript';

export const MACHINES_DIR = join(import.meta.dirname, '..', '..', 'machines');
export const CITATIONS_FILE = join(import.meta.dirname, '..', '..', 'src', 'check', 'guardCitationLines.ts');

interface Citation {
  readonly functions: readonly string[];
  readonly files: readonly string[];
  readonly doc: string;
}

/** The doc comment right before a node, as one line without its stars. */
function docOf(node: ts.Node, text: string): string {
  const ranges = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [];
  const doc = ranges.filter((r) => text.startsWith('/**', r.pos)).at(-1);
  if (doc === undefined) return '';
  return text
    .slice(doc.pos + 3, doc.end - 2)
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, '').trim())
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The functions (`name()`, `name(...)`) and source files (`a/b.c`, `dir/`) a comment names. */
export function citationOf(doc: string): Citation {
  const spans = [...doc.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  const functions = spans.flatMap((span) => {
    const name = /^([A-Za-z_][\w:]*)(\(|$)/.exec(span);
    if (name === null) return [];
    const called = name[2] === '(' || name[1]!.includes('::');
    const looksLikeFunction = /[a-z]/.test(name[1]!) && name[1]!.includes('_');
    return called || looksLikeFunction ? [`${name[1]}()`] : [];
  });
  const files = [...doc.matchAll(/((?:[\w.-]+\/)+[\w.-]*|[\w-]+\.(?:cpp|cc|c|h|rs))(?![\w])/g)]
    .map((m) => m[1]!)
    .filter((file) => !file.startsWith('docs/') && /[a-z]/.test(file) && !file.startsWith('.'));
  return { functions: [...new Set(functions)], files: [...new Set(files)], doc };
}

/** The guards of the `setup({ guards })` calls of one machine file, with the machine's id. */
function guardsOf(file: string, text: string): { id?: string; guards: Map<string, Citation> } {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2023, true);
  const guards = new Map<string, Citation>();
  let id: string | undefined;
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isObjectLiteralExpression(node.arguments[0] ?? node)) {
      const callee = node.expression.getText(source);
      const object = node.arguments[0] as ts.ObjectLiteralExpression;
      for (const property of object.properties) {
        if (!ts.isPropertyAssignment(property)) continue;
        const key = property.name.getText(source);
        if (callee === 'setup' && key === 'guards' && ts.isObjectLiteralExpression(property.initializer)) {
          for (const guard of property.initializer.properties) {
            const name = guard.name?.getText(source);
            if (name !== undefined && !guards.has(name)) guards.set(name, citationOf(docOf(guard, text)));
          }
        }
        if (callee.endsWith('.createMachine') && key === 'id' && ts.isStringLiteral(property.initializer)) {
          id ??= property.initializer.text;
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { ...(id !== undefined ? { id } : {}), guards };
}

/** Per machine id, per guard, what its doc comment cites. */
export async function guardCitationTable(): Promise<Record<string, Record<string, Citation>>> {
  const files = (await readdir(MACHINES_DIR)).filter((f) => f.endsWith('Machine.ts')).sort();
  const table: Record<string, Record<string, Citation>> = {};
  for (const file of files) {
    const { id, guards } = guardsOf(file, await readFile(join(MACHINES_DIR, file), 'utf8'));
    if (id !== undefined && guards.size > 0) table[id] = Object.fromEntries(guards);
  }
  return table;
}

/** One guard's citation as the generated table writes it: `guard: functions | files`. */
export function citationLine(guard: string, citation: Citation): string {
  return `${guard}: ${citation.functions.join(', ')} | ${citation.files.join(', ')}`;
}

/** The module `src/check/guardCitationLines.ts`, before formatting. */
export async function guardCitationModule(): Promise<string> {
  const table = await guardCitationTable();
  const lines = Object.fromEntries(
    Object.entries(table).map(([machine, guards]) => [
      machine,
      Object.entries(guards).map(([guard, citation]) => citationLine(guard, citation)),
    ]),
  );
  return [
    '/**',
    " * What each machine guard's doc comment cites, per machine id, one guard a line:",
    ' * `guard: functions | files` (read by `guardCitations.ts`). Written by',
    ' * `npx tsx test/support/recordGuardCitations.ts` from the comments in `machines/`; a test fails',
    ' * when it no longer matches them. Do not edit by hand.',
    ' */',
    `export const guardCitationLines: Readonly<Record<string, readonly string[]>> = ${JSON.stringify(lines, null, 2)};`,
    '',
  ].join('\n');
}
