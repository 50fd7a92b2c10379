/**
 * Drives one pKVM page machine by hand for unit tests: each call either moves the page or
 * comes back with the kernel's error code.
 */

import { expect } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import {
  type GuestFacts,
  type PagePoisonedEvent,
  type PkvmPageEvent,
  pkvmPageMachine,
  pkvmPageRefusals,
} from '../../machines/pkvmPageMachine.ts';
import type { MemoryType, PkvmPageContext } from '../../machines/pkvmPageState.ts';
import { type ErrorCode, refusalCode } from '../../machines/refusals.ts';
import { compileMachine, type MachineEvent, type Snap } from '../../src/engine/stepper.ts';

export type PageSnap = Snap<PkvmPageContext>;

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

export function pageDriver(
  machine: AnyStateMachine = pkvmPageMachine,
  refusals: typeof pkvmPageRefusals = pkvmPageRefusals,
) {
  const stepper = compileMachine<PkvmPageContext>(machine);
  const emitted: MachineEvent[] = [];
  return {
    start(input: { memoryType?: MemoryType; guestCount?: number } = {}): PageSnap {
      return stepper.initial({ pfn: 0, guestCount: 4, ...input });
    },
    /** The result of a call: the next snapshot and what it emitted, or the error code. */
    call(
      snap: PageSnap,
      event: PkvmPageEvent,
    ): { ok: true; snap: PageSnap; emitted: PagePoisonedEvent[] } | { ok: false; code: ErrorCode } {
      emitted.length = 0;
      const next = stepper.step(snap, event, emitted);
      if (next) return { ok: true, snap: next, emitted: [...emitted] as PagePoisonedEvent[] };
      const refusal = stepper.explain(snap, event);
      if (!refusal) throw new Error('refused step has no explanation');
      return { ok: false, code: refusalCode(refusals, refusal, snap.context, event) };
    },
    /** Takes a call that must succeed. */
    accept(snap: PageSnap, event: PkvmPageEvent): PageSnap {
      const result = this.call(snap, event);
      if (!result.ok) throw new Error(`${event.type} refused with ${result.code} in ${snap.value}`);
      return result.snap;
    },
    /** Each call must be refused with its code and leave the page unchanged. */
    expectRefused(snap: PageSnap, cases: readonly [PkvmPageEvent, ErrorCode][]): void {
      const got = cases.map(([event]) => {
        const result = this.call(snap, event);
        return [event.type, result.ok ? `accepted → ${result.snap.value}` : result.code];
      });
      expect(got).toEqual(cases.map(([event, code]) => [event.type, code]));
    },
  };
}
