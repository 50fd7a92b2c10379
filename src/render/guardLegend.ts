/**
 * Short names for the guards a state chart draws, and the legend that spells them out. A
 * guard that is one named check (or its negation, `!a`) keeps its name; any other condition is
 * `g1`, `g2`, ... in the order the machine first uses it, so an edge reads `FFA_MEM_SHARE [g1]`
 * and the legend says once what `g1` requires and which kernel or firmware functions its
 * checks mirror (their doc comments' citations, `src/check/guardCitations.ts`). Pure.
 */
import type { GuardCitation } from '../check/guardCitations.ts';
import type { MachineGraph, TransitionEdge } from './machineGraph.ts';

export interface GuardLegendEntry {
  /** What an edge shows: the guard's own name, or `g<n>` for a composite condition. */
  readonly short: string;
  /** The condition as the machine spells it (`a && b`, `!(a && b)`). */
  readonly condition: string;
  /** The named guards the condition reads, each once, in order. */
  readonly guards: readonly string[];
  /** The source functions those guards' comments cite, each once, in order. */
  readonly functions: readonly string[];
}

export interface GuardLegend {
  readonly entries: readonly GuardLegendEntry[];
  /** The short name of a condition on the chart (the condition itself if unknown). */
  shortName(condition: string): string;
}

const NAMED = /^!?[A-Za-z_$][\w$]*$/;

/** The named guards a condition reads, each once, in order. */
export function guardsOf(condition: string): string[] {
  return [...new Set(condition.match(/[A-Za-z_$][\w$]*/g) ?? [])];
}

/** The legend of every guard condition the graph's transitions use. */
export function guardLegend(
  graph: MachineGraph,
  citations: Readonly<Record<string, GuardCitation>> = {},
): GuardLegend {
  const conditions = [...new Set(graph.transitions.flatMap((t) => (t.guard === undefined ? [] : [t.guard])))];
  const taken = new Set(conditions.flatMap(guardsOf));
  let next = 1;
  const generated = () => {
    while (taken.has(`g${next}`)) next++;
    return `g${next++}`;
  };
  const entries = conditions.map((condition): GuardLegendEntry => {
    const guards = guardsOf(condition);
    return {
      short: NAMED.test(condition) ? condition : generated(),
      condition,
      guards,
      functions: [...new Set(guards.flatMap((guard) => citations[guard]?.functions ?? []))],
    };
  });
  const byCondition = new Map(entries.map((entry) => [entry.condition, entry.short]));
  return { entries, shortName: (condition) => byCondition.get(condition) ?? condition };
}

/** A transition's full condition and citations, one line, for a tooltip. */
export function conditionTooltip(transition: TransitionEdge, legend: GuardLegend): string {
  if (transition.guard === undefined) return `${transition.event}: no guard`;
  const entry = legend.entries.find((e) => e.condition === transition.guard);
  const cites = entry && entry.functions.length > 0 ? `; mirrors ${entry.functions.join(', ')}` : '';
  return `${transition.event} [${legend.shortName(transition.guard)}]: ${transition.guard}${cites}`;
}

export interface LabelLine {
  /** The events that share this guard and these actions, in declaration order. */
  readonly events: readonly string[];
  readonly guard?: string;
  readonly actions: readonly string[];
}

/**
 * A drawn edge's transitions as label lines: transitions with the same short guard and the
 * same actions share a line (`FFA_MEM_SHARE, FFA_MEM_LEND [g1] / recordSend`).
 */
export function labelLines(transitions: readonly TransitionEdge[], legend: GuardLegend): LabelLine[] {
  const lines = new Map<string, { events: string[]; guard?: string; actions: readonly string[] }>();
  for (const transition of transitions) {
    const guard = transition.guard === undefined ? undefined : legend.shortName(transition.guard);
    const key = `${guard ?? ''}\u0000${transition.actions.join(',')}`;
    const line = lines.get(key) ?? { events: [], ...(guard ? { guard } : {}), actions: transition.actions };
    if (!line.events.includes(transition.event)) line.events.push(transition.event);
    lines.set(key, line);
  }
  return [...lines.values()];
}
