/**
 * Random exploration with fast-check: runs of enabled steps (with some refused calls mixed in),
 * a fixed or given seed so every result replays, and every counterexample shrunk by fast-check
 * and then minimized step by step (see `minimizeTrace`).
 *
 * Properties are hunted in passes: a pass stops at the first run that violates any property
 * still open; those properties get their minimized counterexample and leave the open set; the
 * next pass hunts the rest with the same seed.
 */
import fc from 'fast-check';
import { resolveChoices, stepChoices } from '../../properties/arbitraries/stepChoices.ts';
import type { ExplorableModel } from './bfs.ts';
import { minimizeTrace } from './minimizeTrace.ts';

export interface RandomOptions<State, Step = unknown> {
  readonly runs: number;
  /** Steps per run. */
  readonly maxDepth: number;
  readonly seed: number;
  readonly properties: readonly string[];
  readonly violated: (state: State) => readonly string[];
  readonly goal?: (state: State) => boolean;
  /** Relative weight of an enabled step (see `Steppable.weight`). */
  readonly weight?: (step: Step) => number;
  /** Share of choices restricted to enabled steps (default 0.85). */
  readonly enabledBias?: number;
  readonly onProgress?: (progress: { runs: number; total: number }) => void;
}

export interface RandomCounterexample<Step> {
  readonly steps: readonly Step[];
  /** fast-check shrinks plus steps removed by minimization. */
  readonly shrinks: number;
}

export interface RandomResult<Step> {
  readonly counterexamples: ReadonlyMap<string, RandomCounterexample<Step>>;
  readonly witness?: readonly Step[];
  readonly runs: number;
  /** Steps applied over all runs. */
  readonly steps: number;
  readonly distinctStates: number;
  readonly depth: number;
  /** `decided`: every property has a counterexample; `runs`: every run was taken without that. */
  readonly ended: 'decided' | 'runs';
}

export function randomSearch<State, Step>(
  model: ExplorableModel<State, Step>,
  options: RandomOptions<State, Step>,
): RandomResult<Step> {
  const open = new Set(options.properties);
  const counterexamples = new Map<string, RandomCounterexample<Step>>();
  const seen = new Set<string>([model.fingerprint(model.initial)]);
  let witness: Step[] | undefined;
  let runs = 0;
  let applied = 0;
  let depth = 0;
  const arbitrary = stepChoices({
    minLength: options.maxDepth,
    maxLength: options.maxDepth,
    enabledBias: options.enabledBias ?? 0.85,
  });
  const openViolations = (state: State) => options.violated(state).filter((name) => open.has(name));
  const steppable = {
    initial: model.initial,
    steps: model.steps,
    apply: model.apply.bind(model),
    ...(model.enabled ? { enabled: model.enabled.bind(model) } : {}),
    ...(options.weight ? { weight: options.weight } : {}),
  };

  while (open.size > 0) {
    const property = fc.property(arbitrary, (choices) => {
      runs++;
      if (options.onProgress && runs % 50 === 0) options.onProgress({ runs, total: options.runs });
      const taken: Step[] = [];
      for (const resolved of resolveChoices(steppable, choices)) {
        if (!resolved.accepted) continue;
        applied++;
        taken.push(resolved.step);
        depth = Math.max(depth, taken.length);
        if (seen.size < 2_000_000) seen.add(model.fingerprint(resolved.state));
        if (!witness && options.goal?.(resolved.state)) witness = [...taken];
        if (openViolations(resolved.state).length > 0) return false;
      }
      return true;
    });
    const outcome = fc.check(property, { seed: options.seed, numRuns: options.runs });
    if (!outcome.failed || !outcome.counterexample) break;
    // The failing run, resolved to concrete steps, up to its first violation.
    const concrete: Step[] = [];
    let names: readonly string[] = [];
    for (const resolved of resolveChoices(steppable, outcome.counterexample[0])) {
      if (!resolved.accepted) continue;
      concrete.push(resolved.step);
      names = openViolations(resolved.state);
      if (names.length > 0) break;
    }
    for (const name of names) {
      const minimal = minimizeTrace(model, concrete, (state) => options.violated(state).includes(name));
      counterexamples.set(name, {
        steps: minimal.steps,
        shrinks: outcome.numShrinks + (concrete.length - minimal.steps.length),
      });
      open.delete(name);
    }
    if (names.length === 0) break;
  }
  return {
    counterexamples,
    ...(witness ? { witness } : {}),
    runs,
    steps: applied,
    distinctStates: seen.size,
    depth,
    ended: open.size === 0 ? 'decided' : 'runs',
  };
}
