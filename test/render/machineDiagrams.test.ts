/**
 * Every machine of `machines/` draws: the registry lists each machine file once, each renders
 * to Mermaid and DOT without error with every event it handles on the chart, and Graphviz
 * (WebAssembly, offline) lays one out as SVG.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { machines } from '../../machines/index.ts';
import { machineDot } from '../../src/render/dot.ts';
import { machineGraph } from '../../src/render/machineGraph.ts';
import { machineMermaid } from '../../src/render/mermaid.ts';
import { inlineSvg, renderSvg } from '../../src/render/svg.ts';

describe('the machine registry', () => {
  it('lists every machine file in machines/ once, by its export name', () => {
    const files = readdirSync('machines')
      .filter((name) => name.endsWith('Machine.ts'))
      .map((name) => name.replace(/\.ts$/, ''))
      .sort();
    expect(machines.map((entry) => entry.name).sort()).toEqual(files);
  });

  it.each(machines.map((entry) => [entry.name, entry] as const))(
    '%s has a one-sentence summary',
    (_, entry) => {
      expect(entry.summary).toMatch(/^[A-Z].*\.$/);
      expect(entry.machine.id).toBe(entry.name.replace(/Machine$/, ''));
    },
  );
});

describe.each(machines.map((entry) => [entry.name, entry] as const))('%s', (_, entry) => {
  const graph = machineGraph(entry.machine);

  it('renders to Mermaid with every event type on the chart', () => {
    const text = machineMermaid(graph);
    expect(text.startsWith('stateDiagram-v2\n')).toBe(true);
    for (const event of graph.events) expect(text).toContain(event);
    // Mermaid statement separators and entity markers never leak in from prose.
    for (const line of text.split('\n').slice(2)) expect(line).not.toMatch(/[;#]/);
  });

  it('renders to DOT with every event type on the chart', () => {
    const dot = machineDot(graph);
    expect(dot.startsWith(`digraph "${entry.machine.id}" {`)).toBe(true);
    for (const event of graph.events) expect(dot).toContain(event);
  });
});

describe('renderSvg', () => {
  it('lays out a machine chart as SVG with Graphviz, offline', async () => {
    const svg = await renderSvg(
      machineDot(machineGraph(machines.find((m) => m.name === 'pkvmPageMachine')!.machine)),
    );
    expect(svg).toContain('<svg');
    expect(svg).toContain('HOST_SHARE_HYP');
    expect(svg).toContain('</svg>');
  });

  it('inlines an SVG without its prolog and DTD, with prefixed ids', async () => {
    const svg = await renderSvg('digraph g { a -> b }');
    expect(svg).toContain('<!DOCTYPE svg');
    const inline = inlineSvg(svg, 'x-');
    expect(inline.startsWith('<svg')).toBe(true);
    expect(inline).not.toMatch(/<!DOCTYPE|<\?xml|<!--/);
    expect(inline).toContain('id="x-graph0"');
    expect(inline.match(/https?:\/\/[^"]*/g)).toEqual([
      'http://www.w3.org/2000/svg',
      'http://www.w3.org/1999/xlink',
    ]);
  });
});
