/**
 * Checks several topologies at once, one worker thread per core: what `catalog` and `review`
 * use. Each design is checked whole by one worker, exactly as `check` would in this process, so
 * the reports are the same for any number of workers; they are returned in the order of the
 * tasks, `onDone` hears of each as it finishes, and `onProgress` hears each check's progress
 * (as `check`'s own hook reports it) from whichever worker runs it.
 *
 * Workers take the costliest tasks first (by `cost`, ties in task order), so that a long check
 * does not start last and run alone while the other workers idle: longest-processing-time-first
 * scheduling, whose finish time is within 4/3 of the best possible.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { loadTopologyFile, TopologyError, type TopologyIssue } from '../topology/load.ts';
import { type CheckProgress, check } from './check.ts';
import type { CheckOptions, CheckReport } from './report.ts';

export interface CheckTask {
  readonly file: string;
  readonly options: CheckOptions;
  /** How long the check is expected to take, in any unit (for example its states): larger goes first. */
  readonly cost?: number;
}

/** The order workers take tasks in: by descending cost, ties (and tasks without one) in task order. */
export function dispatchOrder(tasks: readonly CheckTask[]): number[] {
  return tasks
    .map((task, index) => ({ index, cost: task.cost ?? 0 }))
    .sort((a, b) => b.cost - a.cost || a.index - b.index)
    .map((entry) => entry.index);
}

export interface ParallelHooks {
  readonly onDone?: (index: number, report: CheckReport) => void;
  readonly onProgress?: (index: number, progress: CheckProgress) => void;
}

export type WorkerAnswer =
  | { readonly index: number; readonly report: CheckReport }
  | { readonly index: number; readonly progress: CheckProgress }
  | {
      readonly index: number;
      readonly topologyError: { readonly file: string; readonly issues: readonly TopologyIssue[] };
    }
  | { readonly index: number; readonly internalError: string };

/** The machine's cores: the default number of workers. */
export function defaultWorkers(): number {
  return availableParallelism();
}

function workerUrl(): URL {
  return import.meta.url.endsWith('.ts')
    ? new URL('./checkWorkerEntry.mjs', import.meta.url)
    : new URL('./checkWorker.js', import.meta.url);
}

export async function checkInParallel(
  tasks: readonly CheckTask[],
  workers: number,
  hooks: ParallelHooks = {},
): Promise<CheckReport[]> {
  const { onDone, onProgress } = hooks;
  const reports: CheckReport[] = new Array(tasks.length);
  if (workers <= 1 || tasks.length <= 1) {
    for (const [index, task] of tasks.entries()) {
      const progress = onProgress ? { onProgress: (p: CheckProgress) => onProgress(index, p) } : {};
      reports[index] = check(await loadTopologyFile(task.file), task.options, progress);
      onDone?.(index, reports[index]!);
    }
    return reports;
  }
  const pool = Array.from({ length: Math.min(workers, tasks.length) }, () => new Worker(workerUrl()));
  const order = dispatchOrder(tasks);
  let next = 0;
  try {
    await Promise.all(
      pool.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const give = () => {
              if (next >= tasks.length) {
                resolve();
                return;
              }
              const index = order[next++]!;
              worker.postMessage({ ...tasks[index]!, index, progress: onProgress !== undefined });
            };
            worker.on('message', (answer: WorkerAnswer) => {
              if ('progress' in answer) {
                onProgress?.(answer.index, answer.progress);
              } else if ('report' in answer) {
                reports[answer.index] = answer.report;
                onDone?.(answer.index, answer.report);
                give();
              } else if ('topologyError' in answer) {
                reject(new TopologyError(answer.topologyError.file, answer.topologyError.issues));
              } else {
                reject(
                  new Error(
                    `checking ${tasks[answer.index]!.file} failed in a worker:\n${answer.internalError}`,
                  ),
                );
              }
            });
            worker.on('error', reject);
            give();
          }),
      ),
    );
  } finally {
    await Promise.all(pool.map((worker) => worker.terminate()));
  }
  return reports;
}
