/**
 * Reach under Arm CCA, in the catalog's CCA designs: a realm's DATA granules only by that realm
 * (and the device assigned to it), an NS granule of its unprotected window by the host and its
 * devices too, a destroyed granule by nobody, an undelegated one by the host, scrubbed unless
 * the RMM's DATA_DESTROY forgets to zero it; and the RMI refusals of the host's teardown steps.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ContentLabel, plaintextStreams } from '../../machines/contentLabel.ts';
import { accessPaths } from '../../properties/sdp/access.ts';
import { parseTopology } from '../../src/topology/load.ts';
import { composeWorld } from '../../src/world/compose.ts';
import type { WorldState } from '../../src/world/world.ts';
import { applied, appliedAll, deliveryOutcome, stepOf } from '../support/tinyWorld.ts';

const SHARED = 'topologies/cca-realm-decrypt-host-display-shared.yaml';
const ASSIGNED = 'topologies/cca-realm-decrypt-assigned-display.yaml';
const NO_SCRUB = 'topologies/cca-realm-undelegate-without-scrub.yaml';

function harness(file: string) {
  const sdp = composeWorld(parseTopology(readFileSync(file, 'utf8'), file).topology);
  const pfn = (label: string) => sdp.model.pages.find((p) => p.label === label)!.pfn;
  return {
    sdp,
    pfn,
    reach: (state: WorldState, label: string, access: 'read' | 'write') =>
      accessPaths(sdp.model, state, pfn(label), access).map((p) => `${p.party}: ${p.via}`),
  };
}

const frame = 'realm-ram:1';
const args = { buffer: 'frame', realm: 'decrypt' };

describe('cca reach', () => {
  it("gives a realm's DATA granule to the realm and its assigned display only", () => {
    const { sdp, reach } = harness(ASSIGNED);
    expect(reach(sdp.world.initial, frame, 'read')).toEqual([
      "decrypt: CPU through decrypt's protected IPA (DATA granule, RIPAS RAM)",
      "dpu: DMA of a device assigned to decrypt, with its stage 2 (CPU through decrypt's protected IPA (DATA granule, RIPAS RAM))",
    ]);
  });

  it('gives an unprotected-window page to the realm, the host and the host-driven display', () => {
    const { sdp, reach } = harness(SHARED);
    expect(reach(sdp.world.initial, 'realm-shared:0', 'read')).toEqual([
      'host: CPU, an NS granule (GPT: Non-secure PAS)',
      "decrypt: CPU through decrypt's unprotected IPA (RMI_RTT_MAP_UNPROTECTED)",
      'dpu: DMA to the Non-secure PAS (the SMMU checks the GPT)',
    ]);
  });

  it('gives a destroyed granule to nobody, and an undelegated one to the host, zeroed', () => {
    const { sdp, reach, pfn } = harness(ASSIGNED);
    const decrypted = appliedAll(sdp.world, sdp.world.initial, [
      ['WRITE_CIPHERTEXT', { buffer: 'ciphertext' }],
      ['CDM_DECRYPT', { input: 'ciphertext', output: 'frame' }],
    ]);
    const destroyed = applied(sdp.world, decrypted, stepOf(sdp.world, 'RMI_DATA_DESTROY', args));
    expect(reach(destroyed, frame, 'read')).toEqual([]);
    const undelegated = applied(sdp.world, destroyed, stepOf(sdp.world, 'RMI_GRANULE_UNDELEGATE', args));
    expect(reach(undelegated, frame, 'read')).toEqual([
      'host: CPU, an NS granule (GPT: Non-secure PAS)',
      'dma-engine: DMA to the Non-secure PAS (the SMMU checks the GPT)',
    ]);
    const content = sdp.model.pages[pfn(frame)]!.content;
    expect(plaintextStreams(undelegated.parts[content]!.context as ContentLabel)).toEqual([]);
  });

  it('refuses to undelegate a DATA granule (RMI_ERROR_INPUT)', () => {
    const { sdp } = harness(ASSIGNED);
    const step = stepOf(sdp.world, 'RMI_GRANULE_UNDELEGATE', args);
    expect(sdp.world.apply(sdp.world.initial, step)).toBeUndefined();
    expect(deliveryOutcome(sdp.world, sdp.world.initial, step.plan(sdp.world.initial)!)).toBe(
      'granule:1 RMI_ERROR_INPUT',
    );
  });

  it('hands the host the frame in plaintext when DATA_DESTROY does not zero it', () => {
    const { sdp, pfn } = harness(NO_SCRUB);
    const leaked = appliedAll(sdp.world, sdp.world.initial, [
      ['WRITE_CIPHERTEXT', { buffer: 'ciphertext' }],
      ['CDM_DECRYPT', { input: 'ciphertext', output: 'frame' }],
      ['RMI_DATA_DESTROY', args],
      ['RMI_GRANULE_UNDELEGATE', args],
    ]);
    const content = sdp.model.pages[pfn(frame)]!.content;
    expect(plaintextStreams(leaked.parts[content]!.context as ContentLabel)).toEqual(['movie']);
  });
});
