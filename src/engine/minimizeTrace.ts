/**
 * Minimizes a counterexample trace: removes steps (in halves, then quarters, down to single
 * steps) as long as what remains still reaches a violation, until no single step can go.
 *
 * fast-check shrinks the random choices that produced a run, but choices are read against the
 * state reached so far, so dropping an early choice changes the meaning of the later ones and
 * its shrinking stops at a local minimum. Concrete steps do not have that problem: replaying a
 * trace with some steps removed either still works or it does not. The result is 1-minimal:
 * removing any single step loses the violation.
 */
export interface Replayable<State, Step> {
  readonly initial: State;
  apply(state: State, step: Step): State | undefined;
}

/**
 * Replays `steps`, skipping the ones refused in the state reached, and returns the steps taken
 * up to and including the first state where `violates` holds, or `undefined` if none does.
 */
export function replayToViolation<State, Step>(
  model: Replayable<State, Step>,
  steps: readonly Step[],
  violates: (state: State) => boolean,
): Step[] | undefined {
  let state = model.initial;
  const taken: Step[] = [];
  if (violates(state)) return taken;
  for (const step of steps) {
    const next = model.apply(state, step);
    if (next === undefined) continue;
    state = next;
    taken.push(step);
    if (violates(state)) return taken;
  }
  return undefined;
}

export interface MinimizeResult<Step> {
  readonly steps: Step[];
  /** Replays tried while minimizing. */
  readonly attempts: number;
}

export function minimizeTrace<State, Step>(
  model: Replayable<State, Step>,
  trace: readonly Step[],
  violates: (state: State) => boolean,
): MinimizeResult<Step> {
  const first = replayToViolation(model, trace, violates);
  if (!first) throw new Error('minimizeTrace: the trace does not reach a violation');
  let best: Step[] = first;
  let attempts = 1;
  let chunk = Math.max(1, Math.floor(best.length / 2));
  for (;;) {
    let improved = false;
    for (let start = 0; start < best.length; ) {
      const candidate: Step[] = [...best.slice(0, start), ...best.slice(start + chunk)];
      attempts++;
      const reached: Step[] | undefined = replayToViolation(model, candidate, violates);
      if (reached && reached.length < best.length) {
        best = reached;
        improved = true;
      } else {
        start += chunk;
      }
    }
    if (chunk === 1 && !improved) return { steps: best, attempts };
    if (!improved) chunk = Math.max(1, Math.floor(chunk / 2));
  }
}
