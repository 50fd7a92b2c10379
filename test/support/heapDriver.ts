/**
 * Drives one dma-buf heap machine (a buffer slot or a protected pool) by hand for unit tests:
 * each call either moves the machine, with what it emitted, or comes back with the error code.
 * `agree` steps a script through the compiled and the interpreted driver side by side.
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

export type CallResult<C, Emitted> =
  | { readonly ok: true; readonly snap: Snap<C>; readonly emitted: readonly Emitted[] }
  | { readonly ok: false; readonly code: ErrorCode; readonly failedGuard?: string };

export function heapDriver<C, E extends MachineEvent, Emitted extends MachineEvent, Input>(
  machine: AnyStateMachine,
  // biome-ignore lint/suspicious/noExplicitAny: a table is typed by its own machine
  refusals: RefusalTable<string, any, any>,
  defaults: Input,
) {
  const stepper = compileMachine<C>(machine);
  return {
    start(input: Partial<Input> = {}): Snap<C> {
      return stepper.initial({ ...defaults, ...input });
    },
    call(snap: Snap<C>, event: E): CallResult<C, Emitted> {
      const emitted: MachineEvent[] = [];
      const next = stepper.step(snap, event, emitted);
      if (next) return { ok: true, snap: next, emitted: emitted as Emitted[] };
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
    take(snap: Snap<C>, event: E): { snap: Snap<C>; emitted: readonly Emitted[] } {
      const result = this.call(snap, event);
      if (!result.ok) throw new Error(`${event.type} refused with ${result.code} in ${snap.value}`);
      return { snap: result.snap, emitted: result.emitted };
    },
    /** Takes a sequence of calls that must all succeed. */
    run(snap: Snap<C>, events: readonly E[]): Snap<C> {
      return events.reduce((s, event) => this.accept(s, event), snap);
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
 * Steps `events` through `compileMachine` and `interpretedStepper` and checks that they agree on
 * acceptance, state value, context and emitted events at every step. Returns the compiled trace.
 */
export function expectDriversAgree<E extends MachineEvent>(
  machine: AnyStateMachine,
  input: unknown,
  events: readonly E[],
): { value: string; accepted: boolean; emitted: MachineEvent[] }[] {
  const compiled = compileMachine(machine);
  const interpreted = interpretedStepper(machine);
  let a = compiled.initial(input);
  let b = interpreted.initial(input);
  expect(a).toEqual({ value: b.value, context: b.context });
  const trace: { value: string; accepted: boolean; emitted: MachineEvent[] }[] = [];
  for (const event of events) {
    const emittedA: MachineEvent[] = [];
    const emittedB: MachineEvent[] = [];
    const nextA = compiled.step(a, event, emittedA);
    const nextB = interpreted.step(b, event, emittedB);
    expect({ event: event.type, accepted: nextA !== undefined }).toEqual({
      event: event.type,
      accepted: nextB !== undefined,
    });
    expect(emittedA).toEqual(emittedB);
    if (nextA && nextB) {
      expect(nextA).toEqual({ value: nextB.value, context: nextB.context });
      a = nextA;
      b = nextB;
    }
    trace.push({ value: a.value, accepted: nextA !== undefined, emitted: emittedA });
  }
  return trace;
}
