/**
 * Topology text to a plain value plus a map back to the source: YAML through the `yaml`
 * package's document nodes (their ranges), JSON through `parseJsonSource`. Syntax errors come
 * back as problems with an offset and, where the document got that far, the field's path.
 *
 * A file holds one YAML document; nesting deeper than `MAX_NESTING_DEPTH` is refused before any
 * recursive walk; a lone CR is a line break, as in YAML 1.2 and in editors.
 */
import {
  Composer,
  CST,
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Lexer,
  LineCounter,
  type Node,
  Pair,
  Parser,
  YAMLMap,
} from 'yaml';
import { clip, type FieldPath, quote, type TopologyIssueCode } from './issues.ts';
import {
  JsonNestingError,
  JsonSyntaxError,
  MAX_NESTING_DEPTH,
  parseJsonSource,
  type SourceEntry,
  type SourceNode,
} from './jsonSource.ts';

export type { SourceEntry, SourceNode } from './jsonSource.ts';
export { MAX_NESTING_DEPTH } from './jsonSource.ts';

export type SourceFormat = 'yaml' | 'json';

/** A syntax problem: where it is as an offset, and as a field path when known. */
export interface SyntaxProblem {
  readonly code: Extract<
    TopologyIssueCode,
    'syntaxError' | 'duplicateKey' | 'multipleDocuments' | 'nestingTooDeep'
  >;
  readonly offset: number;
  readonly path: FieldPath;
  readonly expected: string;
  readonly found: string;
  readonly message: string;
}

export type ParsedSource =
  | { readonly ok: true; readonly value: unknown; readonly root: SourceNode }
  | { readonly ok: false; readonly problems: readonly SyntaxProblem[]; readonly cause: unknown };

/** At most this many characters of a parser's own message are kept. */
const MAX_MESSAGE_LENGTH = 120;

/** The format a file name's extension stands for, if protmem reads it. */
export function sourceFormat(fileName: string): SourceFormat | undefined {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  if (lower.endsWith('.json')) return 'json';
  return undefined;
}

/** 1-based line and column of each offset of `text`; CRLF, LF and a lone CR each end a line. */
export function lineCounterFor(text: string): LineCounter {
  const counter = new LineCounter();
  counter.addNewLine(0);
  const breaks = /\r\n?|\n/g;
  for (let match = breaks.exec(text); match !== null; match = breaks.exec(text)) {
    counter.addNewLine(match.index + match[0].length);
  }
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
  if (offset >= text.length) return 'the end of the file';
  const rest = text
    .slice(offset, offset + 200)
    .split(/\r\n|\r|\n/, 1)[0]!
    .trimEnd();
  if (rest === '') return 'the end of the line';
  return quote(rest, 24);
}

function tooDeep(offset: number, path: FieldPath, found: string): SyntaxProblem {
  return {
    code: 'nestingTooDeep',
    offset,
    path,
    expected: `at most ${MAX_NESTING_DEPTH} levels of nesting`,
    found,
    message: `nesting deeper than ${MAX_NESTING_DEPTH} levels`,
  };
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
        found: `${quote(duplicate.key)} a second time`,
        message: 'duplicate key',
      })),
    };
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    if (error instanceof JsonNestingError) {
      return { ok: false, cause: error, problems: [tooDeep(error.offset, error.path, error.found)] };
    }
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

/**
 * Where a YAML text first nests deeper than `MAX_NESTING_DEPTH`, found from its tokens alone
 * (the lexer does not recurse; the composer and `toJS` do), stopping there. Flow collections
 * are counted exactly; block collections by the indentation of their entries and the `-`, `?`
 * and `:` indicators that open them, as the parser nests them: a plain scalar at the start of
 * an entry counts as a mapping key, so a level may be counted that is not there. Every token is
 * pushed onto `lexemes`, so that the parser need not lex the text again.
 */
function yamlTooDeepAt(text: string, lexemes: string[]): number | undefined {
  const block: { readonly indent: number; readonly seq: boolean }[] = [];
  let flow = 0;
  let offset = 0;
  let column = 0;
  /** Nothing but indentation (and anchors, tags, comments) yet on this line. */
  let lineStart = true;
  /** The last token on this line was a block `-`, `?` or explicit `:`: a node may start here. */
  let afterIndicator = false;
  /** The next lexeme is the source of a scalar (after the lexer's scalar marker). */
  let scalarSource = false;
  /** The next scalar is the content of a block scalar (`|` or `>`), not a node of its own. */
  let blockScalar = false;

  const openBlock = (seq: boolean): void => {
    const top = () => block.at(-1);
    while (
      top() !== undefined &&
      (top()!.indent > column || (!seq && top()!.indent === column && top()!.seq))
    )
      block.pop();
    const last = top();
    if (last === undefined || last.indent !== column || last.seq !== seq) block.push({ indent: column, seq });
  };

  for (const lexeme of new Lexer().lex(text)) {
    lexemes.push(lexeme);
    const at = offset;
    const type = scalarSource ? 'scalar-source' : CST.tokenType(lexeme);
    scalarSource = false;
    const nodeStart: boolean = flow === 0 && (lineStart || afterIndicator);
    switch (type) {
      case 'doc-mode':
      case 'flow-error-end':
        continue;
      case 'scalar':
        // The marker before a plain or block scalar's source; it takes no room in the text.
        scalarSource = true;
        if (blockScalar) blockScalar = false;
        else if (nodeStart) openBlock(false);
        lineStart = false;
        afterIndicator = false;
        if (block.length + flow > MAX_NESTING_DEPTH) return at;
        continue;
      case 'scalar-source':
      case 'space':
      case 'comment':
      case 'anchor':
      case 'tag':
      case 'byte-order-mark':
      case 'directive-line':
      case 'comma':
        break;
      case 'newline':
        lineStart = true;
        afterIndicator = false;
        break;
      case 'doc-start':
      case 'doc-end':
        block.length = 0;
        flow = 0;
        afterIndicator = true;
        break;
      case 'seq-item-ind':
      case 'explicit-key-ind':
      case 'map-value-ind':
        if (nodeStart) openBlock(type === 'seq-item-ind');
        lineStart = false;
        afterIndicator = nodeStart;
        break;
      case 'flow-map-start':
      case 'flow-seq-start':
        if (nodeStart) {
          // A flow collection in block context ends the deeper block collections before it.
          while ((block.at(-1)?.indent ?? -1) > column) block.pop();
        }
        flow++;
        lineStart = false;
        afterIndicator = false;
        break;
      case 'flow-map-end':
      case 'flow-seq-end':
        flow = Math.max(0, flow - 1);
        lineStart = false;
        afterIndicator = false;
        break;
      case 'block-scalar-header':
        blockScalar = true;
        if (nodeStart) openBlock(false);
        lineStart = false;
        afterIndicator = false;
        break;
      default:
        // Quoted scalars, aliases and anything else that is a node of its own.
        if (nodeStart) openBlock(false);
        lineStart = false;
        afterIndicator = false;
    }
    if (block.length + flow > MAX_NESTING_DEPTH) return at;
    offset += lexeme.length;
    const lastBreak = lexeme.lastIndexOf('\n');
    if (lastBreak === -1) {
      column += lexeme.length;
    } else {
      column = lexeme.length - lastBreak - 1;
      if (column === 0) {
        lineStart = true;
        afterIndicator = false;
      }
    }
  }
  return undefined;
}

/** How a parsed YAML document is read: keys as `toJS` writes them, items found by offset. */
class YamlReader {
  private readonly pairsByKey = new WeakMap<YAMLMap, Map<string, Pair>>();
  private readonly startsByCollection = new WeakMap<object, readonly number[] | null>();

  constructor(private readonly doc: Document) {}

  /** A key as `toJS` turns it into a property name: `[ a, b ]` for a flow sequence, `""` for null. */
  keyText(key: unknown): string {
    if (key === null || key === undefined) return '';
    if (isScalar(key)) return key.value === null || key.value === undefined ? '' : String(key.value);
    try {
      const probe = new YAMLMap(this.doc.schema);
      probe.items.push(new Pair(key, null));
      return Object.keys(probe.toJS(this.doc, { maxAliasCount: 1000 }) as object)[0] ?? '';
    } catch {
      return String(key);
    }
  }

  /** The pair under `key`; of pairs with the same key, the last, as in `toJS`. */
  pair(map: YAMLMap, key: string): Pair | undefined {
    let pairs = this.pairsByKey.get(map);
    if (pairs === undefined) {
      pairs = new Map();
      for (const item of map.items) if (isPair(item)) pairs.set(this.keyText(item.key), item);
      this.pairsByKey.set(map, pairs);
    }
    return pairs.get(key);
  }

  /**
   * The index of the last item of `collection` to start at or before `offset`, by binary search
   * (the items are in source order): -1 if none does, -2 if some item's start is unknown (then
   * the caller looks at every item).
   */
  itemBefore(
    collection: object,
    items: readonly unknown[],
    offset: number,
    startOf: (item: unknown) => number | undefined,
  ): number {
    let starts = this.startsByCollection.get(collection);
    if (starts === undefined) {
      const found = items.map(startOf);
      const sorted = found.every(
        (start, index) => start !== undefined && (index === 0 || start >= found[index - 1]!),
      );
      starts = sorted ? (found as number[]) : null;
      this.startsByCollection.set(collection, starts);
    }
    if (starts === null) return -2;
    let low = 0;
    let high = starts.length - 1;
    let best = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (starts[middle]! <= offset) {
        best = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return best;
  }

  /** A YAML node seen through `SourceNode`; aliases are followed to their anchors. */
  sourceNode(node: unknown, fallbackStart: number): SourceNode {
    const target = isAlias(node) ? (node.resolve(this.doc) ?? node) : node;
    const start = rangeStart(node) ?? fallbackStart;
    return {
      start,
      child: (segment) => {
        if (isMap(target)) {
          const pair = this.pair(target, String(segment));
          if (pair === undefined) return undefined;
          const keyStart = rangeStart(pair.key) ?? start;
          const valueStart = rangeStart(pair.value) ?? keyStart;
          return { keyStart, node: this.sourceNode(pair.value, valueStart) } satisfies SourceEntry;
        }
        if (isSeq(target) && typeof segment === 'number') {
          const item = target.items[segment];
          if (item === undefined) return undefined;
          const itemStart = rangeStart(item) ?? start;
          return { keyStart: itemStart, node: this.sourceNode(item, itemStart) } satisfies SourceEntry;
        }
        return undefined;
      },
    };
  }

  /** The path of the deepest field whose source holds `offset` (for syntax errors). */
  pathAt(offset: number): FieldPath {
    const path: (string | number)[] = [];
    let node: unknown = this.doc.contents;
    while (node !== null && node !== undefined) {
      let next: unknown;
      if (isMap(node)) {
        const pairStart = (item: unknown) =>
          isPair(item) ? (rangeStart(item.key) ?? rangeStart(item.value)) : undefined;
        const index = this.itemBefore(node, node.items, offset, pairStart);
        const candidates = index === -2 ? node.items : index === -1 ? [] : [node.items[index]!];
        for (const pair of candidates) {
          if (spans(pair.key, offset)) {
            path.push(this.keyText(pair.key));
            return path;
          }
          if (spans(pair.value, offset)) {
            path.push(this.keyText(pair.key));
            next = pair.value;
            break;
          }
        }
      } else if (isSeq(node)) {
        const found = this.itemBefore(node, node.items, offset, rangeStart);
        const index = found === -2 ? node.items.findIndex((item) => spans(item, offset)) : found;
        if (index >= 0 && spans(node.items[index], offset)) {
          path.push(index);
          next = node.items[index];
        }
      }
      node = next;
    }
    return path;
  }
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | null | undefined)?.range?.[0];
}

function spans(node: unknown, offset: number): boolean {
  const range = (node as Node | null)?.range;
  return (
    range !== undefined && range !== null && range[0] <= offset && offset < Math.max(range[2], range[0] + 1)
  );
}

function parseYaml(source: string): ParsedSource {
  // YAML 1.2 (and every editor) takes a lone CR for a line break; the yaml package reads it as
  // an ordinary character. One character for one, so offsets stay those of the file.
  const text = source.replace(/\r(?!\n)/g, '\n');
  const lexemes: string[] = [];
  const deepAt = yamlTooDeepAt(text, lexemes);
  if (deepAt !== undefined) {
    return { ok: false, cause: undefined, problems: [tooDeep(deepAt, [], excerpt(text, deepAt))] };
  }
  let docs: Document.Parsed[];
  try {
    const parser = new Parser();
    const composer = new Composer({ prettyErrors: false, logLevel: 'silent', uniqueKeys: true });
    const tokens = (function* () {
      for (const lexeme of lexemes) yield* parser.next(lexeme);
      yield* parser.end();
    })();
    docs = [...composer.compose(tokens, true, text.length)];
  } catch (error) {
    return { ok: false, cause: error, problems: [unreadableYaml(error)] };
  }
  const doc = docs[0]!;
  const reader = new YamlReader(doc);
  const problems: SyntaxProblem[] = doc.errors.map((error) => {
    const offset = error.pos[0];
    const path = reader.pathAt(offset);
    if (error.code === 'DUPLICATE_KEY') {
      return {
        code: 'duplicateKey',
        offset,
        path,
        expected: 'each key once in a mapping',
        found: path.length > 0 ? `${quote(String(path.at(-1)))} a second time` : excerpt(text, offset),
        message: 'duplicate key',
      } as const;
    }
    const message = clip(error.message, MAX_MESSAGE_LENGTH);
    return {
      code: 'syntaxError',
      offset,
      path,
      expected: 'valid YAML',
      found: excerpt(text, offset),
      message: `YAML syntax error: ${message.charAt(0).toLowerCase()}${message.slice(1)}`,
    } as const;
  });
  if (docs.length > 1) {
    problems.push({
      code: 'multipleDocuments',
      offset: docs[1]!.range[0],
      path: [],
      expected: 'one YAML document',
      found: docs.length === 2 ? 'a second document' : `${docs.length} documents`,
      message: 'a topology file holds one YAML document',
    });
  }
  if (problems.length > 0) return { ok: false, cause: doc.errors[0], problems };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    return { ok: false, cause: error, problems: [unreadableYaml(error)] };
  }
  return { ok: true, value, root: reader.sourceNode(doc.contents, 0) };
}

function unreadableYaml(error: unknown): SyntaxProblem {
  return {
    code: 'syntaxError',
    offset: 0,
    path: [],
    expected: 'a YAML document protmem can read',
    found: clip(error instanceof Error ? error.message : String(error), MAX_MESSAGE_LENGTH),
    message: 'the YAML document cannot be read',
  };
}
