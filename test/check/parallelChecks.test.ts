/**
 * Checking designs in worker threads gives the reports checking them one after another in this
 * process gives, in the order of the tasks; a design that does not load in a worker comes back
 * as the loader's error, not as a crash.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckProgress } from '../../src/check/check.ts';
import { type CheckTask, checkInParallel, dispatchOrder } from '../../src/check/parallelChecks.ts';
import { withoutTimes } from '../../src/check/report.ts';
import { TopologyError } from '../../src/topology/load.ts';
import { CATALOG } from '../support/catalog.ts';

const options = {
  mode: 'exhaustive',
  maxDepth: 64,
  maxStates: 100_000,
  runs: 1,
  seed: 0,
  properties: [],
} as const;

const TASKS: CheckTask[] = [
  'pkvm-teardown-without-poison.yaml',
  'pkvm-pvm-decrypt-host-display-identity.yaml',
  'pkvm-pvm-nomap-carveout.yaml',
  'dynamic-heap-pas-protected.yaml',
].map((file) => ({ file: join(CATALOG, file), options }));

describe('checkInParallel', () => {
  it('gives the same reports, in task order, on two workers as in this process', async () => {
    const alone = await checkInParallel(TASKS, 1);
    const progress: number[] = [];
    const finished: number[] = [];
    const shared = await checkInParallel(TASKS, 2, {
      onDone: (index) => finished.push(index),
      onProgress: (index: number, _p: CheckProgress) => progress.push(index),
    });
    expect(shared.map(withoutTimes)).toEqual(alone.map(withoutTimes));
    expect(alone.map((report) => report.verdict)).toEqual(['violation', 'vacuous', 'unbootable', 'pass']);
    expect([...finished].sort()).toEqual([0, 1, 2, 3]);
    // Every design that boots reports its search's progress; the one that does not boot has none.
    expect([...new Set(progress)].sort()).toEqual([0, 1, 3]);
  }, 120_000);

  it('hands out the costliest tasks first, ties and uncosted ones in task order', () => {
    const costed = (costs: (number | undefined)[]): CheckTask[] =>
      costs.map((cost) => ({ file: 'x.yaml', options, ...(cost === undefined ? {} : { cost }) }));
    expect(dispatchOrder(costed([10, 800, undefined, 800, 5]))).toEqual([1, 3, 0, 4, 2]);
    expect(dispatchOrder(costed([undefined, undefined, undefined]))).toEqual([0, 1, 2]);
  });

  it('returns reports in task order whatever order the workers took them in', async () => {
    const costed = TASKS.map((task, index) => ({ ...task, cost: index }));
    const reports = await checkInParallel(costed, 2);
    expect(reports.map((report) => report.verdict)).toEqual(['violation', 'vacuous', 'unbootable', 'pass']);
    expect(reports.map((report) => report.topology)).toEqual(
      TASKS.map((task) => basename(task.file, '.yaml')),
    );
  }, 120_000);

  it('passes on the problems of a design that does not load in a worker', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'protmem-parallel-'));
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, 'name: broken\ndescription: no hypervisor key\nmemory: 3\n');
    const error = await checkInParallel([TASKS[0]!, { file: broken, options }], 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TopologyError);
    expect((error as TopologyError).file).toBe(broken);
    expect((error as TopologyError).issues.length).toBeGreaterThan(0);
  }, 120_000);
});
