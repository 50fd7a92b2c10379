/**
 * A `provide()` variant drawn as its difference from the base chart: which guards and actions
 * it reimplements, only when they are all the machine's own, and the transitions using them
 * drawn in red with a note.
 */
import { describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { machineDot } from '../../src/render/dot.ts';
import { flawChange } from '../../src/render/flawChange.ts';
import { machineGraph } from '../../src/render/machineGraph.ts';

const gateMachine = setup({
  guards: { badgeValid: () => true, gateFree: () => true },
  actions: { logEntry: assign({}), openGate: assign({}) },
}).createMachine({
  id: 'gate',
  initial: 'shut',
  states: {
    shut: { on: { BADGE: { guard: 'badgeValid', target: 'open', actions: 'openGate' } } },
    open: { on: { PASS: { guard: 'gateFree', target: 'shut', actions: 'logEntry' } } },
  },
});

const flaw = { name: 'anyBadgeOpens', summary: 'Every badge opens the gate.' };

describe('flawChange', () => {
  it('names the guards and actions a variant reimplements, with a note', () => {
    const change = flawChange(gateMachine, flaw, { guards: { badgeValid: () => true } });
    expect(change).toEqual({
      guards: ['badgeValid'],
      actions: [],
      note: 'Flaw anyBadgeOpens (in red) reimplements guard badgeValid: Every badge opens the gate.',
    });
  });

  it("is undefined for another machine's part of the flaw", () => {
    expect(flawChange(gateMachine, flaw, { actions: { unlockDoor: assign({}) } })).toBeUndefined();
    expect(
      flawChange(gateMachine, flaw, { guards: { badgeValid: () => true, doorShut: () => true } }),
    ).toBeUndefined();
  });

  it('draws only the transitions using a reimplemented guard or action in red', () => {
    const change = flawChange(gateMachine, flaw, { actions: { logEntry: assign({}) } })!;
    const dot = machineDot(machineGraph(gateMachine), { changed: change });
    const red = dot.split('\n').filter((line) => line.includes('#dc2626'));
    expect(red.some((line) => line.includes('PASS [gateFree]'))).toBe(true);
    expect(red.filter((line) => line.includes(' -> '))).toHaveLength(2);
    expect(red.some((line) => line.includes('BADGE'))).toBe(false);
    expect(dot).toContain('Flaw anyBadgeOpens (in red) reimplements action logEntry');
  });
});
