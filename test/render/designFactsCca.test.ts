/**
 * The review page's facts of an Arm CCA design, which its Compare view lines up against the
 * other designs: the hypervisor, what translates DMA, the realms and their unprotected IPA.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { check } from '../../src/check/check.ts';
import { designFacts } from '../../src/render/designFacts.ts';
import { parseTopology } from '../../src/topology/load.ts';

const FILE = 'topologies/cca-realm-decrypt-host-display-shared.yaml';

describe('design facts of a CCA design', () => {
  it('names the RMM, the SMMU with the GPT, the realm and its unprotected window', () => {
    const loaded = parseTopology(readFileSync(FILE, 'utf8'), FILE);
    const report = check(loaded, {
      mode: 'exhaustive',
      runs: 1,
      maxDepth: 4,
      maxStates: 1000,
      seed: 0,
      properties: ['plaintextNeverReachesUntrusted'],
    });
    const facts = Object.fromEntries(designFacts(loaded.topology, report).map((f) => [f.aspect, f.value]));
    expect(facts).toMatchObject({
      hypervisor: 'Arm CCA: KVM host in the normal world, the RMM at R-EL2',
      IOMMU: "SMMU with the host's stage 2 (GPT-checked), or a realm's for an assigned device",
      'FF-A MEM_LEND': 'not modelled with Arm CCA',
      VMs: 'decrypt (realm)',
      'realm unprotected IPA': 'realm-shared',
    });
  });
});
