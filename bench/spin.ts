/**
 * Running SPIN on the Promela of `bench/promela.ts`: compile `pan` (`spin -a`, then
 * `gcc -O2 -DSAFETY -DNOREDUCE [-DBFS]`), run it through a small wrapper that reports the
 * child's `getrusage` (CPU time and peak RSS), and read pan's statistics.
 *
 * Everything is written to a directory the caller makes under `os.tmpdir()` and removes.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type SpinSearch = 'dfs' | 'bfs';

/** What is missing to run SPIN, with how to install it; undefined when `spin` and `gcc` both run. */
export function spinMissing(): string | undefined {
  const missing = [
    ['spin', '-V'],
    ['gcc', '--version'],
  ].filter(([command, arg]) => spawnSync(command!, [arg!], { encoding: 'utf8' }).status !== 0);
  if (missing.length === 0) return undefined;
  return `${missing.map(([command]) => command).join(' and ')} not found: install with \`apt-get install spin gcc\``;
}

/** Waits for the command and prints its `getrusage` on stderr as the last line. */
const RUSAGE_C = `#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
  if (argc < 2) return 2;
  pid_t pid = fork();
  if (pid < 0) { perror("fork"); return 2; }
  if (pid == 0) { execv(argv[1], argv + 1); perror("execv"); _exit(127); }
  int status; struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) { perror("wait4"); return 2; }
  fprintf(stderr, "\\nrusage user_us=%ld sys_us=%ld maxrss_kb=%ld\\n",
    (long)ru.ru_utime.tv_sec * 1000000L + (long)ru.ru_utime.tv_usec,
    (long)ru.ru_stime.tv_sec * 1000000L + (long)ru.ru_stime.tv_usec, (long)ru.ru_maxrss);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
`;

function run(command: string, args: readonly string[], cwd: string) {
  const start = performance.now();
  const child = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - start;
  if (child.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${child.status}):\n${child.stdout}\n${child.stderr}`,
    );
  }
  return { stdout: child.stdout, stderr: child.stderr, ms };
}

export interface CompiledPan {
  readonly search: SpinSearch;
  /** Absolute path of the `pan` binary. */
  readonly pan: string;
  readonly dir: string;
  /** Wall-clock time of `spin -a` plus `gcc` for this binary. */
  readonly compileMs: number;
  /** The `gcc` command line, for the report. */
  readonly command: string;
}

/**
 * Writes `model.pml` into `dir`, generates `pan.c` and compiles one `pan` per search
 * (`pan_dfs`, `pan_bfs`), and the rusage wrapper.
 */
export function compilePan(dir: string, promela: string, searches: readonly SpinSearch[]): CompiledPan[] {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.pml'), promela);
  writeFileSync(join(dir, 'rusage.c'), RUSAGE_C);
  run('gcc', ['-O2', '-o', 'rusage', 'rusage.c'], dir);
  const generated = run('spin', ['-a', 'model.pml'], dir);
  return searches.map((search) => {
    const flags = ['-O2', '-DSAFETY', '-DNOREDUCE', ...(search === 'bfs' ? ['-DBFS'] : [])];
    const output = `pan_${search}`;
    const compiled = run('gcc', [...flags, '-o', output, 'pan.c'], dir);
    return {
      search,
      pan: join(dir, output),
      dir,
      compileMs: generated.ms + compiled.ms,
      command: `gcc ${flags.join(' ')} -o pan pan.c`,
    };
  });
}

export interface PanRun {
  readonly search: SpinSearch;
  /** The pan options used (`-w`, and `-m` for DFS). */
  readonly options: readonly string[];
  readonly statesStored: number;
  readonly statesMatched: number;
  readonly transitions: number;
  readonly depth: number;
  readonly errors: number;
  readonly stateVectorBytes: number;
  readonly hashConflicts: number;
  /** pan's "total actual memory usage", and the part of it that is the hash table. */
  readonly memoryMB: number;
  readonly hashTableMB: number;
  /** pan's "pan: elapsed time". */
  readonly elapsedMs: number;
  /** User + system CPU time of pan (`getrusage` of the child). */
  readonly cpuMs: number;
  readonly maxRssMB: number;
}

function number(text: string, pattern: RegExp, what: string): number {
  const match = pattern.exec(text);
  if (!match) throw new Error(`pan output has no ${what}:\n${text}`);
  return Number(match[1]);
}

/** Reads pan's statistics and the wrapper's rusage line. */
export function parsePan(
  search: SpinSearch,
  options: readonly string[],
  stdout: string,
  stderr: string,
): PanRun {
  const rusage = /rusage user_us=(\d+) sys_us=(\d+) maxrss_kb=(\d+)/.exec(stderr);
  if (!rusage) throw new Error(`no rusage line from the wrapper:\n${stderr}`);
  return {
    search,
    options,
    statesStored: number(stdout, /^\s*(\d+) states, stored/m, 'states stored'),
    statesMatched: number(stdout, /^\s*(\d+) states, matched/m, 'states matched'),
    transitions: number(stdout, /^\s*(\d+) transitions/m, 'transitions'),
    depth: number(stdout, /depth reached (\d+)/, 'depth'),
    errors: number(stdout, /errors: (\d+)/, 'errors'),
    stateVectorBytes: number(stdout, /State-vector (\d+) byte/, 'state vector'),
    hashConflicts: number(stdout, /hash conflicts:\s*(\d+)/, 'hash conflicts'),
    memoryMB: number(stdout, /([\d.]+)\s+total actual memory usage/, 'total memory'),
    hashTableMB: number(stdout, /([\d.]+)\s+memory used for hash table/, 'hash table memory'),
    elapsedMs: number(stdout, /pan: elapsed time ([\d.e+-]+) seconds/, 'elapsed time') * 1000,
    cpuMs: (Number(rusage[1]) + Number(rusage[2])) / 1000,
    maxRssMB: Number(rusage[3]) / 1024,
  };
}

/** `-w`: a hash table of 2 to 4 slots per expected state (collisions are chained, never lost). */
export function hashBits(expectedStates: number): number {
  return Math.max(16, Math.ceil(Math.log2(Math.max(expectedStates, 1))) + 1);
}

/**
 * Runs a compiled pan to the end of the search, with the hash table sized for `expectedStates`.
 * DFS starts with a stack (`-m`) of an eighth of the expected states, at least 100,000 deep
 * (these searches reach about 2% of their states in depth), and is rerun with a 4x deeper one
 * if pan reports the stack too small, so the search is exhaustive.
 */
export function runPan(compiled: CompiledPan, expectedStates: number): PanRun {
  const wrapper = join(compiled.dir, 'rusage');
  for (let depth = Math.max(100_000, Math.ceil(expectedStates / 8)); ; depth *= 4) {
    const options = [`-w${hashBits(expectedStates)}`, ...(compiled.search === 'dfs' ? [`-m${depth}`] : [])];
    const child = spawnSync(wrapper, [compiled.pan, ...options], {
      cwd: compiled.dir,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (child.status !== 0) {
      throw new Error(`pan ${options.join(' ')} failed (${child.status}):\n${child.stdout}\n${child.stderr}`);
    }
    if (compiled.search === 'dfs' && /max search depth too small/.test(child.stdout)) continue;
    const result = parsePan(compiled.search, options, child.stdout, child.stderr);
    if (result.errors !== 0) throw new Error(`pan reported ${result.errors} error(s):\n${child.stdout}`);
    return result;
  }
}
