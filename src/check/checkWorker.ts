/**
 * A worker thread that checks topologies for `checkInParallel`: it receives a file and check
 * options, answers with the report (after the check's progress, when asked for it), or with the
 * problems of a topology that does not load.
 */
import { parentPort } from 'node:worker_threads';
import { loadTopologyFile, TopologyError } from '../topology/load.ts';
import { type CheckProgress, check } from './check.ts';
import type { CheckTask, WorkerAnswer } from './parallelChecks.ts';

type Message = CheckTask & { readonly index: number; readonly progress: boolean };

parentPort!.on('message', async (task: Message) => {
  const post = (answer: WorkerAnswer) => parentPort!.postMessage(answer);
  let answer: WorkerAnswer;
  try {
    const loaded = await loadTopologyFile(task.file);
    const hooks = task.progress
      ? { onProgress: (progress: CheckProgress) => post({ index: task.index, progress }) }
      : {};
    answer = { index: task.index, report: check(loaded, task.options, hooks) };
  } catch (error) {
    answer =
      error instanceof TopologyError
        ? { index: task.index, topologyError: { file: error.file, issues: error.issues } }
        : {
            index: task.index,
            internalError: error instanceof Error ? (error.stack ?? error.message) : String(error),
          };
  }
  post(answer);
});
