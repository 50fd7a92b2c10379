/**
 * State charts from machine definitions, on a tiny door machine with each shape a chart must
 * draw: a nested compound state, an `and([...])` guard, `not`, several transitions between
 * the same two states, a targetless transition, one declared on a compound, one on the
 * machine itself, and descriptions. The graph model first, then its Mermaid and DOT text.
 */

import { describe, expect, it } from 'vitest';
import { and, assign, not, setup } from 'xstate';
import { machineDot } from '../../src/render/dot.ts';
import { drawnEdges, machineGraph, transitionLabel } from '../../src/render/machineGraph.ts';
import { machineMermaid } from '../../src/render/mermaid.ts';

const doorMachine = setup({
  types: { context: {} as { opens: number; locked: boolean } },
  guards: {
    hasKey: () => true,
    keyFits: () => true,
    isLocked: ({ context }) => context.locked,
  },
  actions: {
    countOpen: assign(({ context }) => ({ opens: context.opens + 1 })),
    lock: assign({ locked: true }),
    unlock: assign({ locked: false }),
    log: assign({}),
  },
}).createMachine({
  id: 'door',
  description: 'A door that can be locked',
  context: { opens: 0, locked: false },
  initial: 'closed',
  on: { INSPECT: { actions: 'log' } },
  states: {
    open: {
      description: 'Anyone can walk through',
      on: { CLOSE: { target: 'closed' } },
    },
    closed: {
      description: 'Shut, locked or not',
      initial: 'unlocked',
      on: { KNOCK: { actions: 'log' }, BREAK: { target: 'open' } },
      states: {
        unlocked: {
          on: {
            OPEN: { guard: not('isLocked'), target: '#door.open', actions: 'countOpen' },
            LOCK: { guard: and(['hasKey', 'keyFits']), target: 'locked', actions: ['lock', 'log'] },
          },
        },
        locked: {
          on: {
            UNLOCK: { guard: and(['hasKey', 'keyFits']), target: 'unlocked', actions: 'unlock' },
            RELOCK: { target: 'unlocked' },
          },
        },
      },
    },
  },
});

describe('machineGraph', () => {
  const graph = machineGraph(doorMachine);

  it('reads the nested states with their kinds, initial children and descriptions', () => {
    expect(graph.id).toBe('door');
    expect(graph.description).toBe('A door that can be locked');
    expect(graph.root.initial).toBe('closed');
    const closed = graph.root.children.find((s) => s.id === 'closed')!;
    expect(closed).toMatchObject({ key: 'closed', kind: 'compound', initial: 'closed.unlocked' });
    expect(closed.description).toBe('Shut, locked or not');
    expect(closed.children.map((s) => [s.id, s.kind])).toEqual([
      ['closed.unlocked', 'atomic'],
      ['closed.locked', 'atomic'],
    ]);
  });

  it('names guards as the machine spells them: and() joined with &&, not() with !', () => {
    const lock = graph.transitions.find((t) => t.event === 'LOCK')!;
    expect(lock).toEqual({
      source: 'closed.unlocked',
      target: 'closed.locked',
      event: 'LOCK',
      guard: 'hasKey && keyFits',
      actions: ['lock', 'log'],
    });
    expect(graph.transitions.find((t) => t.event === 'OPEN')!.guard).toBe('!isLocked');
    expect(transitionLabel(lock)).toBe('LOCK [hasKey && keyFits] / lock, log');
  });

  it('keeps targetless transitions and those declared on a compound or on the machine', () => {
    expect(graph.transitions.filter((t) => t.target === undefined).map((t) => [t.source, t.event])).toEqual([
      ['', 'INSPECT'],
      ['closed', 'KNOCK'],
    ]);
    expect(graph.transitions.find((t) => t.event === 'BREAK')).toMatchObject({
      source: 'closed',
      target: 'open',
    });
    expect(graph.events).toEqual(['BREAK', 'CLOSE', 'INSPECT', 'KNOCK', 'LOCK', 'OPEN', 'RELOCK', 'UNLOCK']);
  });

  it('draws one edge per pair of states, the machine’s own loops on every top-level state', () => {
    const edges = drawnEdges(graph, { loops: true }).map((e) => [
      e.from,
      e.to,
      e.transitions.map((t) => t.event),
    ]);
    expect(edges).toEqual([
      ['open', 'open', ['INSPECT']],
      ['closed', 'closed', ['INSPECT', 'KNOCK']],
      ['open', 'closed', ['CLOSE']],
      ['closed', 'open', ['BREAK']],
      ['closed.unlocked', 'open', ['OPEN']],
      ['closed.unlocked', 'closed.locked', ['LOCK']],
      ['closed.locked', 'closed.unlocked', ['UNLOCK', 'RELOCK']],
    ]);
  });
});

describe('machineMermaid', () => {
  it('writes a stateDiagram-v2 with nested states, descriptions and grouped labels', () => {
    expect(machineMermaid(machineGraph(doorMachine))).toBe(
      [
        'stateDiagram-v2',
        '  %% door: A door that can be locked',
        '  [*] --> closed',
        '  state "open" as open',
        '  open : Anyone can walk through',
        '  state "closed" as closed {',
        '    [*] --> closed__unlocked',
        '    state "unlocked" as closed__unlocked',
        '    state "locked" as closed__locked',
        '  }',
        '  note right of closed',
        '    Shut, locked or not',
        '  end note',
        '  open --> open : INSPECT / log',
        '  closed --> closed : INSPECT / log<br/>KNOCK / log',
        '  open --> closed : CLOSE',
        '  closed --> open : BREAK',
        '  closed__unlocked --> open : OPEN [!isLocked] / countOpen',
        '  closed__unlocked --> closed__locked : LOCK [hasKey && keyFits] / lock, log',
        '  closed__locked --> closed__unlocked : UNLOCK [hasKey && keyFits] / unlock<br/>RELOCK',
        '',
      ].join('\n'),
    );
  });
});

describe('machineDot', () => {
  const dot = machineDot(machineGraph(doorMachine));

  it('draws a compound state as a cluster entered through its initial dot', () => {
    expect(dot).toMatch(/^digraph "door" \{/);
    expect(dot).toContain('subgraph "cluster_closed" {');
    expect(dot).toContain('"closed#initial" -> "closed.unlocked";');
    expect(dot).toContain('"#initial" -> "closed#initial";');
  });

  it('lists targetless transitions inside the state that declares them', () => {
    // The machine's own in the title, the compound's in the cluster label.
    const title = dot.split('\n').find((line) => line.includes('graph [fontname'))!;
    expect(title).toContain('INSPECT<BR ALIGN="LEFT"/>/ log');
    const cluster = dot.split('\n').find((line) => line.includes('bgcolor="#f8fafc"'))!;
    expect(cluster).toContain('KNOCK<BR ALIGN="LEFT"/>/ log');
    expect(dot).not.toMatch(/-> "#label\d+" .*KNOCK/);
  });

  it('gives each edge a label node, leaving and entering clusters at their border', () => {
    expect(dot).toMatch(/"closed#initial" -> "#label\d+" \[arrowhead=none, ltail="cluster_closed"\];/);
    expect(dot).toMatch(/"#label\d+" -> "closed#initial" \[lhead="cluster_closed"\];/);
    expect(dot).toContain('[hasKey &amp;&amp; keyFits]');
    expect(dot).toContain('UNLOCK<BR ALIGN="LEFT"/>[hasKey &amp;&amp; keyFits]<BR ALIGN="LEFT"/>/ unlock');
  });
});
