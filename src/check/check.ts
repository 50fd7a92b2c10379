import type { LoadedTopology } from '../topology/load.ts';
import type { ReplayPayload } from './replayToken.ts';
import type { CheckOptions, CheckReport } from './report.ts';

export function check(
  _loaded: LoadedTopology,
  _options: CheckOptions & { replay?: ReplayPayload },
  _hooks?: { onProgress?: (p: { done: number; total: number; phase: string }) => void },
): CheckReport {
  throw new Error('check engine not wired');
}
