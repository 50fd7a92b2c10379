/**
 * The result of checking one topology, as data: what `protmem check --json` prints and what
 * the library's `check()` returns. Formatting for people lives in `src/render/`.
 */

import type { Coverage } from './coverageReport.ts';
import type { Shard } from './shard.ts';

/**
 * The shape of protmem's JSON output (`schemaVersion` in every JSON document it prints). It
 * grows by one when a field is removed, renamed or changes meaning; adding a field keeps it.
 */
export const SCHEMA_VERSION = 1;

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
  /** Random mode: take only this shard's share of the runs, with its own seed (see `shard.ts`). */
  readonly shard?: Shard;
  /**
   * Exhaustive mode: keep every state (`full`, the default) or a 64-bit fingerprint of each
   * (`compact`: far less memory, with a stated chance of missing a state).
   */
  readonly store?: 'full' | 'compact';
  /**
   * Collect coverage (`CheckReport.coverage`): step counts, why each step never taken was
   * refused, machine state and transition coverage. Off unless asked.
   */
  readonly coverage?: boolean;
}

/**
 * `holds`, `violated`, `vacuous` (nothing to check: the pipeline never ran), or, in a replay,
 * `notReproduced` (the replayed trace no longer violates the property).
 */
export type PropertyStatus = 'holds' | 'violated' | 'vacuous' | 'notReproduced';

/** What a report is the result of: a search in one of the modes, or the replay of one token. */
export type ReportMode = Mode | 'replay';

/**
 * The verdict of a check: `pass` (every property holds), `violation` (a property is violated),
 * `vacuous` (nothing is violated but the pipeline never ran, so nothing was really checked),
 * `unbootable` (the design does not come up: a boot step is refused), `notReproduced` (a replay
 * whose trace no longer violates its property).
 */
export type Verdict = 'pass' | 'violation' | 'vacuous' | 'unbootable' | 'notReproduced';

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
    /**
     * Exhaustive mode: when the search found it, as the states stored by then and the
     * milliseconds since the search started (absent from output without timing).
     */
    readonly found?: { readonly states: number; readonly ms?: number };
  };
  /** For a reachability property that holds: the trace that reaches the goal. */
  readonly witness?: { readonly steps: readonly TraceStep[] };
  /** Why a property is vacuous (nothing to check because the pipeline never runs). */
  readonly reason?: string;
}

/**
 * Why a search ended: `exhausted` (no unexplored state was left), `decided` (every selected
 * property had its answer, so the rest was not needed), `depthBound` / `stateBound` (a bound
 * cut it short), `runs` (random mode took every run it was given), `replayed` (a replay ran its
 * trace), `notBooted` (nothing ran: the design does not boot).
 */
export type SearchEnd =
  | 'exhausted'
  | 'decided'
  | 'depthBound'
  | 'stateBound'
  | 'runs'
  | 'replayed'
  | 'notBooted';

/** One search a check ran, with its bound and how it ended. */
export interface SearchSummary {
  /**
   * `exhaustive`: breadth-first over every step; `random`: fast-check runs; `pipeline`: the
   * breadth-first search for a legitimate run that displays a frame (the pipeline's and the
   * environment's steps only); `replay`: one trace.
   */
  readonly kind: 'exhaustive' | 'random' | 'pipeline' | 'replay';
  readonly bound: { readonly maxDepth: number; readonly maxStates?: number; readonly runs?: number };
  readonly distinctStates: number;
  readonly depth: number;
  readonly ended: SearchEnd;
  /**
   * With hash compaction: the chance that a state was missed because it shared another's
   * 64-bit fingerprint (at most n(n-1)/2 / 2^64 for n states).
   */
  readonly omissionProbability?: number;
}

export interface CheckStatistics {
  /** Steps applied (random, replay) or transitions expanded (exhaustive). */
  readonly steps: number;
  readonly distinctStates: number;
  /** Deepest trace explored. */
  readonly depth: number;
  /** True when a bound (depth, states, runs) stopped exploration before the space was exhausted. */
  readonly boundReached: boolean;
  /** Why the main search ended. */
  readonly ended: SearchEnd;
  /** Every search the check ran, the main one first (random mode adds the pipeline search). */
  readonly searches: readonly SearchSummary[];
  readonly durationMs: number;
}

/** Why a design does not boot: the boot sequence up to the step a machine refused. */
export interface BootReport {
  /** `the host's __pkvm_host_donate_guest() refuses page carveout:0 (-EPERM)`. */
  readonly message: string;
  /** The refused call, as its source spells it. */
  readonly call: string;
  /** The refusing machine instance. */
  readonly component: string;
  readonly code: string;
  /** The first named check that failed, when a guard refused. */
  readonly failedGuard?: string;
  /** The boot steps, the last one refused. */
  readonly steps: readonly TraceStep[];
}

export interface CheckReport {
  readonly topology: string;
  readonly file: string;
  /** The digest of the design checked (as replay tokens carry it): reports to merge must share it. */
  readonly digest: string;
  readonly mode: ReportMode;
  readonly seed: number;
  readonly bound: { readonly maxDepth: number; readonly maxStates?: number; readonly runs?: number };
  /** A sharded random check: which shard, and the runs and seed it took of the check's. */
  readonly shard?: Shard & { readonly runs: number; readonly seed: number };
  /** A report merged from shard reports (`protmem merge`): how many, and their files. */
  readonly merged?: { readonly shards: number; readonly files: readonly string[] };
  readonly verdict: Verdict;
  /** Present when the verdict is `unbootable`. */
  readonly unbootable?: BootReport;
  readonly properties: readonly PropertyResult[];
  readonly statistics: CheckStatistics;
  /** What the design assumed: hypervisor variant, IOMMU, flaws switched on. */
  readonly assumptions: readonly string[];
  /** With `coverage` asked for: what the search saw of the model (see `coverageReport.ts`). */
  readonly coverage?: Coverage;
}

/** The verdict of a checked design: a violation first, then a replay not reproduced, then vacuity. */
export function verdictOf(results: readonly PropertyResult[]): Verdict {
  if (results.some((r) => r.status === 'violated')) return 'violation';
  if (results.some((r) => r.status === 'notReproduced')) return 'notReproduced';
  if (results.some((r) => r.status === 'vacuous')) return 'vacuous';
  return 'pass';
}

/** A report as printed without timing. */
export type TimelessReport = Omit<CheckReport, 'statistics'> & {
  readonly statistics: Omit<CheckStatistics, 'durationMs'>;
};

/** The report without what differs from run to run: its duration, and when each counterexample was found. */
export function withoutTimes(report: CheckReport): TimelessReport {
  const { durationMs: _duration, ...statistics } = report.statistics;
  return {
    ...report,
    properties: report.properties.map((property) => {
      const found = property.counterexample?.found;
      if (found === undefined) return property;
      return {
        ...property,
        counterexample: { ...property.counterexample!, found: { states: found.states } },
      };
    }),
    statistics,
  };
}
