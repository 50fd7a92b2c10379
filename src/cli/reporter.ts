/**
 * Which reporter a command prints with: `--reporter`, or `--json` as its alias; the two
 * disagreeing is a usage error. Colour goes on text written to a terminal (see `colour.ts`).
 */
import { colourText } from '../render/colour.ts';
import { colourEnabled, type Environment } from './colour.ts';
import type { ReporterName } from './commands.ts';
import { UsageError } from './options.ts';

/** The reporter `--reporter` and `--json` ask for. */
export function chooseReporter(options: { readonly reporter: string; readonly json: boolean }): ReporterName {
  const reporter = options.reporter as ReporterName;
  if (!options.json) return reporter;
  if (reporter !== 'text' && reporter !== 'json') {
    throw new UsageError(`option --json means --reporter json; it cannot go with --reporter ${reporter}`);
  }
  return 'json';
}

/** A stream's text, coloured when colour is on for it. */
export function paintFor(env: Environment, stream: { readonly isTTY?: boolean }): (text: string) => string {
  return colourEnabled(env, stream.isTTY) ? colourText : (text) => text;
}
