/**
 * `npm run bench`: the pKVM world against a hand-written reducer of the same semantics
 * (`bench/pkvmReducer.ts`, held to it by `test/bench/pkvmReducer.test.ts`), side by side in
 * one run, on several ownership configurations:
 *
 * (a) breadth-first search over the reducer,
 * (b) over the world with the compiled driver and remembered step outcomes (the default),
 * (c) over the world with XState's own `machine.transition` (outcomes remembered),
 * (d) over the world with the compiled driver computing every step afresh,
 * (e) a random walk: the same seeded sequence of step indices applied to each,
 * (f) SPIN, depth-first and breadth-first, on Promela generated from the reducer's step table
 * (`bench/promela.ts`), checked to store exactly the reducer's distinct states;
 * (g) the catalog: each flawed design's time to its first counterexample, each check's time,
 * and the wall time of `protmem catalog` (`bench/catalogTimes.ts`).
 *
 * Every search runs twice: checking I1–I9 on every new state (the world through
 * `InvariantChecker`, the reducer through its mirrored checks) and as pure exploration. Each
 * measurement runs in a child process (`bench/measure.ts`) so its peak RSS is its own. Ratios
 * compare with the reducer on the same configuration, mode and state cap; the "vs SPIN" table
 * compares the CPU time and memory per state of the exhaustive pure searches with SPIN's.
 * Without `spin` or `gcc` the SPIN rows are left out, with a line saying how to install them.
 *
 * Flags: `--quick` (small caps, one run, SPIN on the smallest configuration: a smoke test),
 * `--large` (adds the 4.9 M-state Android four-page space), `--no-catalog` (leaves out (g), which
 * `--quick` also skips and `--only catalog` runs alone), `--runs N` (default 3; runs over
 * 30 s are not repeated), `--only <text>` (configurations whose name contains it), `--json`
 * (results as JSON). Runs are interleaved across engines, and the load average is printed: on
 * a shared machine, a run with a load well above 1 has inflated times.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PkvmFamilySpec } from '../src/world/families/pkvmFamily.ts';
import { type CatalogTime, catalogWallMs, measureCatalog } from './catalogTimes.ts';
import { benchConfigs } from './configs.ts';
import type { Engine, Job, Measurement } from './measure.ts';
import { promelaModel } from './promela.ts';
import { compilePan, type PanRun, runPan, type SpinSearch, spinMissing } from './spin.ts';

interface Plan {
  readonly config: string;
  /** State cap of (a) and (b). */
  readonly maxStates: number;
  /** Smaller caps for (c) and (d), where a full run would take minutes. */
  readonly interpretedCap: number;
  readonly noMemoCap: number;
  readonly walkSteps: number;
  /** Also run SPIN (DFS and BFS) on this configuration; (a) and (b) are then exhaustive. */
  readonly spin: boolean;
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
        maxStates: FULL,
        interpretedCap: 20_000,
        noMemoCap: 5_000,
        walkSteps: 100_000,
        spin: true,
      },
      {
        config: 'ownership-android',
        maxStates: 20_000,
        interpretedCap: 20_000,
        noMemoCap: 5_000,
        walkSteps: 100_000,
        spin: false,
      },
    ]
  : [
      {
        config: 'ownership-upstream',
        maxStates: FULL,
        interpretedCap: FULL,
        noMemoCap: FULL,
        walkSteps: 5_000_000,
        spin: true,
      },
      {
        config: 'ownership-android',
        maxStates: FULL,
        interpretedCap: FULL,
        noMemoCap: 50_000,
        walkSteps: 5_000_000,
        spin: true,
      },
      {
        config: 'pages4-upstream',
        maxStates: FULL,
        interpretedCap: FULL,
        noMemoCap: 50_000,
        walkSteps: 5_000_000,
        spin: true,
      },
      ...(flag('--large')
        ? [
            {
              config: 'pages4-android',
              maxStates: FULL,
              interpretedCap: 1_000_000,
              noMemoCap: 50_000,
              walkSteps: 5_000_000,
              spin: true,
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
      cpuMs: median(made.map((m) => m.cpuMs)),
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
      baselineHeapMB: median(made.map((m) => m.baselineHeapMB)),
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

/** The exhaustive pure exploration of one engine on one configuration, if it ran. */
function pureFull(configName: string, engine: Engine): Result | undefined {
  return results.find(
    (r) =>
      r.job.config === configName &&
      r.job.engine === engine &&
      r.job.kind === 'explore' &&
      !r.job.invariants &&
      r.job.maxStates >= FULL &&
      !r.boundReached,
  );
}

/** SPIN on one configuration: the medians over the runs of one compiled pan. */
interface SpinResult extends PanRun {
  readonly config: string;
  readonly runs: number;
  /** `spin -a` plus `gcc`, wall clock; not part of the search time. */
  readonly compileMs: number;
  readonly gcc: string;
  /** The reducer's exhaustive search on the same configuration (pure exploration). */
  readonly protmemStates: number;
  readonly protmemTransitions: number;
  /** SPIN stored exactly the reducer's distinct states. */
  readonly sameStates: boolean;
}

const SPIN_LABEL: Record<SpinSearch, string> = { dfs: 'SPIN DFS', bfs: 'SPIN BFS' };

/**
 * Generates the Promela into a temporary directory, compiles a DFS and a BFS pan, and runs each
 * up to `runs` times (interleaved, as the other engines), checking that every run stores the
 * reducer's distinct states.
 */
function runSpin(configName: string, spec: PkvmFamilySpec, protmem: Result | undefined): SpinResult[] {
  const dir = mkdtempSync(join(tmpdir(), 'protmem-spin-'));
  try {
    const compiled = compilePan(dir, promelaModel(spec, configName).text, ['dfs', 'bfs']);
    // pan's hash table and DFS stack are sized from the reducer's count (a million states without one).
    const expected = protmem && !protmem.boundReached ? protmem.states : 1_000_000;
    const all = compiled.map((pan) => [runPan(pan, expected)]);
    for (let round = 1; round < runs; round++) {
      compiled.forEach((pan, i) => {
        if (all[i]![0]!.cpuMs < REPEAT_BELOW_MS) all[i]!.push(runPan(pan, expected));
      });
    }
    return compiled.map((pan, i) => {
      const made = all[i]!;
      const first = made[0]!;
      if (made.some((m) => m.statesStored !== first.statesStored || m.transitions !== first.transitions))
        throw new Error(`runs of SPIN ${pan.search} on ${configName} disagree`);
      const result: SpinResult = {
        ...first,
        cpuMs: median(made.map((m) => m.cpuMs)),
        elapsedMs: median(made.map((m) => m.elapsedMs)),
        memoryMB: Math.max(...made.map((m) => m.memoryMB)),
        maxRssMB: Math.max(...made.map((m) => m.maxRssMB)),
        config: configName,
        runs: made.length,
        compileMs: pan.compileMs,
        gcc: pan.command,
        protmemStates: protmem?.states ?? Number.NaN,
        protmemTransitions: protmem?.transitions ?? Number.NaN,
        sameStates: protmem !== undefined && !protmem.boundReached && first.statesStored === protmem.states,
      };
      if (!json) {
        const times = made.map((m) => fmtMs(m.cpuMs)).join(', ');
        process.stderr.write(
          `  ${configName} ${SPIN_LABEL[pan.search]} ${pan.search === 'dfs' ? first.options.join(' ') : first.options[0]}: ` +
            `compile ${fmtMs(pan.compileMs)}, CPU ${fmtMs(result.cpuMs)} (${times})` +
            `${result.sameStates ? '' : ' STATES MISMATCH'}\n`,
        );
      }
      return result;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The per-design table, then the median and maximum time to the first counterexample of a flaw. */
function catalogSection(rows: readonly CatalogTime[], wall: { ms: number; matches: boolean }): string[] {
  const firsts = rows.flatMap((row) => (row.first ? [row.first.ms] : []));
  const ended = (row: CatalogTime) => (row.ended === 'depthBound' ? 'bound: depth' : row.ended);
  return [
    '## Catalog: first counterexample and whole check, per design (exhaustive, manifest bounds, one process)',
    table(
      [
        'design',
        'verdict',
        'first counterexample',
        'found after',
        'search time',
        'states',
        'search',
        'check',
      ],
      rows.map((row) => [
        row.design,
        row.verdict,
        row.first?.property ?? '-',
        row.first ? fmtInt(row.first.states) : '-',
        row.first ? fmtMs(row.first.ms) : '-',
        fmtInt(row.states),
        ended(row),
        fmtMs(row.checkMs),
      ]),
      3,
    ),
    `first counterexample over ${firsts.length} flawed designs: median ${fmtMs(median(firsts))}, max ${fmtMs(Math.max(...firsts))}`,
    `protmem catalog topologies (npm start), default workers: ${fmtMs(wall.ms)} wall${wall.matches ? '' : ' (MANIFEST MISMATCH)'}`,
  ];
}

const results: Result[] = [];
const spinResults: SpinResult[] = [];
const spinSkipped = spinMissing();
if (spinSkipped) process.stderr.write(`SPIN rows skipped: ${spinSkipped}\n`);
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
  if (plan.spin && !spinSkipped)
    spinResults.push(...runSpin(plan.config, config.spec, pureFull(plan.config, 'reducer')));
}
const catalogWanted = !quick && !flag('--no-catalog') && (only === undefined || only === 'catalog');
if (catalogWanted && !json) process.stderr.write('catalog: each design checked under its manifest bound\n');
const catalog = catalogWanted ? await measureCatalog() : [];
const catalogWall = catalogWanted ? catalogWallMs() : undefined;
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

const MB = 1024 * 1024;
/** Bytes per distinct state of a protmem search: peak RSS above the process's RSS before the search. */
const protmemBytesPerState = (r: Result) => ((r.peakRssMB - r.baselineRssMB) * MB) / r.states;
/** The same from `heapUsed` (peak sampled during the search, minus before it). */
const protmemHeapBytesPerState = (r: Result) => ((r.peakHeapMB - r.baselineHeapMB) * MB) / r.states;
/** Bytes per stored state of SPIN: pan's total actual memory usage (hash table included). */
const spinBytesPerState = (r: SpinResult) => (r.memoryMB * MB) / r.statesStored;

const VS_SPIN_ENGINES = ['reducer', 'world'] as const;

/** protmem / SPIN on the exhaustive pure explorations: CPU time, states per CPU second, bytes per state. */
const vsSpin = spinResults.flatMap((spin) =>
  VS_SPIN_ENGINES.flatMap((engine) => {
    const r = pureFull(spin.config, engine);
    if (!r) return [];
    const protmemStatesPerCpuS = (r.states / r.cpuMs) * 1000;
    const spinStatesPerCpuS = (spin.statesStored / spin.cpuMs) * 1000;
    return [
      {
        config: spin.config,
        engine,
        spin: spin.search,
        sameStates: spin.statesStored === r.states,
        protmemCpuMs: r.cpuMs,
        spinCpuMs: spin.cpuMs,
        cpuRatio: r.cpuMs / spin.cpuMs,
        protmemStatesPerCpuS,
        spinStatesPerCpuS,
        statesPerCpuSRatio: protmemStatesPerCpuS / spinStatesPerCpuS,
        protmemBytesPerState: protmemBytesPerState(r),
        protmemHeapBytesPerState: protmemHeapBytesPerState(r),
        spinBytesPerState: spinBytesPerState(spin),
        bytesPerStateRatio: protmemBytesPerState(r) / spinBytesPerState(spin),
      },
    ];
  }),
);

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
    `${JSON.stringify(
      {
        node: process.version,
        cpus: cpus().length,
        loadBefore,
        loadAfter,
        runs,
        quick,
        results: out,
        spin: spinResults.map((r) => ({
          ...r,
          statesPerCpuS: (r.statesStored / r.cpuMs) * 1000,
          bytesPerState: spinBytesPerState(r),
        })),
        vsSpin,
        ...(spinSkipped ? { spinSkipped } : {}),
        ...(catalogWanted ? { catalog, catalogWall } : {}),
      },
      null,
      2,
    )}\n`,
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
    const spinRows = spinResults
      .filter((r) => r.config === plan.config)
      .map((r) => [
        SPIN_LABEL[r.search],
        fmtInt(r.statesStored),
        `${fmtInt(r.transitions)} (${r.transitions - r.protmemTransitions >= 0 ? '+' : ''}${fmtInt(r.transitions - r.protmemTransitions)})`,
        r.sameStates ? 'yes' : `NO (protmem ${fmtInt(r.protmemStates)}) <<< MISMATCH`,
        fmtMs(r.compileMs),
        `${fmtMs(r.cpuMs)}${r.runs > 1 ? '' : ' (1 run)'}`,
        fmtRate(r.statesStored / r.cpuMs),
        `${r.memoryMB.toFixed(1)} MB`,
        `${r.hashTableMB.toFixed(1)} MB`,
        fmtInt(spinBytesPerState(r)),
        `${fmtInt(r.maxRssMB)} MB`,
        fmtInt(r.depth),
        r.options.join(' '),
      ]);
    if (spinRows.length > 0) {
      out.push(
        '',
        'SPIN on the Promela generated from the reducer (bench/promela.ts), exhaustive, pure exploration;',
        '`spin -a`, then `gcc -O2 -DSAFETY -DNOREDUCE [-DBFS]`; compile time is not part of the CPU time:',
        table(
          [
            'search',
            'states stored',
            'transitions (vs protmem)',
            'same states',
            'compile',
            'CPU time',
            'states/CPU s',
            'memory',
            'of it hash',
            'bytes/state',
            'peak RSS',
            'depth',
            'pan options',
          ],
          spinRows,
        ),
      );
    }
  }
  if (vsSpin.length > 0) {
    const LABEL = { reducer: '(a) reducer', world: '(b) world' } as const;
    out.push(
      '',
      '## vs SPIN: exhaustive pure exploration; ratio = protmem / SPIN',
      table(
        [
          'configuration',
          'protmem',
          'vs',
          'CPU time',
          'SPIN CPU',
          'ratio',
          'states/CPU s',
          'SPIN',
          'ratio',
          'bytes/state',
          'SPIN',
          'ratio',
        ],
        vsSpin.map((v) => [
          v.config,
          LABEL[v.engine],
          `${v.spin.toUpperCase()}${v.sameStates ? '' : ' (STATES MISMATCH)'}`,
          fmtMs(v.protmemCpuMs),
          fmtMs(v.spinCpuMs),
          `${v.cpuRatio.toFixed(2)}x`,
          fmtRate(v.protmemStatesPerCpuS / 1000),
          fmtRate(v.spinStatesPerCpuS / 1000),
          `${v.statesPerCpuSRatio.toFixed(2)}x`,
          fmtInt(v.protmemBytesPerState),
          fmtInt(v.spinBytesPerState),
          `${v.bytesPerStateRatio.toFixed(2)}x`,
        ]),
        3,
      ),
      'CPU time is user + system of the search alone (protmem: `process.cpuUsage` around the search, all threads;',
      'SPIN: getrusage of pan, compile excluded). Bytes per state: protmem, peak RSS minus the RSS before the search;',
      "SPIN, pan's total actual memory usage (hash table, DFS stack or BFS queue included) over states stored.",
    );
  }
  if (catalogWanted) out.push('', ...catalogSection(catalog, catalogWall!));
  if (results.length > 0) {
    out.push(
      '',
      '* = stopped at the state cap; its ratios compare with the reducer stopped at the same cap.',
      'Time is the median over the runs, interleaved across engines (runs over 30 s are made once); RSS is the peak of the child process',
      `(baseline with Node, tsx and modules loaded: about ${fmtInt(median(results.map((r) => r.baselineRssMB)))} MB).`,
    );
  }
  out.push(
    `Load average (1 min) before ${loadBefore[0]!.toFixed(2)}, after ${loadAfter[0]!.toFixed(2)} on ${cpus().length} CPU(s): ` +
      'anything well above 1 means other work shared the machine and times are inflated.',
  );
  process.stdout.write(`${out.join('\n')}\n`);
}
