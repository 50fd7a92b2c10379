import { describe, expect, it } from 'vitest';
import type { Topology } from '../../src/topology/schema.ts';
import { spmcName, spmcProtectionWords, spmcProtects } from '../../src/topology/spmcLabel.ts';

function secureWorld(overrides: Partial<Topology['secureWorld']>): Topology['secureWorld'] {
  return {
    tee: true,
    spmc: 'none',
    protectsLentMemory: false,
    protmemHook: false,
    dumpCommand: false,
    ...overrides,
  };
}

describe('the FF-A manager in words', () => {
  it('names each manager, and none without one', () => {
    expect(spmcName(secureWorld({}))).toBeUndefined();
    expect(spmcName(secureWorld({ spmc: 'hafnium' }))).toBe('Hafnium SPMC');
    expect(spmcName(secureWorld({ spmc: 'optee' }))).toBe('OP-TEE SPMC');
    expect(spmcName(secureWorld({ spmc: 'el3spmc' }))).toBe('EL3 SPMC');
  });

  it("says OP-TEE protects through its hook and the others through the platform's PAS change", () => {
    expect(spmcProtects(secureWorld({ spmc: 'optee', protmemHook: true }))).toBe(true);
    expect(spmcProtects(secureWorld({ spmc: 'optee' }))).toBe(false);
    expect(spmcProtects(secureWorld({ spmc: 'el3spmc', protectsLentMemory: true }))).toBe(true);
    expect(spmcProtectionWords(secureWorld({ spmc: 'optee' }))).toContain('plat_set_protmem_range()');
    expect(spmcProtectionWords(secureWorld({ spmc: 'hafnium' }))).toBe(
      'moving lent memory to the secure PAS',
    );
  });
});
