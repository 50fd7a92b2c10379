/**
 * The result of checking one topology, as data: what `protmem check --json` prints and what
 * the library's `check()` returns. Formatting for people lives in `src/render/`.
 */

export type Mode = 'random' | 'exhaustive';

export interface CheckOptions {
  readonly mode: Mode;
  /** Random mode: number of runs. */
  readonly runs: number;
  /** Longest trace explored (steps after boot). */
  readonly maxDepth: number;
  /** Exhaustive mode: stop after this many distinct states. */
  readonly maxStates: number;
  readonly seed: number;
  /** Check only these properties (all when empty). */
  readonly properties: readonly string[];
}

export type PropertyStatus = 'holds' | 'violated' | 'vacuous';

export interface TraceStep {
  /** 1-based position in the trace. */
  readonly index: number;
  /** The call, MACRO_CASE as its source names it. */
  readonly event: string;
  readonly actor: string;
  /** The call in domain words. */
  readonly description: string;
}

export interface ViolationReport {
  readonly subject: string;
  readonly parties?: readonly string[];
  readonly expected: string;
  readonly actual: string;
}

export interface PropertyResult {
  readonly name: string;
  readonly summary: string;
  readonly kind: 'wellFormed' | 'safety' | 'reachability';
  readonly status: PropertyStatus;
  /** For a violated property: the shortest (exhaustive) or minimized (random) trace. */
  readonly counterexample?: {
    readonly steps: readonly TraceStep[];
    readonly violations: readonly ViolationReport[];
    /** Re-runs exactly this trace: `protmem check <file> --replay <token>`. */
    readonly replay: string;
    /** Random mode: how far the counterexample was shrunk. */
    readonly shrinks?: number;
  };
  /** For a reachability property that holds: the trace that reaches the goal. */
  readonly witness?: { readonly steps: readonly TraceStep[] };
  /** Why a property is vacuous (nothing to check because the pipeline never runs). */
  readonly reason?: string;
}

export interface CheckStatistics {
  /** Steps applied (random) or transitions expanded (exhaustive). */
  readonly steps: number;
  readonly distinctStates: number;
  /** Deepest trace explored. */
  readonly depth: number;
  /** True when a bound (depth, states, runs) stopped exploration before the space was exhausted. */
  readonly boundReached: boolean;
  readonly durationMs: number;
}

export interface CheckReport {
  readonly topology: string;
  readonly file: string;
  readonly mode: Mode;
  readonly seed: number;
  readonly bound: { readonly maxDepth: number; readonly maxStates?: number; readonly runs?: number };
  readonly verdict: 'pass' | 'violation';
  readonly properties: readonly PropertyResult[];
  readonly statistics: CheckStatistics;
  /** What the design assumed: hypervisor variant, IOMMU, flaws switched on. */
  readonly assumptions: readonly string[];
}
