/**
 * The pKVM page machine under the generic driver, and the VM facts its calls carry: each call
 * either moves the page or comes back with the kernel's error code.
 */

import type { AnyStateMachine } from 'xstate';
import {
  type GuestFacts,
  type PagePoisonedEvent,
  type PkvmPageEvent,
  type PkvmPageInput,
  pkvmPageMachine,
  pkvmPageRefusals,
} from '../../machines/pkvmPageMachine.ts';
import type { PkvmPageContext } from '../../machines/pkvmPageState.ts';
import type { MachineSnapshot } from '../../src/engine/stepper.ts';
import { machineDriver } from './machineDriver.ts';

export type PageSnap = MachineSnapshot<PkvmPageContext>;

/** VM facts: `np(0)` a non-protected VM with a loaded vCPU, `pvm(2)` a protected one. */
export const np = (vm: number, extra: Partial<GuestFacts> = {}): GuestFacts => ({
  vm,
  vmProtected: false,
  vcpuLoaded: true,
  vmDying: false,
  ...extra,
});
export const pvm = (vm: number, extra: Partial<GuestFacts> = {}): GuestFacts => ({
  vm,
  vmProtected: true,
  vcpuLoaded: true,
  vmDying: false,
  ...extra,
});

/** Page frame 0 in a world of four guests; `start({ memoryType })` overrides part of it. */
export const pageDriver = (
  machine: AnyStateMachine = pkvmPageMachine,
  refusals: typeof pkvmPageRefusals = pkvmPageRefusals,
) =>
  machineDriver<PkvmPageContext, PkvmPageEvent, PagePoisonedEvent, PkvmPageInput>(machine, refusals, {
    input: { pfn: 0, guestCount: 4 },
    merge: true,
  });
