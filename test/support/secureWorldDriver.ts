/**
 * Drives one secure-world machine (FF-A transaction, FF-A proxy, TZASC region, decrypt trusted
 * app) by hand for unit tests: each call either moves the machine or comes back with the code
 * the modelled source returns. Also checks that the compiled and interpreted drivers agree.
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

export type CallResult<C, X> =
  | { readonly ok: true; readonly snap: Snap<C>; readonly emitted: X[] }
  | { readonly ok: false; readonly code: ErrorCode; readonly failedGuard?: string };

export function machineDriver<C, E extends MachineEvent, X extends MachineEvent = MachineEvent>(
  machine: AnyStateMachine,
  // biome-ignore lint/suspicious/noExplicitAny: a table is typed by its own machine
  refusals: RefusalTable<string, any, any>,
  defaultInput: unknown,
) {
  const stepper = compileMachine<C>(machine);
  return {
    stepper,
    start(input: unknown = defaultInput): Snap<C> {
      return stepper.initial(input);
    },
    call(snap: Snap<C>, event: E): CallResult<C, X> {
      const emitted: MachineEvent[] = [];
      const next = stepper.step(snap, event, emitted);
      if (next) return { ok: true, snap: next, emitted: emitted as X[] };
      const refusal = stepper.explain(snap, event);
      if (!refusal) throw new Error('refused step has no explanation');
      return {
        ok: false,
        code: refusalCode(refusals, refusal, snap.context, event),
        ...(refusal.failedGuard ? { failedGuard: refusal.failedGuard } : {}),
      };
    },
    /** A call that must succeed. */
    accept(snap: Snap<C>, event: E): Snap<C> {
      const result = this.call(snap, event);
      if (!result.ok) {
        throw new Error(`${event.type} refused with ${result.code} (${result.failedGuard}) in ${snap.value}`);
      }
      return result.snap;
    },
    /** A call that must succeed; returns what it emitted as well. */
    run(snap: Snap<C>, event: E): { snap: Snap<C>; emitted: X[] } {
      const result = this.call(snap, event);
      if (!result.ok) {
        throw new Error(`${event.type} refused with ${result.code} (${result.failedGuard}) in ${snap.value}`);
      }
      return result;
    },
    /** The code a refused call returns. */
    code(snap: Snap<C>, event: E): ErrorCode | 'ACCEPTED' {
      const result = this.call(snap, event);
      return result.ok ? 'ACCEPTED' : result.code;
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
 * Steps `events` through the compiled and the interpreted driver and checks, at every step, the
 * same acceptance, state value, context and emitted events. Refused events leave both unchanged.
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
  expect(a.value).toBe(b.value);
  expect(a.context).toEqual(b.context);
  let accepted = 0;
  for (const event of events) {
    const emittedA: MachineEvent[] = [];
    const emittedB: MachineEvent[] = [];
    const nextA = compiled.step(a, event, emittedA);
    const nextB = reference.step(b, event, emittedB);
    expect([event.type, nextA === undefined]).toEqual([event.type, nextB === undefined]);
    expect(emittedA).toEqual(emittedB);
    if (nextA && nextB) {
      accepted++;
      expect([event.type, nextA.value]).toEqual([event.type, nextB.value]);
      expect(nextA.context).toEqual(nextB.context);
      a = nextA;
      b = nextB;
    }
  }
  return accepted;
}
