/**
 * Why a step cannot be taken in a state, found by trying it again outside the search: its plan
 * says whether the caller can make the call at all (and its `unmet` which world precondition
 * fails first); if it can, the machines are handed the call's events one by one and the first
 * refusal is explained by the refusing machine, with the guard that failed, the code the call
 * returns, and the source functions the guard's doc comment cites.
 */
import type { StepDef, World } from '../world/world.ts';
import type { StepRefusal } from './coverageReport.ts';
import { guardCitations } from './guardCitations.ts';

/** A refusal with its rank: a machine's refusal outranks any precondition, a later precondition an earlier one. */
export interface RankedRefusal {
  readonly rank: number;
  readonly refusal: Omit<StepRefusal, 'seenAt'>;
}

const MACHINE_RANK = 1_000;

/** What refuses `step` in the state with ids `ids`; `undefined` when the step applies there. */
export function refusalAt(world: World, step: StepDef, ids: Uint32Array): RankedRefusal | undefined {
  const state = world.stateOf(ids);
  const deliveries = step.plan(state);
  if (deliveries === undefined) {
    const unmet = step.unmet?.(state);
    return {
      rank: unmet?.rank ?? 0,
      refusal: {
        kind: 'precondition',
        says:
          unmet?.says ??
          `${step.actor} does not make the call here (a condition of ${step.action}() does not hold)`,
      },
    };
  }
  const outcome = world.deliver(state, deliveries);
  if ('state' in outcome) return undefined;
  const { component, event, state: at, code, failedGuard } = outcome.refused;
  const machine = component.stepper.machine.id;
  const citation = failedGuard === undefined ? undefined : guardCitations[machine]?.[failedGuard];
  const cites =
    citation && citation.functions.length > 0
      ? `, as ${citation.functions.join(', ')}${citation.files.length > 0 ? ` (${citation.files.join(', ')})` : ''} does`
      : '';
  const where = `${component.label} (${machine}Machine, state ${at})`;
  return {
    rank: MACHINE_RANK,
    refusal: {
      kind: failedGuard === undefined ? 'unhandled' : 'guard',
      says:
        failedGuard === undefined
          ? `${where} takes no ${event.type} in that state (${code})`
          : `${where} refuses ${event.type}: its check ${failedGuard} fails with ${code}${cites}`,
      component: component.id,
      machine: `${machine}Machine`,
      event: event.type,
      state: at,
      ...(failedGuard !== undefined ? { guard: failedGuard } : {}),
      code,
      ...(citation ? { source: { functions: citation.functions, files: citation.files } } : {}),
    },
  };
}

/** How a step fared over a set of states: at how many it applied, and its nearest refusal. */
export interface NearestRefusal {
  readonly tried: number;
  readonly enabledAt: number;
  readonly nearest?: StepRefusal;
}

/**
 * Tries `step` at each state and keeps the refusal that came nearest (highest rank, then the one
 * seen at most states, then the first seen). Answers are remembered by the snapshots the step
 * touches, so states that agree on them are not tried twice.
 */
export function nearestRefusal(world: World, step: StepDef, states: readonly Uint32Array[]): NearestRefusal {
  const known = new Map<string, RankedRefusal | null>();
  const counts = new Map<string, { ranked: RankedRefusal; count: number }>();
  let enabledAt = 0;
  for (const ids of states) {
    const key = step.touches.map((c) => ids[c]).join(',');
    let answer = known.get(key);
    if (answer === undefined) {
      answer = refusalAt(world, step, ids) ?? null;
      known.set(key, answer);
    }
    if (answer === null) {
      enabledAt++;
      continue;
    }
    const entry = counts.get(answer.refusal.says) ?? { ranked: answer, count: 0 };
    entry.count++;
    counts.set(answer.refusal.says, entry);
  }
  let best: { ranked: RankedRefusal; count: number } | undefined;
  for (const entry of counts.values()) {
    if (
      best === undefined ||
      entry.ranked.rank > best.ranked.rank ||
      (entry.ranked.rank === best.ranked.rank && entry.count > best.count)
    ) {
      best = entry;
    }
  }
  return {
    tried: states.length,
    enabledAt,
    ...(best ? { nearest: { ...best.ranked.refusal, seenAt: best.count } } : {}),
  };
}
