/**
 * A one-line progress indicator for long checks, on stderr: shown only on a terminal, only
 * once a run has lasted a second, redrawn at most every 100 ms, and erased when the run ends.
 */

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface ProgressUpdate {
  readonly done: number;
  readonly total: number;
  readonly phase: string;
}

export interface ProgressIndicator {
  update(progress: ProgressUpdate): void;
  /** Erases the line, if anything was drawn. */
  finish(): void;
}

export interface ProgressTiming {
  /** Milliseconds before the first draw. */
  readonly delayMs: number;
  /** Least milliseconds between two draws. */
  readonly intervalMs: number;
}

const CLEAR_LINE = '\r\x1b[2K';

export function createProgress(
  stream: ProgressStream,
  now: () => number,
  timing: ProgressTiming = { delayMs: 1000, intervalMs: 100 },
): ProgressIndicator {
  if (!stream.isTTY) return { update() {}, finish() {} };
  const start = now();
  let lastDraw: number | undefined;
  return {
    update({ done, total, phase }) {
      const time = now();
      if (time - start < timing.delayMs) return;
      if (lastDraw !== undefined && time - lastDraw < timing.intervalMs) return;
      lastDraw = time;
      const percent = total > 0 ? ` (${Math.min(100, Math.floor((done / total) * 100))}%)` : '';
      stream.write(
        `${CLEAR_LINE}${phase}: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}${percent}`,
      );
    },
    finish() {
      if (lastDraw !== undefined) stream.write(CLEAR_LINE);
    },
  };
}
