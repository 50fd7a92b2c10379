/**
 * The JSON reader behind `.json` topologies: it accepts exactly what `JSON.parse` accepts,
 * yields the same value, and says where each key and value starts and where syntax breaks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, parseJsonSource } from '../../src/topology/jsonSource.ts';
import { locate } from '../../src/topology/source.ts';

const SEED = 20261125;

function syntaxErrorOf(text: string): JsonSyntaxError {
  try {
    parseJsonSource(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) return error;
    throw error;
  }
  throw new Error(`parsed: ${text}`);
}

describe('parseJsonSource', () => {
  it('yields what JSON.parse yields for any JSON text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(undefined, 2, '\t'), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        expect(parseJsonSource(text).value).toStrictEqual(JSON.parse(text));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('accepts a string exactly when JSON.parse does', () => {
    const nearJson = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'{}[]",:0123456789-+.eEtrufalsn \\\n'.split('')) }),
      fc.json().map((text) => text.slice(0, -1)),
      fc
        .json()
        .chain((text) => fc.nat(text.length).map((cut) => `${text.slice(0, cut)}${text.slice(cut + 1)}`)),
    );
    fc.assert(
      fc.property(nearJson, (text) => {
        let accepted: boolean;
        try {
          JSON.parse(text);
          accepted = true;
        } catch {
          accepted = false;
        }
        if (accepted) expect(parseJsonSource(text).value).toStrictEqual(JSON.parse(text));
        else expect(() => parseJsonSource(text)).toThrow(JsonSyntaxError);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('keeps "__proto__" as an ordinary key, as JSON.parse does', () => {
    const { value } = parseJsonSource('{"__proto__": {"polluted": true}}');
    expect(Object.keys(value as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('says where keys and values start', () => {
    const text = '{\n  "devices": [\n    {"name": "vdec", "role": 3}\n  ]\n}';
    const { root } = parseJsonSource(text);
    expect(locate(root, ['devices', 0, 'role'])).toBe(text.indexOf('3'));
    expect(locate(root, ['devices', 0, 'role'], 'key')).toBe(text.indexOf('"role"'));
    expect(locate(root, ['devices', 0, 'missing'])).toBe(text.indexOf('{"name"'));
    expect(locate(root, ['nothing', 'here'])).toBe(0);
  });

  it('reports a trailing comma at the closing brace, expecting a key', () => {
    const error = syntaxErrorOf('{"a": 1,}');
    expect({ offset: error.offset, expected: error.expected, found: error.found }).toEqual({
      offset: 8,
      expected: 'a double-quoted key',
      found: '"}"',
    });
  });

  it('reports an unterminated document at its end, with the path reached', () => {
    const error = syntaxErrorOf('{"buffers": [{"name": "in"');
    expect(error.offset).toBe(26);
    expect(error.path).toEqual(['buffers', 0]);
    expect(error.expected).toBe('"," or "}"');
    expect(error.found).toBe('the end of the file');
  });

  it('refuses unescaped control characters in strings', () => {
    expect(syntaxErrorOf('"a\nb"').found).toBe('control character U+000A');
  });

  it('collects duplicate keys with their paths', () => {
    const { duplicates } = parseJsonSource('{"vms": [{"name": "a", "name": "b"}]}');
    expect(duplicates).toEqual([{ key: 'name', path: ['vms', 0, 'name'], offset: 23 }]);
  });

  it('refuses nesting deeper than it can report on', () => {
    expect(syntaxErrorOf('['.repeat(10_000)).expected).toBe('at most 200 levels of nesting');
  });
});
