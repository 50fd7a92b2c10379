/**
 * What a review shows about one topology, as data the review renderers (`reviewHtml.ts`,
 * `summaryMarkdown.ts`) share: its check report, its description, its drawing, and the
 * step-by-step states of each counterexample. Also the matrix both renderers lay out:
 * topologies by properties, each cell a status.
 */
import type { CheckReport, PropertyResult, Verdict } from '../check/report.ts';
import { type TraceStates, traceStates } from '../check/traceStates.ts';
import type { LoadedTopology } from '../topology/load.ts';
import { topologyDot } from './dot.ts';
import { renderSvg } from './svg.ts';
import { topologyGraph } from './topologyGraph.ts';
import { countVerdicts } from './verdicts.ts';

export interface ReviewEntry {
  readonly report: CheckReport;
  readonly description: string;
  /** The topology drawn as an SVG document (`topologyDot` through Graphviz). */
  readonly topologySvg: string;
  /** Per violated property, its counterexample replayed step by step. */
  readonly traces: ReadonlyMap<string, TraceStates>;
}

/** Everything a review shows about a checked topology: its counterexamples replayed, its design drawn. */
export async function buildReviewEntry(loaded: LoadedTopology, report: CheckReport): Promise<ReviewEntry> {
  const traces = new Map(
    report.properties.flatMap((property) =>
      property.status === 'violated' && property.counterexample
        ? [[property.name, traceStates(loaded.topology, property.counterexample)] as const]
        : [],
    ),
  );
  const topologySvg = await renderSvg(topologyDot(topologyGraph(loaded.topology)));
  return { report, description: loaded.topology.description, topologySvg, traces };
}

export interface ReviewOptions {
  /** Include durations (off for output that is the same on every run). */
  readonly timing?: boolean;
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
