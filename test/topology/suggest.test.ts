import { describe, expect, it } from 'vitest';
import { closestName, editDistance } from '../../src/topology/suggest.ts';

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
