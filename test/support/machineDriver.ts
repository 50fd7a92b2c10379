/**
 * Drives one machine by hand for unit tests, through the compiled stepper the explorer uses: each
 * call either moves the machine (with the events it emitted) or comes back with the error code the
 * machine's refusal table gives the check that refused it. `expectDriversAgree` checks that the
 * compiled and the interpreted steppers take a scripted sequence identically.
 */

import { expect } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { type ErrorCode, type RefusalTable, refusalCode } from '../../machines/refusals.ts';
import {
  compileMachine,
  interpretedStepper,
  type MachineEvent,
  type MachineSnapshot,
} from '../../src/engine/stepper.ts';

export type CallResult<C, X extends MachineEvent = MachineEvent> =
  | { readonly ok: true; readonly snap: MachineSnapshot<C>; readonly emitted: readonly X[] }
  | { readonly ok: false; readonly code: ErrorCode; readonly failedGuard?: string };

export interface DriverOptions<I> {
  /** The input `start()` and `run()` use when given none. */
  readonly input?: I;
  /** A given input is spread over `input` as partial overrides instead of replacing it. */
  readonly merge?: boolean;
}

/**
 * A driver for `machine`: `C` its context, `E` the events it takes, `X` the events it emits and
 * `I` its input.
 */
export function machineDriver<C, E extends MachineEvent, X extends MachineEvent = MachineEvent, I = unknown>(
  machine: AnyStateMachine,
  // biome-ignore lint/suspicious/noExplicitAny: a table is typed by its own machine
  refusals: RefusalTable<string, any, any>,
  options: DriverOptions<I> = {},
) {
  const stepper = compileMachine<C>(machine);
  const inputFor = (given: Partial<I> | undefined): unknown => {
    if (given === undefined) return options.input;
    return options.merge ? { ...(options.input as object), ...(given as object) } : given;
  };
  const refused = (snap: MachineSnapshot<C>, event: E, result: { code: ErrorCode; failedGuard?: string }) =>
    new Error(
      `${event.type} refused with ${result.code}${result.failedGuard ? ` (${result.failedGuard})` : ''} in ${snap.value}`,
    );
  return {
    /** The initial snapshot for `input`, or for the default input when none is given. */
    start(input?: Partial<I>): MachineSnapshot<C> {
      return stepper.initial(inputFor(input));
    },
    /** The result of a call: the next snapshot and what it emitted, or the error code. */
    call(snap: MachineSnapshot<C>, event: E): CallResult<C, X> {
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
    /** The code a call is refused with, or `ACCEPTED`. */
    code(snap: MachineSnapshot<C>, event: E): ErrorCode | 'ACCEPTED' {
      const result = this.call(snap, event);
      return result.ok ? 'ACCEPTED' : result.code;
    },
    /** Takes a call that must succeed. */
    accept(snap: MachineSnapshot<C>, event: E): MachineSnapshot<C> {
      return this.acceptEmitting(snap, event).snap;
    },
    /** Takes a call that must succeed and returns what it emitted too. */
    acceptEmitting(snap: MachineSnapshot<C>, event: E): { snap: MachineSnapshot<C>; emitted: readonly X[] } {
      const result = this.call(snap, event);
      if (!result.ok) throw refused(snap, event, result);
      return { snap: result.snap, emitted: result.emitted };
    },
    /** Takes calls that must all succeed, in order from `snap`. */
    acceptAll(snap: MachineSnapshot<C>, events: readonly E[]): MachineSnapshot<C> {
      return events.reduce((s, event) => this.accept(s, event), snap);
    },
    /** Takes calls that must all succeed, in order from the initial state for `input`. */
    run(events: readonly E[], input?: Partial<I>): MachineSnapshot<C> {
      return this.acceptAll(this.start(input), events);
    },
    /** Each call must be refused with its code, which leaves the machine where it was. */
    expectRefused(snap: MachineSnapshot<C>, cases: readonly (readonly [E, ErrorCode])[]): void {
      const got = cases.map(([event]) => {
        const result = this.call(snap, event);
        return [event.type, result.ok ? `accepted → ${result.snap.value}` : result.code];
      });
      expect(got).toEqual(cases.map(([event, code]) => [event.type, code]));
    },
  };
}

/** One step of a sequence both steppers agreed on, as the compiled stepper took it. */
export interface AgreedStep {
  readonly event: string;
  readonly accepted: boolean;
  /** The state after the step: the previous one when the event was refused. */
  readonly value: string;
  readonly emitted: readonly MachineEvent[];
}

/**
 * Steps `events` through `compileMachine(machine)` and `interpretedStepper(machine)` from the same
 * input and checks, at every step, that both accept or both refuse, with equal state value,
 * context and emitted events. A refused event leaves both on their previous snapshot. Returns how
 * many events were accepted and the compiled stepper's trace.
 */
export function expectDriversAgree(
  machine: AnyStateMachine,
  input: unknown,
  events: readonly MachineEvent[],
): { accepted: number; steps: AgreedStep[] } {
  const compiled = compileMachine(machine);
  const reference = interpretedStepper(machine);
  let a = compiled.initial(input);
  let b = reference.initial(input);
  expect(a, 'initial state').toEqual({ value: b.value, context: b.context });
  const steps: AgreedStep[] = [];
  events.forEach((event, index) => {
    const emittedA: MachineEvent[] = [];
    const emittedB: MachineEvent[] = [];
    const nextA = compiled.step(a, event, emittedA);
    const nextB = reference.step(b, event, emittedB);
    const where = `step ${index} (${event.type} in ${a.value})`;
    expect(nextA !== undefined, `${where}: accepted`).toBe(nextB !== undefined);
    expect(emittedA, `${where}: emitted`).toEqual(emittedB);
    if (nextA && nextB) {
      expect(nextA, where).toEqual({ value: nextB.value, context: nextB.context });
      a = nextA;
      b = nextB;
    }
    steps.push({ event: event.type, accepted: nextA !== undefined, value: a.value, emitted: emittedA });
  });
  return { accepted: steps.filter((step) => step.accepted).length, steps };
}
