/**
 * Drives one machine of the virtio family by hand for unit tests: each call either moves the
 * machine (with the events it emitted) or comes back with the source's error code. Also checks
 * that the compiled driver and XState step a scripted sequence identically.
 */

import { expect } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { type ErrorCode, type RefusalTable, refusalCode } from '../../machines/refusals.ts';
import {
  compileMachine,
  interpretedStepper,
  type MachineEvent,
  type Snap,
} from '../../src/engine/stepper.ts';

export type CallResult<C> =
  | { readonly ok: true; readonly snap: Snap<C>; readonly emitted: readonly MachineEvent[] }
  | { readonly ok: false; readonly code: ErrorCode; readonly failedGuard?: string };

export function virtioDriver<C, E extends MachineEvent>(
  machine: AnyStateMachine,
  // biome-ignore lint/suspicious/noExplicitAny: a table is typed by its own machine
  refusals: RefusalTable<string, any, any>,
  defaultInput: unknown,
) {
  const stepper = compileMachine<C>(machine);
  return {
    start(input: unknown = defaultInput): Snap<C> {
      return stepper.initial(input);
    },
    call(snap: Snap<C>, event: E): CallResult<C> {
      const emitted: MachineEvent[] = [];
      const next = stepper.step(snap, event, emitted);
      if (next) return { ok: true, snap: next, emitted };
      const refusal = stepper.explain(snap, event);
      if (!refusal) throw new Error('refused step has no explanation');
      return {
        ok: false,
        code: refusalCode(refusals, refusal, snap.context, event),
        ...(refusal.failedGuard ? { failedGuard: refusal.failedGuard } : {}),
      };
    },
    /** Takes a call that must succeed. */
    accept(snap: Snap<C>, event: E): Snap<C> {
      const result = this.call(snap, event);
      if (!result.ok) throw new Error(`${event.type} refused with ${result.code} in ${snap.value}`);
      return result.snap;
    },
    /** Takes a call that must succeed and returns what it emitted too. */
    acceptEmitting(snap: Snap<C>, event: E): { snap: Snap<C>; emitted: readonly MachineEvent[] } {
      const result = this.call(snap, event);
      if (!result.ok) throw new Error(`${event.type} refused with ${result.code} in ${snap.value}`);
      return { snap: result.snap, emitted: result.emitted };
    },
    /** Takes the calls in order from the initial state. */
    run(events: readonly E[], input: unknown = defaultInput): Snap<C> {
      return events.reduce((snap, event) => this.accept(snap, event), this.start(input));
    },
    /** Each call must be refused with its code. */
    expectRefused(snap: Snap<C>, cases: readonly (readonly [E, ErrorCode])[]): void {
      const got = cases.map(([event]) => {
        const result = this.call(snap, event);
        return [event.type, result.ok ? `accepted → ${result.snap.value}` : result.code];
      });
      expect(got).toEqual(cases.map(([event, code]) => [event.type, code]));
    },
  };
}

/**
 * Steps `events` through `compileMachine(machine)` and `interpretedStepper(machine)` and checks
 * they agree at every step: accepted or refused, state value, context and emitted events.
 * Refused events leave both where they were. Returns how many events were accepted.
 */
export function expectDriversAgree(
  machine: AnyStateMachine,
  input: unknown,
  events: readonly MachineEvent[],
) {
  const compiled = compileMachine(machine);
  const reference = interpretedStepper(machine);
  let a = compiled.initial(input);
  let b = reference.initial(input);
  expect(a).toEqual({ value: b.value, context: b.context });
  let accepted = 0;
  events.forEach((event, index) => {
    const emittedA: MachineEvent[] = [];
    const emittedB: MachineEvent[] = [];
    const nextA = compiled.step(a, event, emittedA);
    const nextB = reference.step(b, event, emittedB);
    const where = `step ${index} ${event.type} in ${a.value}`;
    expect(nextA === undefined, where).toBe(nextB === undefined);
    expect(emittedA, where).toEqual(emittedB);
    if (nextA && nextB) {
      expect({ value: nextA.value, context: nextA.context }, where).toEqual({
        value: nextB.value,
        context: nextB.context,
      });
      a = nextA;
      b = nextB;
      accepted++;
    }
  });
  return accepted;
}
