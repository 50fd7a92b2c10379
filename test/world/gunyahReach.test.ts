/**
 * Reach under Gunyah, in the catalog's Gunyah designs: a VM's own pages, a lend that takes them
 * from the owner, an accept that maps them into an ACL VM with its rights (and into the display
 * behind the SMMU with its controller's stage-2), a share that keeps the owner mapped, a reclaim
 * refused while a VM has the parcel accepted, and an accept by a VM the ACL does not name.
 */
import { describe, expect, it } from 'vitest';
import { reachHarness as harness } from '../support/reachHarness.ts';
import { applied, appliedAll, stepOf } from '../support/tinyWorld.ts';

const LEND = 'topologies/gunyah-cluster-memparcel-lend-display.yaml';
const SHARE = 'topologies/gunyah-parcel-reclaim-before-release.yaml';
const HOST = 'topologies/gunyah-cluster-memparcel-acl-admits-host.yaml';

const frame = 'infotainment-ram:1';
const owner = { buffer: 'frame', domain: 'infotainment' };
const cluster = { buffer: 'frame', domain: 'cluster' };

describe('gunyah reach', () => {
  it('gives a VM its own pages, and HLOS nothing of them', () => {
    const { sdp, reach } = harness(LEND);
    expect(reach(sdp.world.initial, frame, 'read')).toEqual([
      "infotainment: CPU through infotainment's own stage-2",
    ]);
  });

  it('a lend unmaps the owner; the accept maps the cluster and its display; reclaim waits for the release', () => {
    const { sdp, reach } = harness(LEND);
    const world = sdp.world;
    const lent = applied(world, world.initial, stepOf(world, 'MEM_LEND', owner));
    expect(reach(lent, frame, 'read')).toEqual([]);
    const accepted = applied(world, lent, stepOf(world, 'MEM_ACCEPT', cluster));
    expect(reach(accepted, frame, 'write')).toEqual([
      'cluster: CPU through memparcel 0, accepted read-write (MEM_ACCEPT)',
      "dpu: DMA through the SMMU with cluster's stage-2 (CPU through memparcel 0, accepted read-write (MEM_ACCEPT))",
    ]);
    expect(world.apply(accepted, stepOf(world, 'MEM_RECLAIM', owner))).toBeUndefined();
    const back = appliedAll(world, accepted, [
      ['MEM_RELEASE', cluster],
      ['MEM_RECLAIM', owner],
    ]);
    expect(reach(back, frame, 'read')).toEqual([
      "infotainment: CPU through infotainment's own stage-2 (memparcel 0 reclaimed, MEM_RECLAIM)",
    ]);
  });

  it('refuses HLOS an accept of a parcel whose access list does not name it', () => {
    const { sdp } = harness(LEND);
    const world = sdp.world;
    const lent = applied(world, world.initial, stepOf(world, 'MEM_LEND', owner));
    expect(
      world.apply(lent, stepOf(world, 'MEM_ACCEPT', { buffer: 'frame', domain: 'host' })),
    ).toBeUndefined();
  });

  it('lets HLOS read the frame once it accepts a parcel that names it', () => {
    const { sdp, reach } = harness(HOST);
    const world = sdp.world;
    const accepted = appliedAll(world, world.initial, [
      ['MEM_LEND', owner],
      ['MEM_ACCEPT', { buffer: 'frame', domain: 'host' }],
    ]);
    expect(reach(accepted, frame, 'read')).toEqual([
      'host: CPU through memparcel 0, accepted read-only (MEM_ACCEPT)',
    ]);
    expect(reach(accepted, frame, 'write')).toEqual([]);
  });

  it('a share keeps the owner mapped, and the cluster gets read-only rights', () => {
    const { sdp, reach } = harness(SHARE);
    const world = sdp.world;
    const accepted = appliedAll(world, world.initial, [
      ['MEM_SHARE', owner],
      ['MEM_ACCEPT', cluster],
    ]);
    expect(reach(accepted, frame, 'write').map((p) => p.split(':')[0])).toEqual(['infotainment']);
    expect(reach(accepted, frame, 'read')).toContain(
      'cluster: CPU through memparcel 0, accepted read-only (MEM_ACCEPT)',
    );
  });
});
