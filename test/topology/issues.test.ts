/**
 * The words of a problem: values and paths from the file are quoted by a bounded prefix, so a
 * huge value makes a short message.
 */
import { describe, expect, it } from 'vitest';
import {
  describeValue,
  formatFieldPath,
  listWords,
  MAX_PATH_LENGTH,
  MAX_QUOTED_LENGTH,
  quote,
} from '../../src/topology/issues.ts';
import { partyOf } from '../../src/topology/problems.ts';

describe('quote', () => {
  it('quotes short text whole, as JSON', () => {
    expect(quote('vdec')).toBe('"vdec"');
    expect(quote('a "b"\n')).toBe('"a \\"b\\"\\n"');
  });

  it(`quotes at most ${MAX_QUOTED_LENGTH} characters of long text`, () => {
    expect(quote('x'.repeat(MAX_QUOTED_LENGTH))).toBe(`"${'x'.repeat(MAX_QUOTED_LENGTH)}"`);
    expect(quote('x'.repeat(2_000_000))).toBe(`"${'x'.repeat(MAX_QUOTED_LENGTH)}..."`);
  });

  it('does not split a character made of two UTF-16 units', () => {
    const text = `${'x'.repeat(MAX_QUOTED_LENGTH - 1)}😀${'y'.repeat(10)}`;
    expect(quote(text)).toBe(`"${'x'.repeat(MAX_QUOTED_LENGTH - 1)}..."`);
  });
});

describe('describeValue', () => {
  it('quotes strings by a bounded prefix and names other values by kind', () => {
    expect(describeValue('a'.repeat(2_000_000))).toBe(`"${'a'.repeat(MAX_QUOTED_LENGTH)}..."`);
    expect(describeValue([1])).toBe('a list');
    expect(describeValue({})).toBe('a mapping');
    expect(describeValue(undefined)).toBe('nothing');
  });
});

describe('formatFieldPath', () => {
  it('writes keys and indices as a JavaScript-like path', () => {
    expect(formatFieldPath(['devices', 1, 'controlledBy'])).toBe('devices[1].controlledBy');
    expect(formatFieldPath(['memory', 0, 'a b'])).toBe('memory[0]["a b"]');
    expect(formatFieldPath(['$schema'])).toBe('$schema');
  });

  it('quotes a long key by its start', () => {
    expect(formatFieldPath(['virtio', 'k'.repeat(2_000_000)])).toBe(
      `virtio["${'k'.repeat(MAX_QUOTED_LENGTH)}..."]`,
    );
  });

  it(`elides the middle of a path longer than ${MAX_PATH_LENGTH} characters`, () => {
    const path = ['list', ...Array.from({ length: 100 }, (_, index) => index), 'name'];
    const text = formatFieldPath(path);
    expect(text.length).toBeLessThanOrEqual(MAX_PATH_LENGTH);
    expect(text).toMatch(/^list\[\.\.\.\](\[\d+\])+\.name$/);
    expect(text.endsWith('[98][99].name')).toBe(true);
    const long = formatFieldPath(['a'.repeat(500), 'b'.repeat(500), 'c'.repeat(500)]);
    expect(long.length).toBeLessThanOrEqual(MAX_PATH_LENGTH);
    expect(long).toBe(`["${'a'.repeat(40)}..."][...]["${'c'.repeat(40)}..."]`);
  });
});

describe('listWords', () => {
  it('joins a few words', () => {
    expect(listWords(['a', 'b', 'c'], 'or')).toBe('a, b or c');
    expect(listWords(Array.from({ length: 12 }, (_, index) => `n${index}`))).toBe(
      'n0, n1, n2, n3, n4, n5, n6, n7, n8, n9, ...',
    );
  });

  it('shortens long words and stops before the list grows long', () => {
    const words = Array.from({ length: 10 }, (_, index) => `${index}${'w'.repeat(2_000_000)}`);
    const text = listWords(words, 'or');
    expect(text.length).toBeLessThan(400);
    expect(text.startsWith(`0${'w'.repeat(MAX_QUOTED_LENGTH - 1)}..., 1`)).toBe(true);
    expect(text.endsWith(', ...')).toBe(true);
  });
});

describe('partyOf', () => {
  it('lists the fixed parties, then the declared VMs', () => {
    expect(partyOf(['host', 'secure'], ['decrypt', 'player'])).toBe(
      'host, secure or a declared VM (decrypt or player)',
    );
    expect(partyOf([], [])).toBe('a VM (none are declared)');
  });

  it('shortens a long party name, as the fuzzer found a secure app named by 1.9 million characters', () => {
    const text = partyOf([`ui${'x'.repeat(2_000_000)}`, 'secure'], ['decrypt']);
    expect(text.length).toBeLessThan(200);
    expect(text.endsWith('..., secure or a declared VM (decrypt)')).toBe(true);
  });
});
