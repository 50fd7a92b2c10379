/**
 * What a check saw of the model, as data (`coverage` in `protmem check --coverage --json`), in
 * the manner of TLC's `-coverage` and P's coverage report: how often each step was taken, why
 * each step that never was taken was refused, how much of each machine's chart was visited, and
 * how far along its stages the legitimate pipeline got.
 *
 * Why a step was refused is found after the search: the step is tried again at a sample of the
 * states the search stored (`sampling`), and the refusal that came nearest to letting it through
 * is reported (a machine's guard beats a world precondition; among preconditions, the one that
 * fails after the most others held), with how many sampled states it was seen at.
 */

export interface Coverage {
  /** Which stored states the refused steps were tried again at. */
  readonly sampling: {
    readonly states: number;
    /** Distinct states the search stored. */
    readonly of: number;
    /** The sample in words: "the first 512 states in breadth-first order, then every 4th". */
    readonly method: string;
  };
  /** The steps of the world: how many were taken at least once, and each one's count. */
  readonly steps: {
    readonly taken: number;
    readonly total: number;
    readonly percent: number;
    readonly counts: readonly StepCount[];
  };
  /** Every step never taken, with its nearest refusal. */
  readonly neverTaken: readonly NeverTakenStep[];
  /** Per machine (summed over its instances): states visited and transitions taken, against its chart. */
  readonly machines: readonly MachineCoverage[];
  /** How far the legitimate pipeline got: present when no frame was displayed and its own search ran. */
  readonly pipeline?: PipelineProgress;
}

export interface StepCount {
  /** The step in domain words, as traces print it. */
  readonly step: string;
  /** The call, MACRO_CASE. */
  readonly event: string;
  readonly actor: string;
  readonly role: 'pipeline' | 'adversary' | 'environment';
  /** Transitions by this step the search expanded (random mode: times a walk applied it). */
  readonly taken: number;
}

/** Why a step could not be taken, at the sampled states where it came nearest. */
export interface StepRefusal {
  /**
   * `precondition`: the caller cannot make the call (a world-level condition, such as a device
   * that cannot reach a buffer by DMA); `guard`: a machine's named check refused the event;
   * `unhandled`: the machine's state takes no such event; `unexpanded`: the step applies, but
   * only in states the search stored without expanding them (it stopped at a bound).
   */
  readonly kind: 'precondition' | 'guard' | 'unhandled' | 'unexpanded';
  /** One sentence. */
  readonly says: string;
  /** Sampled states at which this was the refusal. */
  readonly seenAt: number;
  /** The refusing machine instance, its machine, the event, and the state it was in. */
  readonly component?: string;
  readonly machine?: string;
  readonly event?: string;
  readonly state?: string;
  /** The first named check that failed, and the code the call returns. */
  readonly guard?: string;
  readonly code?: string;
  /** What the guard's doc comment cites: the source functions and files it mirrors. */
  readonly source?: { readonly functions: readonly string[]; readonly files: readonly string[] };
}

export interface NeverTakenStep extends Omit<StepCount, 'taken'> {
  readonly why: StepRefusal;
}

export interface MachineCoverage {
  /** The machine's export: `pkvmPageMachine`. */
  readonly machine: string;
  /** Instances of it in the world. */
  readonly components: number;
  readonly states: {
    readonly visited: number;
    readonly total: number;
    readonly percent: number;
    /** The chart's leaf states no instance was in. */
    readonly unvisited: readonly string[];
  };
  readonly transitions: {
    readonly taken: number;
    readonly total: number;
    readonly percent: number;
    /** The chart's (state, event) pairs never taken: `idle on VIDIOC_QBUF`. */
    readonly untaken: readonly string[];
  };
}

export interface StageProgress {
  /** `allocate`, `write`, `decrypt`, `decode`, `display`. */
  readonly name: string;
  /** The stage done, in words. */
  readonly text: string;
  readonly reached: boolean;
}

export interface PipelineProgress {
  /** The search the stages were read from: the legitimate parties' (`pipeline`), or the main one. */
  readonly search: 'pipeline' | 'exhaustive' | 'random';
  /** In order; a stage counts as reached in a state only with every earlier one. */
  readonly stages: readonly StageProgress[];
  readonly lastReached?: string;
  readonly firstUnreached?: string;
  /** Why the first stage not reached was not: its step that came nearest, and what refused it. */
  readonly stuck?: {
    readonly step: string;
    readonly event: string;
    /** States where the last reached stage held (sampled), and at how many of them the step applied. */
    readonly tried: number;
    readonly enabledAt: number;
    readonly why: StepRefusal;
  };
  /** Where the pipeline got stuck, in one sentence. */
  readonly says: string;
}
