/**
 * `protmem validate <files...>`: loads each file and reports every problem: as text (`ok
 * <file>`, or one `file:line:column` line per problem) or, with `--json`, as one JSON object
 * (`src/render/json.ts`). Exit codes: 0 every file is valid, 2 a file has problems.
 */
import { protmemVersion } from '../packageRoot.ts';
import { renderValidationJson, type ValidatedFile } from '../render/json.ts';
import { formatTopologyIssue } from '../topology/issues.ts';
import { loadTopologyFile, TopologyError } from '../topology/load.ts';
import type { commands } from './commands.ts';
import { EXIT_CODES } from './exitCodes.ts';
import type { ParsedOptions } from './options.ts';
import type { CliIo } from './run.ts';

/** Each file with its problems, in the order given. */
async function validateFiles(files: readonly string[]): Promise<ValidatedFile[]> {
  const results: ValidatedFile[] = [];
  for (const file of files) {
    try {
      await loadTopologyFile(file);
      results.push({ file, problems: [] });
    } catch (error) {
      if (!(error instanceof TopologyError)) throw error;
      results.push({ file, problems: error.issues });
    }
  }
  return results;
}

export async function runValidate(
  files: readonly string[],
  options: ParsedOptions<(typeof commands)['validate']['options']>,
  io: CliIo,
): Promise<number> {
  const results = await validateFiles(files);
  if (options.json) {
    io.stdout.write(renderValidationJson(results, protmemVersion()));
  } else {
    for (const { file, problems } of results) {
      io.stdout.write(
        problems.length === 0 ? `ok ${file}\n` : `${problems.map(formatTopologyIssue).join('\n')}\n`,
      );
    }
  }
  return results.every((each) => each.problems.length === 0) ? EXIT_CODES.ok : EXIT_CODES.badInput;
}
