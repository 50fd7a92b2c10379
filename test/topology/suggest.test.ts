import { describe, expect, it } from 'vitest';
import { closestName, didYouMean, editDistance, MAX_SUGGESTION_INPUT } from '../../src/topology/suggest.ts';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and neighbour swaps as one edit each', () => {
    expect(editDistance('vdec', 'vdec')).toBe(0);
    expect(editDistance('vdc', 'vdec')).toBe(1);
    expect(editDistance('vdecc', 'vdec')).toBe(1);
    expect(editDistance('vdex', 'vdec')).toBe(1);
    expect(editDistance('vedc', 'vdec')).toBe(1);
    expect(editDistance('', 'dpu')).toBe(3);
  });
});

describe('closestName', () => {
  it('suggests a near miss, ignoring case', () => {
    expect(closestName('identiy', ['bypass', 'identity', 'domain'])).toBe('identity');
    expect(closestName('lendtreatedasshare', ['lendTreatedAsShare', 'noScrubOnFree'])).toBe(
      'lendTreatedAsShare',
    );
  });

  it('suggests nothing when no candidate is close', () => {
    expect(closestName('framebuffer', ['vdec', 'dpu'])).toBeUndefined();
    expect(closestName('x', [])).toBeUndefined();
  });
});

describe('suggestions for long names', () => {
  it('are not looked for when the name is longer than the limit', () => {
    const long = 'x'.repeat(MAX_SUGGESTION_INPUT - 1);
    expect(closestName(`${long}a`, [long])).toBe(long);
    expect(closestName(`${long}xa`, [`${long}x`])).toBeUndefined();
    expect(didYouMean('s'.repeat(2_000_000), ['system'])).toBe('');
  });

  it('skip candidates too far from the name in length to be close', () => {
    expect(closestName('vdec', ['v'.repeat(2_000_000), 'vdex'])).toBe('vdex');
  });
});
