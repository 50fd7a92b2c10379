/**
 * `watchFile`, the loop behind `check --watch`: a run now, and one more after each change of the
 * file, including a change saved while the first run was still going (the folder is watched
 * before it starts).
 */
import { mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchFile } from '../../src/cli/watch.ts';

/** Resolves once `test` holds, looking every few milliseconds. */
async function until(test: () => boolean): Promise<void> {
  while (!test()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('watchFile', () => {
  it('runs again for a change saved while the first run is still going', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'protmem-watchfile-'));
    const file = join(dir, 'design.yaml');
    await writeFile(file, 'first\n');
    const controller = new AbortController();
    const events: string[] = [];
    let runs = 0;
    const done = watchFile(
      file,
      async () => {
        runs++;
        events.push(`run ${runs}`);
        if (runs === 1) {
          // Saved as editors do, before the first run has returned.
          await writeFile(join(dir, '.design.yaml.new'), 'second\n');
          await rename(join(dir, '.design.yaml.new'), file);
        }
        return runs;
      },
      () => events.push('changed'),
      { debounceMs: 10, signal: controller.signal },
    );
    await until(() => runs >= 2);
    controller.abort();
    expect(await done).toBe(2);
    expect(events).toEqual(['run 1', 'changed', 'run 2']);
  });

  it('does not run again when the file is saved unchanged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'protmem-watchfile-'));
    const file = join(dir, 'design.yaml');
    await writeFile(file, 'same\n');
    const controller = new AbortController();
    let runs = 0;
    const done = watchFile(
      file,
      async () => {
        runs++;
        return runs;
      },
      () => {},
      { debounceMs: 10, signal: controller.signal },
    );
    await until(() => runs >= 1);
    await writeFile(file, 'same\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort();
    expect(await done).toBe(1);
  });
});
