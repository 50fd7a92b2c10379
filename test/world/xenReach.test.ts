/**
 * Reach under Xen, in the catalog's Xen designs: a domain's own pages, a grant mapping (read-only
 * or read-write, and only while mapped), a privileged dom0's foreign mappings, and a device
 * behind the IOMMU with its controller's p2m; plus the grant and gntdev steps' refusals.
 */
import { describe, expect, it } from 'vitest';
import { noDanglingAccessAfterRelease } from '../../properties/sdp/noDanglingAccessAfterRelease.ts';
import { reachHarness as harness } from '../support/reachHarness.ts';
import { applied, appliedAll, stepOf } from '../support/tinyWorld.ts';

const SOUND = 'topologies/xen-cluster-gntdev-display.yaml';
const PRIVILEGED = 'topologies/xen-cluster-gntdev-dom0-privileged.yaml';
const FREES = 'topologies/xen-cluster-frontend-frees-mapped-grant.yaml';

const frame = 'infotainment-ram:1';
const args = { buffer: 'frame', domain: 'cluster' };

describe('xen reach', () => {
  it('gives a domU its own pages, and nobody else anything before a grant is mapped', () => {
    const { sdp, reach } = harness(SOUND);
    expect(reach(sdp.world.initial, frame, 'read')).toEqual([
      "infotainment: CPU through infotainment's own p2m",
    ]);
  });

  it('gives the grantee and its IOMMU-translated display the frame once gntdev maps the grant', () => {
    const { sdp, reach } = harness(SOUND);
    const exported = applied(
      sdp.world,
      sdp.world.initial,
      stepOf(sdp.world, 'IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS', args),
    );
    expect(reach(exported, frame, 'read')).toEqual([
      "infotainment: CPU through infotainment's own p2m",
      'cluster: CPU through grant ref 8, mapped read-write (GNTTABOP_map_grant_ref)',
      "dpu: DMA through the IOMMU with cluster's p2m (CPU through grant ref 8, mapped read-write (GNTTABOP_map_grant_ref))",
    ]);
    const released = applied(sdp.world, exported, stepOf(sdp.world, 'DMA_BUF_RELEASE', args));
    expect(reach(released, frame, 'read')).toHaveLength(1);
  });

  it('maps a read-only grant read-only, and gntdev cannot export it (GNTST_general_error)', () => {
    const { sdp } = harness(SOUND, (text) =>
      text.replace('      to: cluster\n', '      to: cluster\n      readonly: true\n'),
    );
    const gntdev = stepOf(sdp.world, 'IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS', args);
    expect(sdp.world.apply(sdp.world.initial, gntdev)).toBeUndefined();
    const plain = harness(SOUND, (text) =>
      text
        .replace('      to: cluster\n', '      to: cluster\n      readonly: true\n')
        .replace('  gntdevExports:\n    - buffer: frame\n      by: cluster\n', ''),
    );
    const mapped = applied(
      plain.sdp.world,
      plain.sdp.world.initial,
      stepOf(plain.sdp.world, 'GNTTABOP_MAP_GRANT_REF', args),
    );
    expect(plain.reach(mapped, frame, 'read')).toContain(
      'cluster: CPU through grant ref 8, mapped read-only (GNTTABOP_map_grant_ref)',
    );
    expect(plain.reach(mapped, frame, 'write').map((path) => path.split(':')[0])).toEqual(['infotainment']);
  });

  it('refuses dom0 a map of a grant that names the cluster, and the granter an end while mapped', () => {
    const { sdp } = harness(SOUND);
    const world = sdp.world;
    expect(
      world.apply(
        world.initial,
        stepOf(world, 'GNTTABOP_MAP_GRANT_REF', { buffer: 'frame', domain: 'host' }),
      ),
    ).toBeUndefined();
    const exported = applied(world, world.initial, stepOf(world, 'IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS', args));
    const end = stepOf(world, 'GNTTAB_END_FOREIGN_ACCESS_REF', { buffer: 'frame', domain: 'infotainment' });
    expect(world.apply(exported, end)).toBeUndefined();
    const deferred = appliedAll(world, exported, [
      ['GNTTAB_END_FOREIGN_ACCESS', { buffer: 'frame', domain: 'infotainment' }],
      ['DMA_BUF_RELEASE', args],
    ]);
    expect(world.apply(deferred, stepOf(world, 'IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS', args))).toBeUndefined();
  });

  it('gives a privileged dom0 every page through a foreign mapping', () => {
    const { sdp, reach } = harness(PRIVILEGED);
    expect(reach(sdp.world.initial, frame, 'write')).toEqual([
      'host: CPU through a foreign mapping by privileged dom0 (privcmd IOCTL_PRIVCMD_MMAPBATCH_V2)',
      "infotainment: CPU through infotainment's own p2m",
    ]);
  });

  it('reports a grant mapping that outlives its freed page (noDanglingAccessAfterRelease)', () => {
    const dangling = (file: string) => {
      const { sdp } = harness(file);
      const world = sdp.world;
      const exported = applied(
        world,
        world.initial,
        stepOf(world, 'IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS', args),
      );
      const free = stepOf(world, 'FREE_GRANTED_PAGE', { buffer: 'frame', domain: 'infotainment' });
      const freed = world.apply(exported, free);
      return freed === undefined ? undefined : noDanglingAccessAfterRelease.world!(freed, sdp.model);
    };
    expect(dangling(SOUND)).toBeUndefined();
    expect(dangling(FREES)).toEqual([
      {
        property: 'noDanglingAccessAfterRelease',
        subject: `page ${frame}`,
        parties: ['cluster'],
        expected: 'no reference after free or teardown',
        actual: 'freed by infotainment while cluster still maps it through grant ref 8',
      },
    ]);
  });
});
