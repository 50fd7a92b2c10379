/**
 * What a review shows about one topology, as data the review renderers (`reviewHtml.ts`,
 * `summaryMarkdown.ts`) share: its check report, its description, its drawing, the facts a
 * comparison lines up, and the step-by-step states of each counterexample and witness with
 * the design drawn after each step. Also the matrix both renderers lay out: topologies by
 * properties, each cell a status.
 */
import type { CheckReport, PropertyResult, Verdict } from '../check/report.ts';
import {
  describeTrace,
  type ReplayedTrace,
  replayCounterexample,
  replayWitness,
  type TraceStates,
} from '../check/traceStates.ts';
import type { LoadedTopology } from '../topology/load.ts';
import { composeWorld } from '../world/compose.ts';
import { type DesignFact, designFacts } from './designFacts.ts';
import { topologyDot } from './dot.ts';
import { renderSvg } from './svg.ts';
import { topologyGraph } from './topologyGraph.ts';
import { type LegendItem, legendItems } from './topologyStyle.ts';
import { countVerdicts } from './verdicts.ts';

/** A design drawn as an SVG document, with the legend of the styles it uses. */
export interface Drawing {
  readonly svg: string;
  readonly legend: readonly LegendItem[];
}

export interface ReviewEntry {
  readonly report: CheckReport;
  readonly description: string;
  /** The topology drawn as an SVG document (`topologyDot` through Graphviz). */
  readonly topologySvg: string;
  /** The legend of `topologySvg`. */
  readonly legend: readonly LegendItem[];
  /** What the design chose, aspect by aspect, for a side-by-side comparison. */
  readonly facts: readonly DesignFact[];
  /** Per violated property, its counterexample replayed step by step. */
  readonly traces: ReadonlyMap<string, TraceStates>;
  /** Per reachability property that holds, its witness (a run of the pipeline) replayed step by step. */
  readonly witnesses: ReadonlyMap<string, TraceStates>;
  /**
   * Per property in `traces` or `witnesses`, the design drawn with the reach of every state of
   * the trace; each reach edge's SVG class says in which states it holds (`s0` after boot).
   */
  readonly traceDrawings: ReadonlyMap<string, Drawing>;
}

async function drawn(loaded: LoadedTopology, replayed?: ReplayedTrace): Promise<Drawing> {
  const composed = replayed?.composed ?? composeWorld(loaded.topology);
  const graph = topologyGraph(loaded.topology, composed, replayed?.worldStates);
  return { svg: await renderSvg(topologyDot(graph, { legend: false })), legend: legendItems(graph) };
}

/** Everything a review shows about a checked topology: its traces replayed, its design drawn. */
export async function buildReviewEntry(loaded: LoadedTopology, report: CheckReport): Promise<ReviewEntry> {
  const { topology } = loaded;
  const traces = new Map<string, TraceStates>();
  const witnesses = new Map<string, TraceStates>();
  const traceDrawings = new Map<string, Drawing>();
  for (const property of report.properties) {
    if (property.status === 'violated' && property.counterexample) {
      const replayed = replayCounterexample(topology, property.counterexample.replay);
      traces.set(
        property.name,
        describeTrace(topology, replayed, property.counterexample.violations, 'violation'),
      );
      traceDrawings.set(property.name, await drawn(loaded, replayed));
    } else if (property.status === 'holds' && property.witness) {
      const replayed = replayWitness(topology, property.name, property.witness.steps);
      witnesses.set(property.name, describeTrace(topology, replayed, [], 'witness'));
      traceDrawings.set(property.name, await drawn(loaded, replayed));
    }
  }
  const design = await drawn(loaded);
  return {
    report,
    description: topology.description,
    topologySvg: design.svg,
    legend: design.legend,
    facts: designFacts(topology, report),
    traces,
    witnesses,
    traceDrawings,
  };
}

export interface ReviewOptions {
  /** Include durations (off for output that is the same on every run). */
  readonly timing?: boolean;
  /**
   * The coverage section of a design's panel (`<section class="coverage">`): HTML for one
   * design, or nothing. Left empty when not given.
   */
  readonly coverageSection?: (entry: ReviewEntry) => string | undefined;
}

/** The property columns of the matrix: every property some topology was checked against, in first-seen order. */
export function propertyColumns(entries: readonly ReviewEntry[]): string[] {
  const names: string[] = [];
  for (const entry of entries) {
    for (const property of entry.report.properties) {
      if (!names.includes(property.name)) names.push(property.name);
    }
  }
  return names;
}

export type CellStatus = PropertyResult['status'] | 'notChecked';

/** A matrix cell: its status and its text (`✔`, `✖ 4`, `!`, `—`). */
export function cellOf(result: PropertyResult | undefined): { status: CellStatus; text: string } {
  if (result === undefined) return { status: 'notChecked', text: '—' };
  if (result.status === 'holds') return { status: 'holds', text: '✔' };
  if (result.status === 'vacuous') return { status: 'vacuous', text: '!' };
  if (result.status === 'notReproduced') return { status: 'notReproduced', text: '✖ ?' };
  return { status: 'violated', text: `✖ ${result.counterexample?.steps.length ?? 0}` };
}

export const CELL_LEGEND =
  '✔ holds · ✖ n violated after n steps · ! vacuous (nothing to check) · — not checked (not applicable, or the design does not boot)';

/** Counts of topologies by verdict. */
export function verdictCounts(entries: readonly ReviewEntry[]): Record<Verdict, number> {
  return countVerdicts(entries.map((entry) => entry.report));
}

/** A line saying how a topology fared: `pass`, or how many properties are violated and vacuous. */
export function verdictText(report: CheckReport): string {
  if (report.unbootable) return `unbootable: ${report.unbootable.message}`;
  const violated = report.properties.filter((p) => p.status === 'violated').length;
  const vacuous = report.properties.filter((p) => p.status === 'vacuous').length;
  if (violated === 0 && vacuous === 0) return 'pass';
  const parts = [
    ...(violated > 0 ? [`${violated} violated`] : []),
    ...(vacuous > 0 ? [`${vacuous} vacuous`] : []),
  ];
  return parts.join(', ');
}
