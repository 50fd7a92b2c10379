/**
 * Every machine in `machines/`, one entry per file, for the tools that show them whole
 * (`protmem diagram`). Each summary is the first sentence of its file's header, shortened.
 * Variants made with `machine.provide(...)` share their base machine's states and
 * transitions (only guard or action implementations differ), so they draw the same chart and
 * are not listed separately.
 */
import type { AnyStateMachine } from 'xstate';
import { decryptTrustedAppMachine } from './decryptTrustedAppMachine.ts';
import { dmaBufMachine } from './dmaBufMachine.ts';
import { ffaTransactionMachine } from './ffaTransactionMachine.ts';
import { guestVmMachine } from './guestVmMachine.ts';
import { iommuDomainMachine } from './iommuDomainMachine.ts';
import { mediaDeviceMachine } from './mediaDeviceMachine.ts';
import { pageContentMachine } from './pageContentMachine.ts';
import { pkvmFfaProxyMachine } from './pkvmFfaProxyMachine.ts';
import { pkvmPageMachine } from './pkvmPageMachine.ts';
import { protectedHeapMachine } from './protectedHeapMachine.ts';
import { sharedObjectEntryMachine } from './sharedObjectEntryMachine.ts';
import { swiotlbBounceMachine } from './swiotlbBounceMachine.ts';
import { tzascRegionMachine } from './tzascRegionMachine.ts';
import { vhostBackendMachine } from './vhostBackendMachine.ts';
import { virtioDmabufExportMachine } from './virtioDmabufExportMachine.ts';
import { virtioGpuImportMachine } from './virtioGpuImportMachine.ts';

export interface MachineEntry {
  /** The export's name, which is also the file's name: `pkvmPageMachine`. */
  readonly name: string;
  readonly machine: AnyStateMachine;
  /** One sentence: what the machine is the life of. */
  readonly summary: string;
}

export const machines: readonly MachineEntry[] = [
  {
    name: 'decryptTrustedAppMachine',
    machine: decryptTrustedAppMachine,
    summary:
      "The key-holding decrypt trusted app: an OP-TEE TA running the Widevine CDM's OEMCrypto, as one session slot.",
  },
  {
    name: 'dmaBufMachine',
    machine: dmaBufMachine,
    summary:
      'The life of one dma-buf allocated from a dma-buf heap: free, exported (an fd exists), waiting for the secure world to give a protected buffer back, quarantined.',
  },
  {
    name: 'ffaTransactionMachine',
    machine: ffaTransactionMachine,
    summary: 'One FF-A memory share state of Hafnium acting as SPMC: a handle slot from send to reclaim.',
  },
  {
    name: 'guestVmMachine',
    machine: guestVmMachine,
    summary:
      "A guest VM's life as the pKVM hypervisor tracks it: created, running with its vCPUs loaded or put, dying, destroyed.",
  },
  {
    name: 'iommuDomainMachine',
    machine: iommuDomainMachine,
    summary:
      'One explicit IOMMU DMA domain managed by pKVM in the Android Common Kernel, keeping the refcount of every mapped page raised.',
  },
  {
    name: 'mediaDeviceMachine',
    machine: mediaDeviceMachine,
    summary:
      'A media DMA master (video decoder, display controller or GPU) reading its input buffer and writing its output buffer.',
  },
  {
    name: 'pageContentMachine',
    machine: pageContentMachine,
    summary: 'The content label of one physical page: what the page may still hold.',
  },
  {
    name: 'pkvmFfaProxyMachine',
    machine: pkvmFfaProxyMachine,
    summary:
      'The pKVM FF-A proxy at EL2: every host FF-A call is checked, forwarded to the SPMD, refused, or handled with a host stage-2 update.',
  },
  {
    name: 'pkvmPageMachine',
    machine: pkvmPageMachine,
    summary:
      "One physical page under pKVM: its ownership as the host's stage-2 sees it, with the hypervisor's and each guest's view.",
  },
  {
    name: 'protectedHeapMachine',
    machine: protectedHeapMachine,
    summary:
      "A protected dma-heap's backing pool under the TEE subsystem: probed, configured, registered, serving or lending, released.",
  },
  {
    name: 'sharedObjectEntryMachine',
    machine: sharedObjectEntryMachine,
    summary:
      "One entry of QEMU's virtio shared-object table, keyed by a UUID: absent, a dma-buf entry, or a vhost-user back-end's entry.",
  },
  {
    name: 'swiotlbBounceMachine',
    machine: swiotlbBounceMachine,
    summary: 'One swiotlb bounce slot (one page of a bounce pool) on the virtio data path of a protected VM.',
  },
  {
    name: 'tzascRegionMachine',
    machine: tzascRegionMachine,
    summary: 'A firmware-protected carve-out: one TZC-400 region programmed by TF-A.',
  },
  {
    name: 'vhostBackendMachine',
    machine: vhostBackendMachine,
    summary:
      "A vhost-user back-end's life as QEMU sees it: connecting, connected with a back-end channel, then dead or unplugged.",
  },
  {
    name: 'virtioDmabufExportMachine',
    machine: virtioDmabufExportMachine,
    summary:
      'One virtio-gpu object exported as a virtio dma-buf, and the UUID that names it to other virtio devices.',
  },
  {
    name: 'virtioGpuImportMachine',
    machine: virtioGpuImportMachine,
    summary:
      "A guest's virtio-gpu importing a foreign dma-buf and handing its pages to the VMM as a guest blob.",
  },
];
