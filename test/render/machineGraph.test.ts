/**
 * State charts from machine definitions, on a tiny door machine with each shape a chart must
 * draw: a nested compound state, an `and([...])` guard, `not`, several transitions between
 * the same two states, a targetless transition, one declared on a compound, one on the
 * machine itself, and descriptions. The graph model first, then its Mermaid and DOT text.
 */

import { describe, expect, it } from 'vitest';
import { and, assign, not, setup } from 'xstate';
import { machineDot } from '../../src/render/dot.ts';
import { drawnEdges, foldedChart, machineGraph, transitionLabel } from '../../src/render/machineGraph.ts';
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

describe('foldedChart', () => {
  it('folds every transition that leaves a state where it is into that state, not a loop', () => {
    const chart = foldedChart(machineGraph(doorMachine));
    expect([...chart.stays].map(([state, list]) => [state, list.map((t) => t.event)])).toEqual([
      ['', ['INSPECT']],
      ['closed', ['KNOCK']],
    ]);
    expect(chart.edges.every((edge) => edge.from !== edge.to)).toBe(true);
    expect(chart.edges).toHaveLength(5);
    expect(chart.unfoldedEdges).toBe(7);
  });

  it('folds a transition that re-enters its own state, declared on the parent', () => {
    const lamp = setup({}).createMachine({
      id: 'lamp',
      initial: 'lit',
      states: {
        lit: { initial: 'dim', on: { RESET: '.dim' }, states: { dim: { on: { UP: 'bright' } }, bright: {} } },
      },
    });
    const chart = foldedChart(machineGraph(lamp));
    expect([...chart.stays].map(([state, list]) => [state, list.map((t) => t.event)])).toEqual([
      ['lit.dim', ['RESET']],
    ]);
    expect(chart.edges.map((e) => [e.from, e.to, e.transitions.map((t) => t.event)])).toEqual([
      ['lit.bright', 'lit.dim', ['RESET']],
      ['lit.dim', 'lit.bright', ['UP']],
    ]);
  });
});

describe('machineMermaid', () => {
  it('writes a stateDiagram-v2 with nested states, short guard names and stays as notes', () => {
    expect(machineMermaid(machineGraph(doorMachine))).toBe(
      [
        'stateDiagram-v2',
        '  %% door: A door that can be locked',
        '  %% !isLocked: !isLocked',
        '  %% g1: hasKey && keyFits',
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
        '  note left of closed',
        '    in every state: INSPECT / log',
        '  end note',
        '  note left of closed',
        '    stays: KNOCK / log',
        '  end note',
        '  open --> closed : CLOSE',
        '  closed --> open : BREAK',
        '  closed__unlocked --> open : OPEN [!isLocked] / countOpen',
        '  closed__unlocked --> closed__locked : LOCK [g1] / lock, log',
        '  closed__locked --> closed__unlocked : UNLOCK [g1] / unlock<br/>RELOCK',
        '',
      ].join('\n'),
    );
  });
});

describe('machineDot', () => {
  const dot = machineDot(machineGraph(doorMachine), {
    citations: { hasKey: { functions: ['key_present()'], files: [] } },
  });

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
    expect(dot).toMatch(/"closed#initial" -> "#label\d+" \[arrowhead=none, ltail="cluster_closed", /);
    expect(dot).toMatch(/"#label\d+" -> "closed#initial" \[lhead="cluster_closed", /);
    expect(dot).toContain('UNLOCK [g1]<BR ALIGN="LEFT"/>/ unlock<BR ALIGN="LEFT"/>RELOCK');
  });

  it('spells each short guard name out once, in the legend, with what it mirrors', () => {
    const title = dot.split('\n').find((line) => line.includes('graph [fontname'))!;
    expect(title).toContain(
      '<B>g1</B></FONT></TD><TD ALIGN="LEFT" BALIGN="LEFT" VALIGN="TOP">hasKey &amp;&amp; keyFits</TD>',
    );
    expect(title).toContain('key_present()');
    expect(dot.match(/hasKey &amp;&amp; keyFits/g)).toHaveLength(1);
    expect(dot).toContain(
      'tooltip="UNLOCK [g1]: hasKey && keyFits; mirrors key_present()\\nRELOCK: no guard"',
    );
  });
});
