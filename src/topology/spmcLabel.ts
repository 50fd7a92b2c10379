/**
 * How a design's FF-A memory manager is named in reports, diagrams and design facts, and the
 * words for how it protects lent memory (`machines/ffaSpmcVariants.ts`).
 */
import { spmcProtectsLend } from '../../machines/ffaSpmcVariants.ts';
import type { Topology } from './schema.ts';

type SecureWorld = Topology['secureWorld'];

const NAMES = { hafnium: 'Hafnium SPMC', optee: 'OP-TEE SPMC', el3spmc: 'EL3 SPMC' } as const;

/** The manager's name, or undefined when the design has none. */
export function spmcName(s: SecureWorld): string | undefined {
  return s.spmc === 'none' ? undefined : NAMES[s.spmc];
}

/** True iff the manager keeps lent memory from the lender (PAS change or OP-TEE's hook). */
export function spmcProtects(s: SecureWorld): boolean {
  return s.spmc !== 'none' && spmcProtectsLend(s.spmc, s.protectsLentMemory, s.protmemHook);
}

/** How the manager protects lent memory, in words: `moving lent memory to the secure PAS`. */
export function spmcProtectionWords(s: SecureWorld): string {
  return s.spmc === 'optee'
    ? 'protecting lent memory through plat_set_protmem_range()'
    : 'moving lent memory to the secure PAS';
}
