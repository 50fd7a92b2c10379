/** Runs `runCli` in this process with captured output, for the CLI tests that stub the engine. */
import { runCli } from '../../src/cli/run.ts';

export interface CapturedRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `argv` with stdout and stderr captured; neither is a terminal unless `stdoutIsTTY`. */
export async function runCaptured(
  argv: readonly string[],
  env: Readonly<Record<string, string>> = {},
  stdoutIsTTY = false,
): Promise<CapturedRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    stdout: { write: (text: string) => out.push(text), isTTY: stdoutIsTTY },
    stderr: { write: (text: string) => err.push(text), isTTY: false },
    env,
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}
