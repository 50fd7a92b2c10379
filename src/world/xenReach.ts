/**
 * Reach under Xen: a domain's CPU reaches its own pages through its p2m, and a foreign page only
 * through a grant mapping it holds (`map_grant_ref()` in xen/common/grant_table.c), read-write
 * only when the mapping set GTF_writing. A privileged dom0 reaches every page besides: the
 * toolstack maps any domain's frames with privcmd (`privcmd_ioctl_mmap_batch()` in Linux
 * drivers/xen/privcmd.c), which Xen on Arm serves with `XENMEM_add_to_physmap_batch` and
 * XENMAPSPACE_gmfn_foreign (`xenmem_add_to_physmap_one()` in xen/arch/arm/mm.c), checked only by
 * `xsm_map_gmfn_foreign(XSM_TARGET, ...)`: the dummy policy lets a privileged domain through.
 * Xen has no stage-2 ownership that could stop it, as pKVM's has.
 *
 * A device behind the IOMMU (`iommu: domain`) translates with its controlling domain's p2m, so
 * its DMA reaches what that domain's memory and grant mappings reach.
 */

import type { MachineSnapshot } from '../../machines/snapshot.ts';
import type { XenGrantEntryContext } from '../../machines/xenGrantEntryMachine.ts';
import { grantMappedBy, grantMappedWritable } from '../../machines/xenGrantEntryMachine.ts';
import type { WorldSnapshot } from '../../properties/model.ts';
import type { Access } from '../../properties/sdp/sdpModel.ts';

/** What Xen reach is computed from. */
export interface XenReachLayout {
  /** The owner of each page, by pfn: host (dom0) or a domU. */
  readonly owners: readonly string[];
  /** Every grant entry machine, with the page it grants. */
  readonly grants: readonly { readonly component: number; readonly page: number; readonly ref: number }[];
  readonly dom0Privileged: boolean;
}

const entry = (state: WorldSnapshot, component: number) =>
  state.parts[component] as MachineSnapshot<XenGrantEntryContext>;

/** Why `domain`'s CPU reaches the page under Xen, or undefined. */
export function xenCpuPath(
  xen: XenReachLayout,
  state: WorldSnapshot,
  pfn: number,
  domain: string,
  access: Access,
): string | undefined {
  if (xen.owners[pfn] === domain) return `CPU through ${domain === 'host' ? 'dom0' : domain}'s own p2m`;
  for (const grant of xen.grants) {
    if (grant.page !== pfn) continue;
    const snap = entry(state, grant.component);
    if (!grantMappedBy(snap, domain)) continue;
    const writable = grantMappedWritable(snap);
    if (access === 'write' && !writable) continue;
    return `CPU through grant ref ${grant.ref}, mapped ${writable ? 'read-write' : 'read-only'} (GNTTABOP_map_grant_ref)`;
  }
  if (domain === 'host' && xen.dom0Privileged)
    return 'CPU through a foreign mapping by privileged dom0 (privcmd IOCTL_PRIVCMD_MMAPBATCH_V2)';
  return undefined;
}

/** The grant entry components a page's Xen reach reads. */
export function xenReads(xen: XenReachLayout, pfn: number): number[] {
  return xen.grants.filter((g) => g.page === pfn).map((g) => g.component);
}
