/**
 * The `protmem` entry point: runs the command line and sets the exit code. Nothing else in
 * protmem touches `process.exitCode`.
 */
import { runCli } from './run.ts';

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  // The reader went away (`protmem schema | head`): stop quietly.
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
