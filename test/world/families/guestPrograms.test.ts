/**
 * A protected VM's program in the composed world: its pipeline stages wait for their entry, its
 * memory calls go to every page of the buffer from a loaded vCPU, and the order decides who can
 * read the frame.
 */
import { describe, expect, it } from 'vitest';
import { loadTopologyFile } from '../../../src/topology/load.ts';
import { composeWorld, type SdpWorld } from '../../../src/world/compose.ts';
import type { WorldState } from '../../../src/world/world.ts';
import { appliedAll, stepOf } from '../../support/tinyWorld.ts';

async function compose(file: string): Promise<SdpWorld> {
  return composeWorld((await loadTopologyFile(`topologies/${file}.yaml`)).topology);
}

const UNSHARE_FIRST = await compose('pkvm-pvm-unshare-then-decrypt');
const FRAME = 1;

const hostReads = ({ model }: SdpWorld, state: WorldState) =>
  model.reach.paths(state, FRAME, 'read').some((path) => path.party === 'host');

describe('program order', () => {
  const { world } = UNSHARE_FIRST;
  const decrypt = () => stepOf(world, 'CDM_DECRYPT', { input: 'ciphertext', output: 'frame', entry: 4 });

  it('keeps a stage back until its entry', () => {
    const written = appliedAll(world, world.initial, [
      ['WRITE_CIPHERTEXT', { buffer: 'ciphertext', entry: 1 }],
    ]);
    expect(world.apply(written, decrypt())).toBeUndefined();
  });

  it('needs a loaded vCPU for a hypercall', () => {
    const written = appliedAll(world, world.initial, [
      ['WRITE_CIPHERTEXT', { buffer: 'ciphertext', entry: 1 }],
    ]);
    const share = stepOf(world, 'MEM_SHARE', { vm: 'decrypt', buffer: 'frame', entry: 2 });
    expect(world.apply(written, share)).toBeUndefined();
  });

  it('shares the page with the host, then takes it back before the decrypt', () => {
    const shared = appliedAll(world, world.initial, [
      ['VCPU_LOAD', { vm: 'decrypt' }],
      ['WRITE_CIPHERTEXT', { buffer: 'ciphertext', entry: 1 }],
      ['MEM_SHARE', { vm: 'decrypt', buffer: 'frame', entry: 2 }],
    ]);
    expect(hostReads(UNSHARE_FIRST, shared)).toBe(true);
    const unshared = appliedAll(world, shared, [
      ['MEM_UNSHARE', { vm: 'decrypt', buffer: 'frame', entry: 3 }],
    ]);
    expect(hostReads(UNSHARE_FIRST, unshared)).toBe(false);
    expect(world.apply(unshared, decrypt())).toBeDefined();
  });
});
