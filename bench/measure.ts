/**
 * One benchmark measurement, run in its own process so that its peak memory is its own:
 * `node --import tsx bench/measure.ts '<job as JSON>'` prints one JSON line. `bench/run.ts`
 * spawns these; run one by hand to profile it (`node --cpu-prof --import tsx bench/measure.ts ...`).
 */
import { pkvmInvariants } from '../properties/pkvm/index.ts';
import { searchWorld } from '../src/check/exhaustive.ts';
import { InvariantChecker } from '../src/check/invariantChecker.ts';
import { breadthFirstSearch, type ExplorableModel } from '../src/engine/bfs.ts';
import { buildPkvmWorld } from '../src/world/families/pkvmFamily.ts';
import type { World } from '../src/world/world.ts';
import { benchConfigs } from './configs.ts';
import { pkvmReducer } from './pkvmReducer.ts';

/**
 * - `reducer`: the hand-written reducer (`bench/pkvmReducer.ts`);
 * - `world`: the world with the compiled driver and remembered step outcomes (the default);
 * - `worldInterpreted`: XState's `machine.transition` with a reused scope, outcomes remembered;
 * - `worldNoMemo`: the compiled driver computing every step afresh.
 */
export type Engine = 'reducer' | 'world' | 'worldInterpreted' | 'worldNoMemo';

export interface Job {
  readonly config: string;
  readonly engine: Engine;
  /** `explore`: breadth-first search; `walk`: apply a fixed random sequence of step indices. */
  readonly kind: 'explore' | 'walk';
  /** Check I1–I9 on every new state (world: `InvariantChecker`; reducer: its mirrored checks). */
  readonly invariants: boolean;
  readonly maxStates: number;
  readonly maxDepth: number;
  /** Steps of the random walk. */
  readonly walkSteps: number;
  readonly seed: number;
}

export interface Measurement {
  readonly job: Job;
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly boundReached: boolean;
  /** Invariants with a counterexample (0 on these correct models; a cross-check). */
  readonly violated: number;
  /** Random walk: steps the model accepted. */
  readonly accepted: number;
  readonly ms: number;
  /** CPU time of the measured work, user + system, all threads (`process.cpuUsage`). */
  readonly cpuMs: number;
  /** Resident set size before the measured work (Node, tsx, the modules, the model). */
  readonly baselineRssMB: number;
  /** Peak resident set size of the whole process (`process.resourceUsage().maxRSS`). */
  readonly peakRssMB: number;
  /** Peak `heapUsed` sampled during the work. */
  readonly peakHeapMB: number;
  /** `heapUsed` before the measured work. */
  readonly baselineHeapMB: number;
}

const NONE: readonly string[] = [];

interface Subject {
  readonly model: ExplorableModel<unknown, unknown>;
  readonly violated: (state: unknown) => readonly string[];
  /** The world, which the checker explores with its own store (`searchWorld`). */
  readonly world?: { readonly world: World; readonly checker?: InvariantChecker };
}

function subject(job: Job): Subject {
  const config = benchConfigs.find((c) => c.name === job.config);
  if (!config) throw new Error(`unknown benchmark configuration ${job.config}`);
  if (job.engine === 'reducer') {
    const reducer = pkvmReducer(config.spec);
    return {
      model: reducer as ExplorableModel<unknown, unknown>,
      violated: job.invariants ? (state) => reducer.violated(state as string) : () => NONE,
    };
  }
  const kind = job.engine === 'worldInterpreted' ? 'interpreted' : 'compiled';
  const { world } = buildPkvmWorld(config.spec, kind, job.engine !== 'worldNoMemo');
  const checker = new InvariantChecker(world, pkvmInvariants);
  return {
    model: world as unknown as ExplorableModel<unknown, unknown>,
    world: { world, ...(job.invariants ? { checker } : {}) },
    violated: job.invariants
      ? (state) => {
          const violations = checker.violations(state as Parameters<typeof checker.violations>[0]);
          return violations.length === 0 ? NONE : violations.map((violation) => violation.property);
        }
      : () => NONE,
  };
}

/** mulberry32: a small seeded generator, so every engine walks the same sequence. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MB = 1024 * 1024;

export function measure(job: Job): Measurement {
  const { model, violated, world } = subject(job);
  let peakHeap = process.memoryUsage().heapUsed;
  const sample = () => {
    const used = process.memoryUsage().heapUsed;
    if (used > peakHeap) peakHeap = used;
  };
  const baselineRssMB = process.memoryUsage().rss / MB;
  const baselineHeapMB = peakHeap / MB;
  let states = 0;
  let transitions = 0;
  let depth = 0;
  let boundReached = false;
  let violatedCount = 0;
  let accepted = 0;
  let ms: number;
  let cpu: NodeJS.CpuUsage;
  if (job.kind === 'explore') {
    let inspected = 0;
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    const properties = pkvmInvariants.map((invariant) => invariant.name);
    const result = world
      ? searchWorld(world.world, {
          maxDepth: job.maxDepth,
          maxStates: job.maxStates,
          properties,
          ...(world.checker ? { checker: world.checker } : {}),
          onProgress: sample,
        })
      : breadthFirstSearch(model, {
          maxDepth: job.maxDepth,
          maxStates: job.maxStates,
          properties,
          violated: (state) => {
            if ((++inspected & 0x7fff) === 0) sample();
            return violated(state);
          },
        });
    ms = performance.now() - start;
    cpu = process.cpuUsage(cpuBefore);
    states = result.distinctStates;
    transitions = result.transitions;
    depth = result.depth;
    boundReached = result.boundReached;
    violatedCount = result.counterexamples.size;
  } else {
    const next = random(job.seed);
    const picks = new Int32Array(job.walkSteps);
    for (let i = 0; i < picks.length; i++) picks[i] = Math.floor(next() * model.steps.length);
    const steps = model.steps;
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    let state = model.initial;
    for (let i = 0; i < picks.length; i++) {
      // Restart every 1,000 steps so that walks keep passing through the states near the start.
      if (i % 1000 === 0) state = model.initial;
      const after = model.apply(state, steps[picks[i]!]!);
      if (after !== undefined) {
        state = after;
        accepted++;
      }
      if ((i & 0xfffff) === 0) sample();
    }
    ms = performance.now() - start;
    cpu = process.cpuUsage(cpuBefore);
    transitions = job.walkSteps;
  }
  sample();
  return {
    job,
    states,
    transitions,
    depth,
    boundReached,
    violated: violatedCount,
    accepted,
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    baselineRssMB,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    peakHeapMB: peakHeap / MB,
    baselineHeapMB,
  };
}

if (process.argv[1]?.endsWith('measure.ts') && process.argv[2]) {
  process.stdout.write(`${JSON.stringify(measure(JSON.parse(process.argv[2]) as Job))}\n`);
}
