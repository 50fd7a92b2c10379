/**
 * Where each named flaw of the catalog is switched: the machine that owns the check and the
 * entry of that machine's `<machine>Flaws` export, or, for the two FF-A lend flaws, the proxy
 * behaviour they force. `composeWorld` applies them; `test/world/flawSwitches.test.ts` checks
 * that every name in `FLAWS` has exactly one switch.
 */
import type { AnyStateMachine } from 'xstate';
import { decryptTrustedAppFlaws } from '../../machines/decryptTrustedAppMachine.ts';
import { dmaBufFlaws } from '../../machines/dmaBufMachine.ts';
import { mediaDeviceFlaws } from '../../machines/mediaDeviceMachine.ts';
import { pkvmPageFlaws } from '../../machines/pkvmPageMachine.ts';
import { protectedHeapFlaws } from '../../machines/protectedHeapMachine.ts';
import { sharedObjectEntryMachineFlaws } from '../../machines/sharedObjectEntryMachine.ts';
import { virtioGpuImportMachineFlaws } from '../../machines/virtioGpuImportMachine.ts';
import type { ComponentKind } from '../../properties/model.ts';

interface MachineSwitch {
  readonly kind: ComponentKind;
  readonly provide: unknown;
}

type FlawSwitch =
  | { readonly machines: readonly MachineSwitch[] }
  /** Forces the FF-A proxy's MEM_LEND behaviour. */
  | { readonly proxyLend: 'share' };

const on = (kind: ComponentKind, flaw: { readonly provide: unknown }): MachineSwitch => ({
  kind,
  provide: flaw.provide,
});

export const FLAW_SWITCHES: Readonly<Record<string, FlawSwitch>> = {
  lendTreatedAsShare: { proxyLend: 'share' },
  unmapOnLendWithoutIommu: { machines: [on('pkvmPage', pkvmPageFlaws.unmapOnLendWithoutIommu)] },
  reclaimFailureIgnored: {
    machines: [
      on('protectedPool', protectedHeapFlaws.reclaimFailureIgnored),
      on('dmaHeapBuffer', dmaBufFlaws.reclaimFailureIgnored),
    ],
  },
  noScrubOnFree: { machines: [on('dmaHeapBuffer', dmaBufFlaws.noScrubOnFree)] },
  cpuMmapAllowedOnProtected: { machines: [on('dmaHeapBuffer', dmaBufFlaws.cpuMmapAllowedOnProtected)] },
  virtioImportDropsProtection: {
    machines: [on('virtioGpuImport', virtioGpuImportMachineFlaws.virtioImportDropsProtection)],
  },
  lookupWithoutAccessControl: {
    machines: [on('sharedObjectEntry', sharedObjectEntryMachineFlaws.lookupWithoutAccessControl)],
  },
  removeByNonOwner: { machines: [on('sharedObjectEntry', sharedObjectEntryMachineFlaws.removeByNonOwner)] },
  staleEntriesAfterBackendDeath: {
    machines: [on('sharedObjectEntry', sharedObjectEntryMachineFlaws.staleEntriesAfterBackendDeath)],
  },
  teardownWithoutPoison: { machines: [on('pkvmPage', pkvmPageFlaws.teardownWithoutPoison)] },
  decoderWritesPlaintextToClearOutput: {
    machines: [on('mediaDevice', mediaDeviceFlaws.decoderWritesPlaintextToClearOutput)],
  },
  decryptAcceptsClearOutput: {
    machines: [on('decryptTrustedApp', decryptTrustedAppFlaws.acceptsClearOutputBuffer)],
  },
};

/** The machine with every switched-on flaw of `kind` applied. */
export function withFlaws(
  machine: AnyStateMachine,
  kind: ComponentKind,
  flaws: readonly string[],
): AnyStateMachine {
  let result = machine;
  for (const name of flaws) {
    const flaw = FLAW_SWITCHES[name];
    if (!flaw || !('machines' in flaw)) continue;
    for (const entry of flaw.machines)
      if (entry.kind === kind) result = result.provide(entry.provide as never);
  }
  return result;
}
