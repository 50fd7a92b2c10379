/** Runs `node bin/protmem.mjs` as a user would, for the end-to-end tests. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Spawns the CLI with colour off; a non-zero exit is returned, not thrown. */
export async function protmem(...args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', ['bin/protmem.mjs', ...args], {
      cwd: process.cwd(),
      env: { ...process.env, NO_COLOR: '1' },
      maxBuffer: 32 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout: string; stderr: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
