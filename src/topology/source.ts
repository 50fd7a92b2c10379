/**
 * Topology text to a plain value plus a map back to the source: YAML through the `yaml`
 * package's document nodes (their ranges), JSON through `parseJsonSource`. Syntax errors come
 * back as problems with an offset and, where the document got that far, the field's path.
 */
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
} from 'yaml';
import type { FieldPath, TopologyIssueCode } from './issues.ts';
import { JsonSyntaxError, parseJsonSource, type SourceEntry, type SourceNode } from './jsonSource.ts';

export type { SourceEntry, SourceNode } from './jsonSource.ts';

export type SourceFormat = 'yaml' | 'json';

/** A syntax problem: where it is as an offset, and as a field path when known. */
export interface SyntaxProblem {
  readonly code: Extract<TopologyIssueCode, 'syntaxError' | 'duplicateKey'>;
  readonly offset: number;
  readonly path: FieldPath;
  readonly expected: string;
  readonly found: string;
  readonly message: string;
}

export type ParsedSource =
  | { readonly ok: true; readonly value: unknown; readonly root: SourceNode }
  | { readonly ok: false; readonly problems: readonly SyntaxProblem[]; readonly cause: unknown };

/** The format a file name's extension stands for, if protmem reads it. */
export function sourceFormat(fileName: string): SourceFormat | undefined {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  if (lower.endsWith('.json')) return 'json';
  return undefined;
}

/** 1-based line and column of each offset of `text`. */
export function lineCounterFor(text: string): LineCounter {
  const counter = new LineCounter();
  counter.addNewLine(0);
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) counter.addNewLine(i + 1);
  return counter;
}

/** Where a field is: its key (`at: 'key'`) or its value; the nearest enclosing entry if absent. */
export function locate(root: SourceNode, path: FieldPath, at: 'key' | 'value' = 'value'): number {
  let node = root;
  let entryStart = root.start;
  for (const [index, segment] of path.entries()) {
    const entry = node.child(segment);
    if (entry === undefined) return entryStart;
    if (index === path.length - 1 && at === 'key') return entry.keyStart;
    node = entry.node;
    entryStart = entry.keyStart;
  }
  return node.start;
}

export function parseSource(text: string, format: SourceFormat): ParsedSource {
  return format === 'json' ? parseJson(text) : parseYaml(text);
}

function excerpt(text: string, offset: number): string {
  const rest = text.slice(offset).split(/\r?\n/, 1)[0]!.trimEnd();
  if (offset >= text.length) return 'the end of the file';
  if (rest === '') return 'the end of the line';
  return JSON.stringify(rest.length > 24 ? `${rest.slice(0, 24)}...` : rest);
}

function parseJson(text: string): ParsedSource {
  try {
    const parsed = parseJsonSource(text);
    if (parsed.duplicates.length === 0) return { ok: true, value: parsed.value, root: parsed.root };
    return {
      ok: false,
      cause: undefined,
      problems: parsed.duplicates.map((duplicate) => ({
        code: 'duplicateKey',
        offset: duplicate.offset,
        path: duplicate.path,
        expected: 'each key once in a mapping',
        found: `"${duplicate.key}" a second time`,
        message: 'duplicate key',
      })),
    };
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    return {
      ok: false,
      cause: error,
      problems: [
        {
          code: 'syntaxError',
          offset: error.offset,
          path: error.path,
          expected: error.expected,
          found: error.found,
          message: 'JSON syntax error',
        },
      ],
    };
  }
}

/** A YAML node seen through `SourceNode`; aliases are followed to their anchors. */
function yamlSourceNode(node: unknown, doc: Document, fallbackStart: number): SourceNode {
  const target = isAlias(node) ? (node.resolve(doc) ?? node) : node;
  const start = (node as Node | null)?.range?.[0] ?? fallbackStart;
  return {
    start,
    child(segment) {
      if (isMap(target)) {
        const pair = target.items.findLast((item) => isPair(item) && keyText(item.key) === String(segment));
        if (pair === undefined) return undefined;
        const keyStart = (pair.key as Node | null)?.range?.[0] ?? start;
        const valueStart = (pair.value as Node | null)?.range?.[0] ?? keyStart;
        return { keyStart, node: yamlSourceNode(pair.value, doc, valueStart) } satisfies SourceEntry;
      }
      if (isSeq(target) && typeof segment === 'number') {
        const item = target.items[segment];
        if (item === undefined) return undefined;
        const itemStart = (item as Node | null)?.range?.[0] ?? start;
        return { keyStart: itemStart, node: yamlSourceNode(item, doc, itemStart) } satisfies SourceEntry;
      }
      return undefined;
    },
  };
}

function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

function spans(node: unknown, offset: number): boolean {
  const range = (node as Node | null)?.range;
  return (
    range !== undefined && range !== null && range[0] <= offset && offset < Math.max(range[2], range[0] + 1)
  );
}

/** The path of the deepest field whose source holds `offset` (for syntax errors). */
function yamlPathAt(doc: Document, offset: number): FieldPath {
  const path: (string | number)[] = [];
  let node: unknown = doc.contents;
  while (node !== null && node !== undefined) {
    let next: unknown;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (spans(pair.key, offset)) {
          path.push(keyText(pair.key));
          return path;
        }
        if (spans(pair.value, offset)) {
          path.push(keyText(pair.key));
          next = pair.value;
          break;
        }
      }
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => spans(item, offset));
      if (index !== -1) {
        path.push(index);
        next = node.items[index];
      }
    }
    node = next;
  }
  return path;
}

function parseYaml(text: string): ParsedSource {
  let doc: Document;
  try {
    doc = parseDocument(text, { prettyErrors: false, logLevel: 'silent', uniqueKeys: true });
  } catch (error) {
    return { ok: false, cause: error, problems: [unreadableYaml(error)] };
  }
  if (doc.errors.length > 0) {
    return {
      ok: false,
      cause: doc.errors[0],
      problems: doc.errors.map((error) => {
        const offset = error.pos[0];
        const path = yamlPathAt(doc, offset);
        if (error.code === 'DUPLICATE_KEY') {
          return {
            code: 'duplicateKey',
            offset,
            path,
            expected: 'each key once in a mapping',
            found: path.length > 0 ? `"${path.at(-1)}" a second time` : excerpt(text, offset),
            message: 'duplicate key',
          } as const;
        }
        return {
          code: 'syntaxError',
          offset,
          path,
          expected: 'valid YAML',
          found: excerpt(text, offset),
          message: `YAML syntax error: ${error.message.charAt(0).toLowerCase()}${error.message.slice(1)}`,
        } as const;
      }),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    return { ok: false, cause: error, problems: [unreadableYaml(error)] };
  }
  return { ok: true, value, root: yamlSourceNode(doc.contents, doc, 0) };
}

function unreadableYaml(error: unknown): SyntaxProblem {
  return {
    code: 'syntaxError',
    offset: 0,
    path: [],
    expected: 'a YAML document protmem can read',
    found: error instanceof Error ? error.message : String(error),
    message: 'the YAML document cannot be read',
  };
}
