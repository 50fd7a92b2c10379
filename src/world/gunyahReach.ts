/**
 * Reach under Gunyah: a VM's CPU reaches a page through its own stage-2 (its address space),
 * which the resource manager changes only through memory parcels
 * (quic/gunyah-resource-manager src/memparcel/memparcel.c at 0accef9): a lend unmaps the page from
 * the owner (`gunyah_hyp_addrspace_unmap()` in `memparcel_construct()`), a share narrows the
 * owner's mapping to its ACL rights (`memextent_update_access()`), an accept maps the page into
 * the accepting VM with its ACL rights (`memextent_map()` in `memparcel_do_accept()`), a release
 * unmaps it there (`memparcel_release()`), a reclaim maps it back into the owner
 * (`memparcel_do_reclaim()`), and an accepted donation leaves it with the acceptor. HLOS, the
 * primary VM, is the host party: it reaches its own memory and nothing a VM was given, there is
 * no privileged foreign mapping as Xen's dom0 has. The hypervisor maps a memextent into an
 * address space with no more access than the extent carries (`memextent_map()` and
 * `memextent_check_map_attrs()`, `memextent_update_access()` in quic/gunyah-hypervisor
 * hyp/mem/memextent/src/memextent.c at 36ca3a2a), so the ACL's rights are the mapping's.
 *
 * A device behind the SMMU (`iommu: domain`) translates with its controlling VM's stage-2, so
 * its DMA reaches what that VM reaches.
 */

import type { GunyahMemparcelContext } from '../../machines/gunyahMemparcelMachine.ts';
import { memparcelAccess } from '../../machines/gunyahMemparcelMachine.ts';
import type { MachineSnapshot } from '../../machines/snapshot.ts';
import type { WorldSnapshot } from '../../properties/model.ts';
import type { Access } from '../../properties/sdp/sdpModel.ts';

/** What Gunyah reach is computed from. */
export interface GunyahReachLayout {
  /** The owner of each page at boot, by pfn: host (HLOS) or a VM. */
  readonly owners: readonly string[];
  /** Every memory parcel machine, with the pages it holds. */
  readonly parcels: readonly {
    readonly component: number;
    readonly pages: readonly number[];
    readonly handle: number;
  }[];
}

const parcel = (state: WorldSnapshot, component: number) =>
  state.parts[component] as MachineSnapshot<GunyahMemparcelContext>;

const vmName = (vm: string) => (vm === 'host' ? 'HLOS' : vm);

/** Why `vm`'s CPU reaches the page under Gunyah, or undefined. */
export function gunyahCpuPath(
  gunyah: GunyahReachLayout,
  state: WorldSnapshot,
  pfn: number,
  vm: string,
  access: Access,
): string | undefined {
  const parcels = gunyah.parcels.filter((p) => p.pages.includes(pfn));
  // The last parcel of a page decides; a page is in one parcel in the designs this accepts.
  const last = parcels.at(-1);
  const snap = last === undefined ? undefined : parcel(state, last.component);
  // Before the parcel is created the page is its region owner's, as if there were none.
  if (last === undefined || snap === undefined || snap.value === 'none')
    return gunyah.owners[pfn] === vm ? `CPU through ${vmName(vm)}'s own stage-2` : undefined;
  const rights = memparcelAccess(snap, vm);
  if (rights === undefined) return undefined;
  if (rights === 'owner') {
    const how =
      snap.value === 'reclaimed'
        ? ` (memparcel ${last.handle} reclaimed, MEM_RECLAIM)`
        : snap.value === 'donated'
          ? ` (donated by memparcel ${last.handle}, MEM_DONATE)`
          : '';
    return `CPU through ${vmName(vm)}'s own stage-2${how}`;
  }
  if (access === 'write' && rights === 'r') return undefined;
  if (vm === snap.context.owner)
    return `CPU through ${vmName(vm)}'s own stage-2, kept ${rights === 'r' ? 'read-only' : 'read-write'} by MEM_SHARE of memparcel ${last.handle}`;
  return `CPU through memparcel ${last.handle}, accepted ${rights === 'r' ? 'read-only' : 'read-write'} (MEM_ACCEPT)`;
}

/** The parcel components a page's Gunyah reach reads. */
export function gunyahReads(gunyah: GunyahReachLayout, pfn: number): number[] {
  return gunyah.parcels.filter((p) => p.pages.includes(pfn)).map((p) => p.component);
}
