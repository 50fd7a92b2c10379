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

/** The line drawn for an update: `depth 3: 1,200/200,000 (0%)`. */
export function formatProgress({ done, total, phase }: ProgressUpdate): string {
  const percent = total > 0 ? ` (${Math.min(100, Math.floor((done / total) * 100))}%)` : '';
  return `${phase}: ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}${percent}`;
}

/** A bar `width` characters wide, filled to `fraction` (clamped to 0..1): `[#####---------------]`. */
export function progressBar(fraction: number, width = 20): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

export function createProgress(
  stream: ProgressStream,
  now: () => number,
  timing: ProgressTiming = { delayMs: 1000, intervalMs: 100 },
  format: (progress: ProgressUpdate) => string = formatProgress,
): ProgressIndicator {
  if (!stream.isTTY) return { update() {}, finish() {} };
  const start = now();
  let lastDraw: number | undefined;
  return {
    update(progress) {
      const time = now();
      if (time - start < timing.delayMs) return;
      if (lastDraw !== undefined && time - lastDraw < timing.intervalMs) return;
      lastDraw = time;
      stream.write(`${CLEAR_LINE}${format(progress)}`);
    },
    finish() {
      if (lastDraw !== undefined) stream.write(CLEAR_LINE);
    },
  };
}
