/**
 * What a `provide()` variant changes in a machine's chart. A flaw (`machines/flaws.ts`) swaps
 * guard and action implementations and keeps every state and transition, so its chart is the
 * base chart with the transitions that use a swapped implementation marked, and a note saying
 * which ones it swaps and what the buggy version does. Pure.
 */
import type { AnyStateMachine } from 'xstate';

export interface ChartChange {
  /** The guards the variant reimplements, by name, sorted. */
  readonly guards: readonly string[];
  /** The actions the variant reimplements, by name, sorted. */
  readonly actions: readonly string[];
  /** One sentence for the chart: the flaw, what it swaps, and its summary. */
  readonly note: string;
}

type Provided = { readonly guards?: object; readonly actions?: object };

const replaced = (provided: object | undefined, own: object | undefined) =>
  Object.keys(provided ?? {})
    .filter((name) => Object.hasOwn(own ?? {}, name))
    .sort();

/**
 * The change `provide` makes to `machine`, or `undefined` unless every guard and action it
 * reimplements is the machine's (otherwise it is another machine's part of the flaw).
 */
export function flawChange(
  machine: AnyStateMachine,
  flaw: { readonly name: string; readonly summary: string },
  provide: unknown,
): ChartChange | undefined {
  const given = (provide ?? {}) as Provided;
  const own = machine.implementations as Provided;
  const guards = replaced(given.guards, own.guards);
  const actions = replaced(given.actions, own.actions);
  const asked = Object.keys(given.guards ?? {}).length + Object.keys(given.actions ?? {}).length;
  if (guards.length + actions.length === 0 || guards.length + actions.length < asked) return undefined;
  const swaps = [
    ...(guards.length > 0 ? [`guard${guards.length > 1 ? 's' : ''} ${guards.join(', ')}`] : []),
    ...(actions.length > 0 ? [`action${actions.length > 1 ? 's' : ''} ${actions.join(', ')}`] : []),
  ];
  return {
    guards,
    actions,
    note: `Flaw ${flaw.name} (in red) reimplements ${swaps.join(' and ')}: ${flaw.summary}`,
  };
}
