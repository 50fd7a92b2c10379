/**
 * Every machine of `machines/` draws: the registry lists each machine file once, each renders
 * to Mermaid and DOT without error with every event it handles on the chart, each guard
 * condition by a short name the legend spells out once, no self-loop; and Graphviz
 * (WebAssembly, offline) lays one out as SVG with its font declared and its edges titled.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { machines } from '../../machines/index.ts';
import { guardCitations } from '../../src/check/guardCitations.ts';
import { machineDot } from '../../src/render/dot.ts';
import { guardLegend } from '../../src/render/guardLegend.ts';
import { foldedChart, machineGraph } from '../../src/render/machineGraph.ts';
import { machineMermaid } from '../../src/render/mermaid.ts';
import { CHART_FONT_STACK, chartSvg, inlineSvg, renderSvg } from '../../src/render/svg.ts';

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

  it('names every guard condition once, by a short name unique in the chart, with its citations', () => {
    const citations = guardCitations[graph.id] ?? {};
    const legend = guardLegend(graph, citations);
    const conditions = new Set(graph.transitions.flatMap((t) => (t.guard ? [t.guard] : [])));
    expect(legend.entries.map((e) => e.condition).sort()).toEqual([...conditions].sort());
    const shorts = legend.entries.map((e) => e.short);
    expect(new Set(shorts).size).toBe(shorts.length);
    for (const entry of legend.entries) {
      expect(entry.short.length).toBeLessThanOrEqual(Math.max(4, entry.condition.length));
      const cited = entry.guards.flatMap((g) => citations[g]?.functions ?? []);
      expect(new Set(entry.functions)).toEqual(new Set(cited));
    }
    // No drawn label spells out a conjunction: only the legend, in the title, does.
    const [title, ...rest] = machineDot(graph, { citations })
      .split('\n')
      .filter((line) => line.includes('label=<'));
    expect(title).toContain('graph [fontname');
    expect(
      rest.filter((line) => / \[(?!tooltip)[^\]]*&amp;&amp;/.test(line.replace(/tooltip="[^"]*"/g, ''))),
    ).toEqual([]);
  });

  it('draws no self-loop: what leaves a state where it is is listed in it', () => {
    const chart = foldedChart(graph);
    expect(chart.edges.filter((edge) => edge.from === edge.to)).toEqual([]);
    const listed = new Set([...chart.stays.values()].flat());
    const drawn = new Set(chart.edges.flatMap((edge) => edge.transitions));
    for (const transition of graph.transitions)
      expect(listed.has(transition) || drawn.has(transition)).toBe(true);
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

  it('declares the font stack and titles every edge with its full conditions and citations', async () => {
    const ffa = machineGraph(machines.find((m) => m.name === 'ffaTransactionMachine')!.machine);
    const svg = chartSvg(await renderSvg(machineDot(ffa, { citations: guardCitations.ffaTransaction })));
    expect(svg).not.toContain('font-family="Verdana"');
    expect(svg).toContain(`font-family="${CHART_FONT_STACK}"`);
    const edges = svg.match(/<g id="edge\d+" class="edge">\s*<title>[^<]*<\/title>/g) ?? [];
    expect(edges.length).toBeGreaterThan(10);
    const drawn = edges.filter((edge) => !edge.includes('initial&#45;&gt;'));
    expect(drawn.length).toBe(edges.length - 2); // the machine's and `live`'s initial arrows
    for (const edge of drawn) expect(edge).toMatch(/<title>[A-Z_]+( \[[^\]]+\]: [^<]+|: no guard)/);
    expect(svg).toContain('mirrors api_ffa_mem_send()');
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
