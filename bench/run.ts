/**
 * `npm run bench`: the pKVM world against a hand-written reducer of the same semantics
 * (`bench/pkvmReducer.ts`, held to it by `test/bench/pkvmReducer.test.ts`), side by side in
 * one run, on several ownership configurations:
 *
 * (a) breadth-first search over the reducer,
 * (b) over the world with the compiled driver and remembered step outcomes (the default),
 * (c) over the world with XState's own `machine.transition` (outcomes remembered),
 * (d) over the world with the compiled driver computing every step afresh,
 * (e) a random walk: the same seeded sequence of step indices applied to each.
 *
 * Every search runs twice: checking I1–I9 on every new state (the world through
 * `InvariantChecker`, the reducer through its mirrored checks) and as pure exploration. Each
 * measurement runs in a child process (`bench/measure.ts`) so its peak RSS is its own. Ratios
 * compare with the reducer on the same configuration, mode and state cap.
 *
 * Flags: `--quick` (small caps, one run: a smoke test), `--large` (adds the 4.9 M-state
 * Android four-page space), `--runs N` (default 3; runs over 30 s are not repeated),
 * `--only <text>` (configurations whose name contains it), `--json` (results as JSON). Runs
 * are interleaved across engines, and the load average is printed: on a shared machine, a run
 * with a load well above 1 has inflated times.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchConfigs } from './configs.ts';
import type { Engine, Job, Measurement } from './measure.ts';

interface Plan {
  readonly config: string;
  /** State cap of (a) and (b). */
  readonly maxStates: number;
  /** Smaller caps for (c) and (d), where a full run would take minutes. */
  readonly interpretedCap: number;
  readonly noMemoCap: number;
  readonly walkSteps: number;
}

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const option = (name: string) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const quick = flag('--quick');
const json = flag('--json');
const runs = quick ? 1 : Number(option('--runs') ?? 3);
const only = option('--only');
const REPEAT_BELOW_MS = 30_000;
const MAX_DEPTH = 1000;
const SEED = 20261125;

const FULL = 100_000_000;
const plans: Plan[] = quick
  ? [
      {
        config: 'ownership-upstream',
        maxStates: 20_000,
        interpretedCap: 20_000,
        noMemoCap: 5_000,
        walkSteps: 100_000,
      },
      {
        config: 'ownership-android',
        maxStates: 20_000,
        interpretedCap: 20_000,
        noMemoCap: 5_000,
        walkSteps: 100_000,
      },
    ]
  : [
      {
        config: 'ownership-upstream',
        maxStates: FULL,
        interpretedCap: FULL,
        noMemoCap: FULL,
        walkSteps: 5_000_000,
      },
      {
        config: 'ownership-android',
        maxStates: FULL,
        interpretedCap: FULL,
        noMemoCap: 50_000,
        walkSteps: 5_000_000,
      },
      {
        config: 'pages4-upstream',
        maxStates: FULL,
        interpretedCap: FULL,
        noMemoCap: 50_000,
        walkSteps: 5_000_000,
      },
      ...(flag('--large')
        ? [
            {
              config: 'pages4-android',
              maxStates: FULL,
              interpretedCap: 1_000_000,
              noMemoCap: 50_000,
              walkSteps: 5_000_000,
            },
          ]
        : []),
    ];

const measureScript = fileURLToPath(new URL('./measure.ts', import.meta.url));

function runChild(job: Job): Measurement {
  const child = spawnSync(
    process.execPath,
    ['--max-old-space-size=16384', '--import', 'tsx', measureScript, JSON.stringify(job)],
    { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  if (child.status !== 0) {
    throw new Error(`measurement ${JSON.stringify(job)} failed:\n${child.stderr}`);
  }
  const line = child.stdout.trim().split('\n').pop()!;
  return JSON.parse(line) as Measurement;
}

/** A measurement over several runs: the median time and the highest peaks. */
interface Result extends Measurement {
  readonly runs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Runs a group of jobs in rounds: every job once, then again (up to `runs` times) those whose
 * first run took under 30 s, one of each per round. Interleaving keeps a change in the
 * machine's load from landing on one engine only.
 */
function runGroup(jobs: readonly Job[]): Result[] {
  const all = jobs.map((job) => [runChild(job)]);
  for (let round = 1; round < runs; round++) {
    jobs.forEach((job, i) => {
      if (all[i]![0]!.ms < REPEAT_BELOW_MS) all[i]!.push(runChild(job));
    });
  }
  return jobs.map((job, i) => {
    const made = all[i]!;
    const first = made[0]!;
    for (const m of made) {
      if (m.states !== first.states || m.transitions !== first.transitions || m.accepted !== first.accepted)
        throw new Error(`runs of ${JSON.stringify(job)} disagree`);
    }
    const result: Result = {
      job,
      ms: median(made.map((m) => m.ms)),
      runs: made.length,
      states: first.states,
      transitions: first.transitions,
      depth: first.depth,
      boundReached: first.boundReached,
      violated: first.violated,
      accepted: first.accepted,
      peakRssMB: Math.max(...made.map((m) => m.peakRssMB)),
      peakHeapMB: Math.max(...made.map((m) => m.peakHeapMB)),
      baselineRssMB: median(made.map((m) => m.baselineRssMB)),
    };
    if (!json) {
      const times = made.map((m) => fmtMs(m.ms)).join(', ');
      process.stderr.write(`  ${describe(job)}: ${fmtMs(result.ms)} (${times})\n`);
    }
    return result;
  });
}

const ENGINE_LABEL: Record<Engine, string> = {
  reducer: '(a) reducer',
  world: '(b) world, compiled, remembered',
  worldInterpreted: '(c) world, interpreted, remembered',
  worldNoMemo: '(d) world, compiled, not remembered',
};

function describe(job: Job): string {
  const cap =
    job.kind === 'walk'
      ? ` ${job.walkSteps.toLocaleString('en-US')} steps`
      : job.maxStates >= FULL
        ? ''
        : ` cap ${job.maxStates.toLocaleString('en-US')}`;
  const mode = job.kind === 'walk' ? 'walk' : job.invariants ? 'I1-I9' : 'pure';
  return `${job.config} ${mode} ${job.engine}${cap}`;
}

function fmtMs(ms: number): string {
  return ms >= 10_000
    ? `${(ms / 1000).toFixed(1)} s`
    : ms >= 1000
      ? `${(ms / 1000).toFixed(2)} s`
      : `${ms.toFixed(0)} ms`;
}
const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const fmtRate = (perMs: number) => {
  const perS = perMs * 1000;
  return perS >= 1e6 ? `${(perS / 1e6).toFixed(2)} M` : `${(perS / 1e3).toFixed(0)} k`;
};

function table(headers: string[], rows: string[][], rightFrom = 1): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i >= rightFrom ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const results: Result[] = [];
const loadBefore = loadavg();
const baseJob = { maxDepth: MAX_DEPTH, walkSteps: 0, seed: SEED };
if (!json) {
  process.stderr.write(
    `protmem bench: Node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? '?'}), ` +
      `${(totalmem() / 1024 ** 3).toFixed(0)} GiB, ${runs} run(s) per measurement under 30 s\n`,
  );
}
for (const plan of plans) {
  if (only && !plan.config.includes(only)) continue;
  const config = benchConfigs.find((c) => c.name === plan.config)!;
  if (!json) process.stderr.write(`${plan.config}: ${config.description}\n`);
  for (const invariants of [true, false]) {
    const caps = [...new Set([plan.maxStates, plan.interpretedCap, plan.noMemoCap])];
    const explore = (engine: Engine, maxStates: number): Job => ({
      ...baseJob,
      config: plan.config,
      engine,
      kind: 'explore',
      invariants,
      maxStates,
    });
    results.push(
      ...runGroup([
        ...caps.map((cap) => explore('reducer', cap)),
        explore('world', plan.maxStates),
        explore('worldInterpreted', plan.interpretedCap),
        explore('worldNoMemo', plan.noMemoCap),
      ]),
    );
  }
  results.push(
    ...runGroup(
      (['reducer', 'world', 'worldInterpreted', 'worldNoMemo'] as const).map((engine) => ({
        ...baseJob,
        config: plan.config,
        engine,
        kind: 'walk' as const,
        invariants: false,
        maxStates: 0,
        walkSteps: plan.walkSteps,
      })),
    ),
  );
}
const loadAfter = loadavg();

const reducerFor = (job: Job) =>
  results.find(
    (r) =>
      r.job.engine === 'reducer' &&
      r.job.config === job.config &&
      r.job.kind === job.kind &&
      r.job.invariants === job.invariants &&
      r.job.maxStates === job.maxStates,
  )!;

if (json) {
  const out = results.map((r) => {
    const base = reducerFor(r.job);
    return {
      ...r,
      statesPerS: (r.states / r.ms) * 1000,
      transitionsPerS: (r.transitions / r.ms) * 1000,
      timeRatio: r.ms / base.ms,
      rssRatio: r.peakRssMB / base.peakRssMB,
      agreesWithReducer:
        r.states === base.states && r.transitions === base.transitions && r.accepted === base.accepted,
    };
  });
  process.stdout.write(
    `${JSON.stringify({ node: process.version, cpus: cpus().length, loadBefore, loadAfter, runs, quick, results: out }, null, 2)}\n`,
  );
} else {
  const out: string[] = [];
  for (const plan of plans) {
    if (only && !plan.config.includes(only)) continue;
    const config = benchConfigs.find((c) => c.name === plan.config)!;
    out.push('', `## ${plan.config}: ${config.description}`);
    for (const invariants of [true, false]) {
      const rows = results
        .filter(
          (r) => r.job.config === plan.config && r.job.kind === 'explore' && r.job.invariants === invariants,
        )
        .map((r) => {
          const base = reducerFor(r.job);
          const agrees = r.states === base.states && r.transitions === base.transitions;
          return [
            ENGINE_LABEL[r.job.engine] + (r.job.maxStates < FULL ? ` [cap ${fmtInt(r.job.maxStates)}]` : ''),
            fmtInt(r.states) + (r.boundReached ? '*' : ''),
            fmtInt(r.transitions),
            `${fmtMs(r.ms)}${r.runs > 1 ? '' : ' (1 run)'}`,
            fmtRate(r.states / r.ms),
            fmtRate(r.transitions / r.ms),
            `${fmtInt(r.peakRssMB)} MB`,
            `${fmtInt(r.peakHeapMB)} MB`,
            `${(r.ms / base.ms).toFixed(2)}x`,
            `${(r.peakRssMB / base.peakRssMB).toFixed(2)}x`,
            agrees ? 'yes' : 'NO',
          ];
        });
      out.push(
        '',
        invariants
          ? 'Breadth-first search checking I1-I9 on every new state:'
          : 'Pure exploration (no invariants):',
        table(
          [
            'engine',
            'states',
            'transitions',
            'time',
            'states/s',
            'trans/s',
            'peak RSS',
            'peak heap',
            'time/reducer',
            'RSS/reducer',
            'same space',
          ],
          rows,
        ),
      );
    }
    const walkRows = results
      .filter((r) => r.job.config === plan.config && r.job.kind === 'walk')
      .map((r) => {
        const base = reducerFor(r.job);
        return [
          ENGINE_LABEL[r.job.engine],
          fmtInt(r.transitions),
          fmtInt(r.accepted),
          fmtMs(r.ms),
          fmtRate(r.transitions / r.ms),
          `${(r.ms / base.ms).toFixed(2)}x`,
          r.accepted === base.accepted ? 'yes' : 'NO',
        ];
      });
    out.push(
      '',
      'Random walk (same seeded step indices, restart every 1,000 steps):',
      table(['engine', 'steps', 'accepted', 'time', 'steps/s', 'time/reducer', 'same answers'], walkRows),
    );
  }
  out.push(
    '',
    '* = stopped at the state cap; its ratios compare with the reducer stopped at the same cap.',
    'Time is the median over the runs, interleaved across engines (runs over 30 s are made once); RSS is the peak of the child process',
    `(baseline with Node, tsx and modules loaded: about ${fmtInt(median(results.map((r) => r.baselineRssMB)))} MB).`,
    `Load average (1 min) before ${loadBefore[0]!.toFixed(2)}, after ${loadAfter[0]!.toFixed(2)} on ${cpus().length} CPU(s): ` +
      'anything well above 1 means other work shared the machine and times are inflated.',
  );
  process.stdout.write(`${out.join('\n')}\n`);
}
