/**
 * `catalog` and `review` print a line per design on stderr as each finishes, in the order they
 * finish, and the same stdout whatever that order. The parallel checker is replaced by a stub
 * that finishes the designs in the order a test chooses, with reports built from the manifest.
 */
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { CheckTask } from '../../src/check/parallelChecks.ts';
import type { CheckReport } from '../../src/check/report.ts';
import { PASSING, VIOLATED } from '../support/reportFixtures.ts';
import { runCaptured } from '../support/runCliInProcess.ts';

const finishing = vi.hoisted(() => ({ order: [] as number[], allPass: false }));

/** A report for a task: the design passes unless its file name says it leaks. */
function reportFor(task: CheckTask): CheckReport {
  const topology = basename(task.file).replace(/\.yaml$/, '');
  const leaks = !finishing.allPass && (topology.includes('clear-output') || topology.includes('no-scrub'));
  const base = leaks ? VIOLATED : PASSING;
  return { ...base, topology, file: task.file };
}

vi.mock('../../src/check/parallelChecks.ts', () => ({
  defaultWorkers: () => 2,
  checkInParallel: async (
    tasks: readonly CheckTask[],
    _workers: number,
    hooks: { onDone?: (index: number, report: CheckReport) => void },
  ) => {
    const reports = tasks.map(reportFor);
    for (const index of finishing.order) hooks.onDone?.(index, reports[index]!);
    return reports;
  },
}));

const run = (argv: readonly string[]) => runCaptured(argv);

const FILES = ['tzasc-decrypt-clear-output.yaml', 'tzasc-no-scrub-on-free.yaml', 'tzasc-sound.yaml'];
let catalog: string;

beforeAll(async () => {
  catalog = await mkdtemp(join(tmpdir(), 'protmem-streaming-'));
  // The manifest expects the stub's statuses, except that tzasc-no-scrub-on-free should violate scrubBeforeReuse.
  const entries = FILES.map((file) => {
    const leaks = !file.includes('sound');
    return [
      `  ${file}:`,
      '    mode: exhaustive',
      '    maxDepth: 8',
      '    expect:',
      ...(leaks
        ? ['      plaintextNeverReachesUntrusted: violated', '      pipelineReachable: vacuous']
        : []),
      `      scrubBeforeReuse: ${file.includes('no-scrub') ? 'violated' : 'holds'}`,
    ].join('\n');
  });
  await writeFile(join(catalog, 'manifest.yaml'), `topologies:\n${entries.join('\n')}\n`);
  for (const file of FILES) await cp(join('test/fixtures/review', file), join(catalog, file));
});

describe('catalog', () => {
  it('streams a line per design in the order they finish, and prints the same table for any order', async () => {
    finishing.order = [2, 0, 1];
    const first = await run(['catalog', catalog, '--no-timing']);
    finishing.order = [1, 2, 0];
    const second = await run(['catalog', catalog, '--no-timing']);
    expect(first.code).toBe(1);
    expect(first.stderr.split('\n')).toEqual([
      '[1/3] ✔ tzasc-sound  pass, matches',
      '[2/3] ✔ tzasc-decrypt-clear-output  violation, matches',
      '[3/3] ✖ tzasc-no-scrub-on-free  violation, DIFFERS from the manifest',
      '',
    ]);
    expect(second.stderr.split('\n')[0]).toBe(
      '[1/3] ✖ tzasc-no-scrub-on-free  violation, DIFFERS from the manifest',
    );
    expect(second.stdout).toBe(first.stdout);
    expect(
      first.stdout
        .split('\n')
        .slice(1, 4)
        .map((line) => line.split(' ')[0]),
    ).toEqual(['tzasc-decrypt-clear-output', 'tzasc-no-scrub-on-free', 'tzasc-sound']);
  });

  it('prints the same JSON, JUnit and SARIF documents for any order', async () => {
    for (const reporter of ['json', 'junit', 'sarif']) {
      finishing.order = [0, 1, 2];
      const forward = await run(['catalog', catalog, '--reporter', reporter, '--no-timing']);
      finishing.order = [2, 1, 0];
      const backward = await run(['catalog', catalog, '--reporter', reporter, '--no-timing']);
      expect(backward.stdout).toBe(forward.stdout);
    }
    const json = JSON.parse((await run(['catalog', catalog, '--json', '--no-timing'])).stdout);
    expect(json).toMatchObject({ schemaVersion: 1, version: '0.1.0', matches: false });
    expect(json.rows.map((row: { file: string }) => row.file)).toEqual(FILES);
  });
});

describe('review', () => {
  // Its counterexamples are replayed to draw them, so the stub's designs all pass here.
  it('streams a line per design as it finishes, and prints its lines in the order of the files', async () => {
    const out = await mkdtemp(join(tmpdir(), 'protmem-streaming-review-'));
    finishing.order = [2, 0, 1];
    finishing.allPass = true;
    const result = await run(['review', catalog, '--out', out, '--no-timing']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr.split('\n')).toEqual([
      '[1/3] ✔ tzasc-sound  pass',
      '[2/3] ✔ tzasc-decrypt-clear-output  pass',
      '[3/3] ✔ tzasc-no-scrub-on-free  pass',
      '',
    ]);
    expect(
      result.stdout
        .split('\n')
        .slice(0, 3)
        .map((line) => line.split(' ')[1]),
    ).toEqual(['tzasc-decrypt-clear-output', 'tzasc-no-scrub-on-free', 'tzasc-sound']);
    finishing.order = [0, 1, 2];
    const forward = await run(['review', catalog, '--out', out, '--no-timing']);
    expect(forward.stdout).toBe(result.stdout);
  }, 60_000);
});
