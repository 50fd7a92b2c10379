/**
 * Every machine in `machines/`, one entry per file, for the tools that show them whole
 * (`protmem diagram`). Each entry's name and summary come from the machine itself: its `id`
 * (the export is `<id>Machine`, and so is the file) and its `description`.
 * Variants made with `machine.provide(...)` share their base machine's states and
 * transitions (only guard or action implementations differ), so they are not listed
 * separately: `protmem diagram --flaw` draws one as its base chart with the changes marked.
 */
import type { AnyStateMachine } from 'xstate';
import { assignedDeviceMachine } from './assignedDeviceMachine.ts';
import { ccaGranuleMachine } from './ccaGranuleMachine.ts';
import { decryptTrustedAppMachine } from './decryptTrustedAppMachine.ts';
import { dmaBufMachine } from './dmaBufMachine.ts';
import { ffaTransactionMachine } from './ffaTransactionMachine.ts';
import { gntdevDmabufMachine } from './gntdevDmabufMachine.ts';
import { guestProgramMachine } from './guestProgramMachine.ts';
import { guestVmMachine } from './guestVmMachine.ts';
import { gunyahMemparcelMachine } from './gunyahMemparcelMachine.ts';
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
import { xenGrantEntryMachine } from './xenGrantEntryMachine.ts';

export interface MachineEntry {
  /** The export's name, which is also the file's name: `pkvmPageMachine`. */
  readonly name: string;
  readonly machine: AnyStateMachine;
  /** One sentence: what the machine is the life of (its `description`). */
  readonly summary: string;
}

function entry(machine: AnyStateMachine): MachineEntry {
  return { name: `${machine.id}Machine`, machine, summary: machine.root.description ?? '' };
}

export const machines: readonly MachineEntry[] = [
  assignedDeviceMachine,
  ccaGranuleMachine,
  decryptTrustedAppMachine,
  dmaBufMachine,
  ffaTransactionMachine,
  gntdevDmabufMachine,
  guestProgramMachine,
  guestVmMachine,
  gunyahMemparcelMachine,
  iommuDomainMachine,
  mediaDeviceMachine,
  pageContentMachine,
  pkvmFfaProxyMachine,
  pkvmPageMachine,
  protectedHeapMachine,
  sharedObjectEntryMachine,
  swiotlbBounceMachine,
  tzascRegionMachine,
  vhostBackendMachine,
  virtioDmabufExportMachine,
  virtioGpuImportMachine,
  xenGrantEntryMachine,
].map(entry);
