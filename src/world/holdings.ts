/**
 * Questions about parties that span families: does a party hold a buffer now (an fd for a
 * dma-buf; for guest memory, the ways a guest's buffer reaches others), and does a party run.
 * Each answer comes with the components it reads, for the steps that ask it to declare.
 */
import { bufferIsExported } from '../../machines/dmaBufMachine.ts';
import { uuidIsAssigned } from '../../machines/virtioDmabufExportMachine.ts';
import type { Topology } from '../topology/schema.ts';
import { snapshotOf } from './builder.ts';
import { HOST_PARTIES } from './design.ts';
import type { CcaFamily } from './families/ccaFamily.ts';
import type { HeapBuffer } from './families/dmaHeapFamily.ts';
import type { FfaFamily } from './families/ffaFamily.ts';
import type { GunyahFamily } from './families/gunyahFamily.ts';
import type { PkvmFamily } from './families/pkvmFamily.ts';
import type { VirtioFamily } from './families/virtioFamily.ts';
import type { XenFamily } from './families/xenFamily.ts';
import type { WorldState } from './world.ts';

export interface Holdings {
  /**
   * True iff `party` holds the buffer now: an fd for a dma-buf; for guest memory, its guest,
   * the host once the guest exported it (the VMM knows its resource), a guest whose back-end
   * looked its UUID up, the secure world once the guest lent it and the secure world retrieved it.
   */
  holds(state: WorldState, party: string, buffer: HeapBuffer): boolean;
  /** The components `holds` reads for a buffer. */
  holdsReads(buffer: HeapBuffer): number[];
  /** True iff the party's CPU can run: a guest between its first vCPU and teardown; the host and the secure world always. */
  runs(state: WorldState, party: string): boolean;
  /** The components `runs` reads for a party. */
  runsReads(party: string): number[];
}

export function createHoldings(
  topology: Topology,
  pkvm: PkvmFamily | undefined,
  ffa: FfaFamily,
  virtio: VirtioFamily,
  xen?: XenFamily,
  cca?: CcaFamily,
  gunyah?: GunyahFamily,
): Holdings {
  const vmIndex = new Map(topology.vms.map((vm, index) => [vm.name, index]));
  const npVms = new Set(topology.vms.filter((vm) => !vm.protected).map((vm) => vm.name));
  const destroyed = (state: WorldState, party: string) => {
    const vm = vmIndex.get(party);
    if (vm === undefined || pkvm === undefined) return false;
    return pkvm.destroyed(state, vm);
  };
  const runsReads = (party: string): number[] => {
    const vm = vmIndex.get(party);
    return vm === undefined || !pkvm ? [] : [pkvm.guests[vm]!];
  };
  return {
    holds(state, party, buffer) {
      if (buffer.dmaBuf !== undefined) {
        const snap = snapshotOf(state, buffer.dmaBuf);
        return bufferIsExported(snap) && snap.context.fdHolders.includes(party);
      }
      if (buffer.allocatedBy === party) return true;
      if (xen !== undefined) {
        // Under Xen a domain holds a foreign buffer through its grant mappings; a privileged
        // dom0 (and its device model) can foreign-map any domU's pages.
        if (HOST_PARTIES.has(party) && xen.dom0Privileged) return true;
        return xen.mapsBuffer(state, party, buffer.name);
      }
      // Under CCA the host knows the NS pages it gave a realm's unprotected IPA, and no other
      // realm memory: a realm's protected granules are in the Realm PAS.
      if (cca !== undefined) return HOST_PARTIES.has(party) && cca.unprotectedBuffers.has(buffer.name);
      // Under Gunyah a VM holds a foreign buffer once it accepted a parcel of it; HLOS has no
      // foreign mappings of its own.
      if (gunyah !== undefined) return gunyah.acceptedBy(state, party, buffer.name);
      // The VMM maps a non-protected guest's whole RAM (QEMU's guest memory backend).
      if (HOST_PARTIES.has(party) && npVms.has(buffer.allocatedBy)) return true;
      const exporterAlive = !destroyed(state, buffer.allocatedBy);
      const gpuExport = virtio.exportOf(buffer.name);
      if (HOST_PARTIES.has(party) && gpuExport !== undefined && exporterAlive) {
        if (uuidIsAssigned(snapshotOf(state, gpuExport))) return true;
      }
      // A guest gets an exported buffer as a virtio object once a back-end serving it looked its
      // UUID up (crosvm and QEMU resolve virtio-object resources to the back-end's fd).
      if (exporterAlive && virtio.handedToVm(state, buffer.name, party)) return true;
      return party === 'secure' && buffer.pages.every((pfn) => ffa.retrievedBySecure(state, pfn));
    },
    holdsReads(buffer) {
      if (buffer.dmaBuf !== undefined) return [buffer.dmaBuf];
      const gpuExport = virtio.exportOf(buffer.name);
      if (xen !== undefined) return [...xen.entriesOf(buffer.name)];
      if (gunyah !== undefined) return [...gunyah.parcelsOf(buffer.name)];
      return [
        ...(gpuExport !== undefined ? [gpuExport] : []),
        ...ffa.slots,
        ...runsReads(buffer.allocatedBy),
        ...virtio.entriesOf(buffer.name),
      ];
    },
    runs(state, party) {
      const vm = vmIndex.get(party);
      return vm === undefined || pkvm === undefined || pkvm.runs(state, vm);
    },
    runsReads,
  };
}
