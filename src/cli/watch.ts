/**
 * `check --watch`: runs a check, then again each time its topology file changes, until the
 * signal aborts (or, from a terminal, Ctrl-C ends the process). The folder is watched rather
 * than the file, so editors that save by writing a new file and renaming it are followed;
 * changes closer together than the debounce make one re-check, and a save that leaves the
 * text as it was makes none.
 */
import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

export interface WatchOptions {
  /** Milliseconds of quiet after a change before checking again. */
  readonly debounceMs?: number;
  /** Ends the watch; without one it lasts as long as the process. */
  readonly signal?: AbortSignal;
}

/** The line printed before each re-check. */
export function separatorLine(file: string): string {
  return `── ${file} changed: checking again ──`;
}

/**
 * Calls `run` now and after each change of `file`, one run at a time; `announce` hears of each
 * change first. Resolves with the last run's result when the signal aborts.
 */
export async function watchFile<T>(
  file: string,
  run: () => Promise<T>,
  announce: () => void,
  options: WatchOptions = {},
): Promise<T> {
  const { debounceMs = 100, signal } = options;
  const textOf = () => readFile(file, 'utf8').catch(() => undefined);
  let lastText = await textOf();
  let timer: NodeJS.Timeout | undefined;
  // The folder is watched before the first run, so a save made while it runs (or just after it
  // prints) is seen: it is checked again once the first run is done.
  let running: Promise<void> = Promise.resolve();
  let last: T | undefined;
  const recheck = () => {
    running = running.then(async () => {
      const text = await textOf();
      if (text !== undefined && text === lastText) return;
      lastText = text;
      announce();
      last = await run();
    });
  };
  const watcher = watch(dirname(file), (_event, name) => {
    if (name !== null && name !== basename(file)) return;
    clearTimeout(timer);
    timer = setTimeout(recheck, debounceMs);
  });
  running = run().then((result) => {
    last = result;
  });
  try {
    await running;
  } catch (error) {
    watcher.close();
    throw error;
  }
  if (signal?.aborted) {
    clearTimeout(timer);
    watcher.close();
    return last as T;
  }
  return new Promise<T>((resolve) => {
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        watcher.close();
        void running.then(() => resolve(last as T));
      },
      { once: true },
    );
  });
}
