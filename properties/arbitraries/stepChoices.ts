/**
 * Random step sequences that waste no runs on refused calls and still shrink well.
 *
 * A sequence is a list of choices interpreted against the state reached so far: a choice either
 * picks among the steps enabled there (most of them, so runs go deep) or among all steps
 * (so refused calls are tried too and must leave the state unchanged). Because a choice is an
 * index into "what can happen now", every shrunk sequence is still a valid run: fast-check can
 * drop choices and lower indices freely.
 */
import fc from 'fast-check';

export interface StepChoice {
  /** Pick among the enabled steps (`true`) or among all steps, refused ones included. */
  readonly enabledOnly: boolean;
  readonly pick: number;
}

export interface StepChoicesOptions {
  readonly minLength: number;
  readonly maxLength: number;
  /** Share of choices restricted to enabled steps, 0 to 1. */
  readonly enabledBias: number;
}

/**
 * `size: 'max'` matters: with fast-check's default size an array asked for up to 60 items
 * yields about 10, and deep bugs are never reached (fast-check's "Size explained",
 * fast-check.dev/docs/configuration/larger-entries-by-default).
 */
export function stepChoices(options: StepChoicesOptions): fc.Arbitrary<StepChoice[]> {
  const weight = Math.round(options.enabledBias * 100);
  const choice = fc.record({
    enabledOnly: fc.oneof(
      { weight, arbitrary: fc.constant(true) },
      { weight: 100 - weight, arbitrary: fc.constant(false) },
    ),
    pick: fc.nat({ max: 0xffff }),
  });
  return fc.array(choice, { minLength: options.minLength, maxLength: options.maxLength, size: 'max' });
}

/** A model the choices can drive: its steps, and a step function refusing with `undefined`. */
export interface Steppable<State, Step> {
  readonly initial: State;
  readonly steps: readonly Step[];
  apply(state: State, step: Step): State | undefined;
  /**
   * The steps `apply` accepts in `state`, in the order of `steps`: a model that can tell them
   * without building every successor gives this, and only the picked step is applied.
   */
  enabled?(state: State): readonly Step[];
  /**
   * How often an enabled step should be picked relative to the others (a small integer, 1 by
   * default): the legitimate pipeline's steps get more weight so runs get deep enough for the
   * adversary to act on decrypted frames.
   */
  weight?(step: Step): number;
}

export interface ResolvedStep<State, Step> {
  readonly step: Step;
  /** The state after the step; equal to the state before when the step was refused. */
  readonly state: State;
  readonly accepted: boolean;
}

/** The `pick`-th element when each element appears `weight` times. */
function weightedPick<T>(items: readonly T[], pick: number, weight: (item: T) => number): T {
  let total = 0;
  for (const item of items) total += weight(item);
  let target = pick % total;
  for (const item of items) {
    target -= weight(item);
    if (target < 0) return item;
  }
  return items[items.length - 1]!;
}

/** Interprets choices against a model, from its initial state. */
export function resolveChoices<State, Step>(
  model: Steppable<State, Step>,
  choices: readonly StepChoice[],
): ResolvedStep<State, Step>[] {
  const out: ResolvedStep<State, Step>[] = [];
  const weight = model.weight?.bind(model);
  let state = model.initial;
  for (const choice of choices) {
    if (choice.enabledOnly) {
      const from = state;
      const enabled = model.enabled
        ? model.enabled(state)
        : model.steps.filter((step) => model.apply(from, step) !== undefined);
      if (enabled.length === 0) break;
      const step = weight
        ? weightedPick(enabled, choice.pick, weight)
        : enabled[choice.pick % enabled.length]!;
      state = model.apply(state, step)!;
      out.push({ step, state, accepted: true });
    } else {
      const step = model.steps[choice.pick % model.steps.length]!;
      const next = model.apply(state, step);
      if (next !== undefined) state = next;
      out.push({ step, state, accepted: next !== undefined });
    }
  }
  return out;
}
