/**
 * The errors a user can fix, in one line each (or one line per topology problem): what
 * `protmem` prints for them with exit code 2, never with a stack trace. Anything else is an
 * internal error.
 */
import { PropertyNotApplicableError, UnknownPropertyError } from '../check/errors.ts';
import { ReplayTokenError } from '../check/replayToken.ts';
import { formatTopologyIssue, TopologyError } from '../topology/issues.ts';
import { UsageError } from './options.ts';

/** The message for an error of the user's making under `program` (`protmem check`), or undefined. */
export function userErrorMessage(error: unknown, program: string): string | undefined {
  if (error instanceof UsageError) return `${program}: ${error.message}; see '${program} --help'\n`;
  if (error instanceof TopologyError) return `${error.issues.map(formatTopologyIssue).join('\n')}\n`;
  if (error instanceof ReplayTokenError) return `${program}: option --replay: ${error.message}\n`;
  if (error instanceof PropertyNotApplicableError || error instanceof UnknownPropertyError) {
    return `${program}: option --property: ${error.message}\n`;
  }
  return undefined;
}
