/**
 * Regression: after the host force-reclaimed a protected guest's page
 * (`__pkvm_host_force_reclaim_page_guest()`: the guest PTE is poisoned, the host owns the page),
 * the composed world still let the guest write ciphertext into it and decrypt from it. Root
 * cause: the guest's CPU steps (WRITE_CIPHERTEXT, CDM_DECRYPT, the swiotlb bounce copy) were
 * planned from the guest holding the buffer, without asking whether its stage-2 still maps the
 * pages. They now need a CPU path of the guest to every page they read or write.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accessPaths } from '../../properties/sdp/access.ts';
import { parseTopology } from '../../src/topology/load.ts';
import { composeWorld } from '../../src/world/compose.ts';
import type { StepArgs, WorldState } from '../../src/world/world.ts';

const DESIGN = 'topologies/pkvm-pvm-decrypt-host-display-upstream.yaml';

function harness() {
  const sdp = composeWorld(parseTopology(readFileSync(DESIGN, 'utf8'), DESIGN).topology);
  const apply = (state: WorldState, call: string, args: StepArgs) => {
    const step = sdp.world.findStep(call, args);
    if (!step) throw new Error(`no step ${call} ${JSON.stringify(args)}`);
    return sdp.world.apply(state, step);
  };
  return { sdp, apply };
}

describe('a force-reclaimed guest page', () => {
  it('is no longer written by its guest', () => {
    const { sdp, apply } = harness();
    const ciphertextPage = sdp.layout.buffers.find((b) => b.name === 'ciphertext')!.pages[0]!;
    expect(apply(sdp.world.initial, 'WRITE_CIPHERTEXT', { buffer: 'ciphertext' })).toBeDefined();
    const reclaimed = apply(sdp.world.initial, 'FORCE_RECLAIM_GUEST_PAGE', { page: ciphertextPage })!;
    expect(
      accessPaths(sdp.model, reclaimed, ciphertextPage, 'write').map((path) => path.party),
    ).not.toContain('decrypt');
    expect(apply(reclaimed, 'WRITE_CIPHERTEXT', { buffer: 'ciphertext' })).toBeUndefined();
  });

  it('is no longer read by its guest to decrypt', () => {
    const { sdp, apply } = harness();
    const ciphertextPage = sdp.layout.buffers.find((b) => b.name === 'ciphertext')!.pages[0]!;
    const written = apply(sdp.world.initial, 'WRITE_CIPHERTEXT', { buffer: 'ciphertext' })!;
    expect(apply(written, 'CDM_DECRYPT', { input: 'ciphertext', output: 'frame' })).toBeDefined();
    const reclaimed = apply(written, 'FORCE_RECLAIM_GUEST_PAGE', { page: ciphertextPage })!;
    expect(apply(reclaimed, 'CDM_DECRYPT', { input: 'ciphertext', output: 'frame' })).toBeUndefined();
  });
});
