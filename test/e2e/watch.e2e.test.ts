/**
 * `protmem check --watch` as a user runs it: a first result, then, after the topology file is
 * edited, a separator line and the new result; the process is then killed, as Ctrl-C would.
 * The test waits for markers in the output, never for a fixed time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { separatorLine } from '../../src/cli/watch.ts';

let child: ChildProcess | undefined;

afterEach(() => {
  child?.kill('SIGINT');
  child = undefined;
});

/** Resolves once the text written so far matches `marker`. */
function waitFor(output: { text: string }, stream: NodeJS.ReadableStream, marker: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const look = () => {
      if (marker.test(output.text)) {
        stream.off('data', look);
        resolve();
      }
    };
    stream.on('data', look);
    stream.once('end', () => reject(new Error(`the output ended without ${marker}:\n${output.text}`)));
    look();
  });
}

describe('protmem check --watch', () => {
  it('checks again when the topology file changes, after a separator line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'protmem-watch-'));
    const file = join(dir, 'design.yaml');
    await copyFile('test/fixtures/review/tzasc-sound.yaml', file);
    child = spawn('node', ['bin/protmem.mjs', 'check', file, '--watch', '--max-depth', '5', '--no-timing'], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    const stdout = { text: '' };
    const stderr = { text: '' };
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout.text += chunk;
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr.text += chunk;
    });
    await waitFor(stdout, child.stdout!, /pipeline search .*\n/);
    expect(stdout.text).toContain('✔ scrubBeforeReuse');
    expect(stderr.text).toContain(`watching ${file} for changes (Ctrl-C to stop)`);

    // The same design with its heap no longer scrubbing freed pages, saved as editors do: a new
    // file renamed over the old one, so the watcher never reads it half written.
    const next = join(dir, '.design.yaml.new');
    await writeFile(next, await readFile('test/fixtures/review/tzasc-no-scrub-on-free.yaml', 'utf8'));
    await rename(next, file);
    await waitFor(stdout, child.stdout!, /✖ scrubBeforeReuse violated[\s\S]*pipeline search .*\n/);
    const [first, second] = stdout.text.split(`\n${separatorLine(file)}\n\n`);
    expect(first).toContain('✔ scrubBeforeReuse');
    expect(second).toMatch(/^✖ scrubBeforeReuse violated after 5 steps/);
    expect(stdout.text.split(separatorLine(file)), stderr.text).toHaveLength(2);
  }, 60_000);
});
