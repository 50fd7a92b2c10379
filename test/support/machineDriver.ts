/**
 * Drives one machine by hand for unit tests, through the compiled stepper the explorer uses: each
 * call either moves the machine (with the events it emitted) or comes back with the error code the
 * machine's refusal table gives the check that refused it. `compareDrivers` steps a scripted sequence
 * through the compiled and the interpreted steppers and lists where they differ. Nothing here
 * asserts: each function returns data (an outcome, a list of differences) for a test or a script
 * to check.
 */

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
    /**
     * What each event does from `snap`, as `[eventType, code]`: the code a refused event gets, or
     * `accepted → <state>` for one the machine takes. Every event starts from `snap`.
     */
    refusedCodes(snap: MachineSnapshot<C>, events: readonly E[]): [string, string][] {
      return events.map((event) => {
        const result = this.call(snap, event);
        return [event.type, result.ok ? `accepted → ${result.snap.value}` : result.code];
      });
    },
    /**
     * Where the machine does not refuse each event from `snap` with the code its case names:
     * one description per case that differs, empty when every case is refused as expected.
     */
    refusalDifferences(snap: MachineSnapshot<C>, cases: readonly (readonly [E, ErrorCode])[]): string[] {
      const got = this.refusedCodes(
        snap,
        cases.map(([event]) => event),
      );
      return cases.flatMap(([event, code], index) => {
        const found = got[index]![1];
        return found === code
          ? []
          : [`case ${index} (${event.type} in ${snap.value}): expected ${code}, got ${found}`];
      });
    },
  };
}

/** One step of a scripted sequence, as the compiled stepper took it. */
export interface AgreedStep {
  readonly event: string;
  readonly accepted: boolean;
  /** The state after the step: the previous one when the event was refused. */
  readonly value: string;
  readonly emitted: readonly MachineEvent[];
}

/** The outcome of stepping a sequence through both steppers. */
export interface DriverComparison {
  /**
   * Where the steppers differ, one description each: the initial state, or the first step on
   * which they accept differently, emit differently or reach different snapshots (the run stops
   * there). Empty when they agree on the whole sequence.
   */
  readonly disagreements: readonly string[];
  /** How many events the compiled stepper accepted. */
  readonly accepted: number;
  /** The compiled stepper's trace, up to and including the first step they differ on. */
  readonly steps: readonly AgreedStep[];
}

/**
 * Steps `events` through `compileMachine(machine)` and `interpretedStepper(machine)` from the same
 * input and compares, at every step, whether both accept or both refuse, their state value,
 * context and emitted events. A refused event leaves both on their previous snapshot.
 */
export function compareDrivers(
  machine: AnyStateMachine,
  input: unknown,
  events: readonly MachineEvent[],
): DriverComparison {
  const compiled = compileMachine(machine);
  const reference = interpretedStepper(machine);
  let a = compiled.initial(input);
  let b = reference.initial(input);
  const steps: AgreedStep[] = [];
  const result = (disagreements: string[]): DriverComparison => ({
    disagreements,
    accepted: steps.filter((step) => step.accepted).length,
    steps,
  });
  const initial = snapshotDifference(a, b);
  if (initial) return result([`initial state: ${initial}`]);
  for (const [index, event] of events.entries()) {
    const emittedA: MachineEvent[] = [];
    const emittedB: MachineEvent[] = [];
    const nextA = compiled.step(a, event, emittedA);
    const nextB = reference.step(b, event, emittedB);
    const where = `step ${index} (${event.type} in ${a.value})`;
    const differences: string[] = [];
    if ((nextA !== undefined) !== (nextB !== undefined)) {
      differences.push(
        `${where}: compiled ${nextA ? 'accepts' : 'refuses'}, interpreted ${nextB ? 'accepts' : 'refuses'}`,
      );
    }
    const emitted = dataDifference(emittedA, emittedB, 'emitted');
    if (emitted) differences.push(`${where}: ${emitted}`);
    if (nextA && nextB) {
      const next = snapshotDifference(nextA, nextB);
      if (next) differences.push(`${where}: ${next}`);
      a = nextA;
      b = nextB;
    }
    steps.push({ event: event.type, accepted: nextA !== undefined, value: a.value, emitted: emittedA });
    if (differences.length > 0) return result(differences);
  }
  return result([]);
}

/** Where the compiled and the interpreted steppers differ on `events`; empty when they agree. */
export function driverDisagreements(
  machine: AnyStateMachine,
  input: unknown,
  events: readonly MachineEvent[],
): readonly string[] {
  return compareDrivers(machine, input, events).disagreements;
}

/** How two snapshots differ in value or context, or undefined when they are equal. */
function snapshotDifference(a: MachineSnapshot, b: MachineSnapshot): string | undefined {
  if (a.value !== b.value) return `compiled is in ${a.value}, interpreted in ${b.value}`;
  return dataDifference(a, { value: b.value, context: b.context }, 'snapshot');
}

/**
 * The first place two plain data values differ, or undefined when they are equal. Equality is
 * `toEqual`'s: arrays element by element, objects key by key with a property whose value is
 * undefined the same as a missing one.
 */
export function dataDifference(a: unknown, b: unknown, path: string): string | undefined {
  if (Object.is(a, b)) return undefined;
  const show = (value: unknown) => JSON.stringify(value) ?? String(value);
  const differ = () => `${path} differs: compiled ${show(a)}, interpreted ${show(b)}`;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return differ();
  if (a instanceof Map || a instanceof Set || b instanceof Map || b instanceof Set) {
    if (a.constructor !== b.constructor) return differ();
    return dataDifference([...(a as Iterable<unknown>)], [...(b as Iterable<unknown>)], path);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return differ();
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return differ();
    for (const [i, item] of a.entries()) {
      const found = dataDifference(item, b[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  for (const key of keys) {
    const found = dataDifference(left[key], right[key], `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}
