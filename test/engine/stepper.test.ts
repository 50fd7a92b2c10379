/**
 * The compiled driver must step exactly as XState does, and refuse what it cannot compile.
 * One tiny machine per case.
 */

import { describe, expect, it } from 'vitest';
import { and, assign, emit, setup } from 'xstate';
import { compileMachine, interpretedStepper, MachineCompileError } from '../../src/engine/stepper.ts';

const counter = setup({
  types: {
    context: {} as { count: number; limit: number },
    events: {} as { type: 'INC' } | { type: 'RESET' } | { type: 'ADD'; amount: number },
  },
  guards: {
    belowLimit: ({ context }) => context.count < context.limit,
    amountPositive: ({ event }) => event.type === 'ADD' && event.amount > 0,
  },
  actions: {
    increment: assign(({ context }) => ({ count: context.count + 1 })),
    add: assign({ count: ({ context, event }) => context.count + (event.type === 'ADD' ? event.amount : 0) }),
    clear: assign({ count: 0 }),
    announce: emit(({ context }) => ({ type: 'COUNT_CHANGED', count: context.count })),
  },
}).createMachine({
  id: 'counter',
  context: { count: 0, limit: 2 },
  initial: 'idle',
  states: {
    idle: {
      on: {
        INC: { guard: 'belowLimit', actions: 'increment', target: 'busy' },
        ADD: { guard: and(['belowLimit', 'amountPositive']), actions: ['add', 'announce'] },
      },
    },
    busy: {
      initial: 'first',
      on: { RESET: { actions: 'clear', target: 'idle' } },
      states: {
        first: { on: { INC: { guard: 'belowLimit', actions: 'increment', target: 'second' } } },
        second: {},
      },
    },
  },
});

describe('compileMachine', () => {
  it('takes the same transitions as machine.transition', () => {
    const compiled = compileMachine<{ count: number }>(counter);
    const reference = interpretedStepper<{ count: number }>(counter);
    const events = [
      { type: 'ADD', amount: 0 },
      { type: 'INC' },
      { type: 'INC' },
      { type: 'INC' },
      { type: 'RESET' },
      { type: 'ADD', amount: 5 },
      { type: 'INC' },
    ] as const;
    let a = compiled.initial();
    let b = reference.initial();
    expect(a).toEqual({ value: 'idle', context: { count: 0, limit: 2 } });
    const seen: string[] = [];
    for (const event of events) {
      const emittedA: unknown[] = [];
      const emittedB: unknown[] = [];
      const nextA = compiled.step(a, event, emittedA as never);
      const nextB = reference.step(b, event, emittedB as never);
      expect(emittedA).toEqual(emittedB);
      if (event.type === 'ADD' && nextA) expect(emittedA).toEqual([{ type: 'COUNT_CHANGED', count: 5 }]);
      expect(nextA === undefined).toBe(nextB === undefined);
      if (nextA && nextB) {
        expect(nextA).toEqual({ value: nextB.value, context: nextB.context });
        a = nextA;
        b = nextB;
      }
      seen.push(`${a.value}:${(a.context as { count: number }).count}`);
    }
    expect(seen).toEqual([
      'idle:0',
      'busy.first:1',
      'busy.second:2',
      'busy.second:2',
      'idle:0',
      'idle:5',
      'idle:5',
    ]);
  });

  it('names the first failing check of an and-guard', () => {
    const compiled = compileMachine(counter);
    const start = compiled.initial();
    expect(compiled.explain(start, { type: 'ADD', amount: -1 } as never)).toEqual({
      reason: 'guard',
      state: 'idle',
      failedGuard: 'amountPositive',
    });
    expect(compiled.explain(start, { type: 'RESET' })).toEqual({ reason: 'unhandled', state: 'idle' });
    expect(compiled.explain(start, { type: 'INC' })).toBeUndefined();
  });

  it('refuses machines it cannot step faithfully', () => {
    const withEntry = setup({ actions: { noop: () => {} } }).createMachine({
      initial: 'a',
      states: { a: { entry: 'noop' } },
    });
    expect(() => compileMachine(withEntry)).toThrow(MachineCompileError);
    const withSideEffect = setup({ actions: { log: () => {} } }).createMachine({
      initial: 'a',
      states: { a: { on: { GO: { actions: 'log' } } } },
    });
    expect(() => compileMachine(withSideEffect)).toThrow(/only assign and emit actions/);
  });
});

describe('interpretedStepper', () => {
  it('accepts a transition that only emits, although XState returns the same snapshot', () => {
    const pinger = setup({
      types: { events: {} as { type: 'PING' } },
      actions: { pong: emit({ type: 'PONG' }) },
    }).createMachine({ initial: 'idle', states: { idle: { on: { PING: { actions: 'pong' } } } } });
    for (const stepper of [interpretedStepper(pinger), compileMachine(pinger)]) {
      const emitted: unknown[] = [];
      const next = stepper.step(stepper.initial(), { type: 'PING' }, emitted as never);
      expect(next?.value).toBe('idle');
      expect(emitted).toEqual([{ type: 'PONG' }]);
      expect(stepper.step(stepper.initial(), { type: 'NOPE' })).toBeUndefined();
    }
  });
});
