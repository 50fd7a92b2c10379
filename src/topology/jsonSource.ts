/**
 * A strict JSON parser (RFC 8259, as `JSON.parse` accepts it) that remembers where each value
 * and key starts, so problems in a `.json` topology point at a line and column, and a syntax
 * error says what was expected at the exact offset. Duplicate keys are collected, not
 * rejected: the loader reports them like YAML's.
 */
import type { FieldPath } from './issues.ts';

/** A value in a source document, with where it starts and a way to reach its children. */
export interface SourceNode {
  /** Offset of the value's first character. */
  readonly start: number;
  /** The entry under a mapping key or list index, if there is one. */
  child(segment: string | number): SourceEntry | undefined;
}

export interface SourceEntry {
  /** Offset of the key (of the item itself, for list items). */
  readonly keyStart: number;
  readonly node: SourceNode;
}

export class JsonSyntaxError extends SyntaxError {
  readonly offset: number;
  readonly path: FieldPath;
  readonly expected: string;
  readonly found: string;

  constructor(offset: number, path: FieldPath, expected: string, found: string) {
    super(`expected ${expected}, found ${found} at offset ${offset}`);
    this.name = 'JsonSyntaxError';
    this.offset = offset;
    this.path = path;
    this.expected = expected;
    this.found = found;
  }
}

/** Lists and objects nested deeper than `MAX_NESTING_DEPTH`: refused before the stack is at risk. */
export class JsonNestingError extends JsonSyntaxError {
  constructor(offset: number, path: FieldPath, found: string) {
    super(offset, path, `at most ${MAX_NESTING_DEPTH} levels of nesting`, found);
    this.name = 'JsonNestingError';
  }
}

export interface DuplicateKey {
  readonly key: string;
  readonly path: FieldPath;
  readonly offset: number;
}

export interface ParsedJson {
  readonly value: unknown;
  readonly root: SourceNode;
  readonly duplicates: readonly DuplicateKey[];
}

/**
 * Lists and mappings nested deeper than any topology needs (YAML and JSON alike); refused
 * rather than risking the call stack.
 */
export const MAX_NESTING_DEPTH = 200;

const leaf = (start: number): SourceNode => ({ start, child: () => undefined });
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

class JsonParser {
  private pos = 0;
  private readonly path: (string | number)[] = [];
  readonly duplicates: DuplicateKey[] = [];

  constructor(private readonly text: string) {}

  document(): { value: unknown; root: SourceNode } {
    this.skipWhitespace();
    const parsed = this.value();
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail('the end of the document');
    return parsed;
  }

  private fail(expected: string): never {
    throw new JsonSyntaxError(this.pos, [...this.path], expected, this.describeHere());
  }

  private describeHere(): string {
    if (this.pos >= this.text.length) return 'the end of the file';
    const code = this.text.codePointAt(this.pos)!;
    if (code < 0x20) return `control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    return JSON.stringify(String.fromCodePoint(code));
  }

  private skipWhitespace(): void {
    for (;;) {
      const c = this.text[this.pos];
      if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') return;
      this.pos++;
    }
  }

  private value(): { value: unknown; root: SourceNode } {
    const start = this.pos;
    const c = this.text[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return { value: this.string(), root: leaf(start) };
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return { value, root: leaf(start) };
      }
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = this.pos;
      const match = NUMBER.exec(this.text);
      if (match === null) {
        this.pos++;
        this.fail('a digit');
      }
      this.pos += match[0].length;
      return { value: Number(match[0]), root: leaf(start) };
    }
    this.fail('a JSON value (object, array, string, number, true, false or null)');
  }

  private enter(): void {
    if (this.path.length >= MAX_NESTING_DEPTH) {
      throw new JsonNestingError(this.pos, [...this.path], this.describeHere());
    }
  }

  private object(): { value: unknown; root: SourceNode } {
    const start = this.pos;
    const value: Record<string, unknown> = {};
    const entries = new Map<string, SourceEntry>();
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
    } else {
      for (;;) {
        if (this.text[this.pos] !== '"') this.fail('a double-quoted key');
        const keyStart = this.pos;
        const key = this.string();
        this.skipWhitespace();
        if (this.text[this.pos] !== ':') this.fail('":" after the key');
        this.pos++;
        this.skipWhitespace();
        this.path.push(key);
        this.enter();
        const entry = this.value();
        this.path.pop();
        if (Object.hasOwn(value, key))
          this.duplicates.push({ key, path: [...this.path, key], offset: keyStart });
        Object.defineProperty(value, key, {
          value: entry.value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
        entries.set(key, { keyStart, node: entry.root });
        this.skipWhitespace();
        const next = this.text[this.pos];
        if (next === '}') {
          this.pos++;
          break;
        }
        if (next !== ',') this.fail('"," or "}"');
        this.pos++;
        this.skipWhitespace();
      }
    }
    const child = (segment: string | number) => entries.get(String(segment));
    return { value, root: { start, child } };
  }

  private array(): { value: unknown; root: SourceNode } {
    const start = this.pos;
    const value: unknown[] = [];
    const items: SourceNode[] = [];
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
    } else {
      for (;;) {
        this.path.push(value.length);
        this.enter();
        const item = this.value();
        this.path.pop();
        value.push(item.value);
        items.push(item.root);
        this.skipWhitespace();
        const next = this.text[this.pos];
        if (next === ']') {
          this.pos++;
          break;
        }
        if (next !== ',') this.fail('"," or "]"');
        this.pos++;
        this.skipWhitespace();
      }
    }
    const child = (segment: string | number) => {
      const node = typeof segment === 'number' ? items[segment] : undefined;
      return node === undefined ? undefined : { keyStart: node.start, node };
    };
    return { value, root: { start, child } };
  }

  private string(): string {
    this.pos++;
    let result = '';
    let chunkStart = this.pos;
    for (;;) {
      const code = this.text.charCodeAt(this.pos);
      if (Number.isNaN(code)) this.fail('a closing double quote');
      if (code === 0x22) {
        result += this.text.slice(chunkStart, this.pos);
        this.pos++;
        return result;
      }
      if (code < 0x20) this.fail('a closing double quote (control characters must be escaped)');
      if (code === 0x5c) {
        result += this.text.slice(chunkStart, this.pos);
        this.pos++;
        const escaped = this.text[this.pos];
        if (escaped === 'u') {
          const hex = this.text.slice(this.pos + 1, this.pos + 5);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('four hex digits after \\u');
          result += String.fromCharCode(Number.parseInt(hex, 16));
          this.pos += 5;
        } else if (escaped !== undefined && Object.hasOwn(ESCAPES, escaped)) {
          result += ESCAPES[escaped];
          this.pos++;
        } else {
          this.fail('an escape: \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX');
        }
        chunkStart = this.pos;
        continue;
      }
      this.pos++;
    }
  }
}

/** Parses JSON text; throws `JsonSyntaxError` at the first syntax error. */
export function parseJsonSource(text: string): ParsedJson {
  const parser = new JsonParser(text);
  const { value, root } = parser.document();
  return { value, root, duplicates: parser.duplicates };
}
