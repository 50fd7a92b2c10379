/**
 * A one-line progress indicator for long checks, on stderr: shown only on a terminal, only
 * once a run has lasted a second, redrawn at most every 100 ms, and erased when the run ends.
 * Lines printed through it (one per design as it finishes) go above the indicator, on a
 * terminal or not.
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
  /** Writes a whole line (ending in a newline) above the indicator, which is drawn again under it. */
  print(line: string): void;
  /** Erases the line, if anything was drawn. */
  finish(): void;
}

/** What the line for a finished design says. */
export interface FinishedDesign {
  readonly done: number;
  readonly total: number;
  /** Whether it came out as it should (every property holds, or as the manifest expects). */
  readonly ok: boolean;
  readonly name: string;
  /** The verdict, and anything else worth a word. */
  readonly detail: string;
  /** Milliseconds the check took, when timing is on. */
  readonly ms?: number;
}

/** `[3/34] ✔ dynamic-heap-unmap-all  pass, matches  1.2 s`: one design as it finishes. */
export function finishedLine({ done, total, ok, name, detail, ms }: FinishedDesign): string {
  const counter = `[${String(done).padStart(String(total).length)}/${total}]`;
  const time =
    ms === undefined ? '' : `  ${ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`}`;
  return `${counter} ${ok ? '✔' : '✖'} ${name}  ${detail}${time}`;
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
  if (!stream.isTTY) return { update() {}, print: (line) => stream.write(`${line}\n`), finish() {} };
  const start = now();
  let lastDraw: number | undefined;
  let drawn = '';
  return {
    update(progress) {
      const time = now();
      if (time - start < timing.delayMs) return;
      if (lastDraw !== undefined && time - lastDraw < timing.intervalMs) return;
      lastDraw = time;
      drawn = format(progress);
      stream.write(`${CLEAR_LINE}${drawn}`);
    },
    print(line) {
      stream.write(lastDraw === undefined ? `${line}\n` : `${CLEAR_LINE}${line}\n${drawn}`);
    },
    finish() {
      if (lastDraw !== undefined) stream.write(CLEAR_LINE);
    },
  };
}
