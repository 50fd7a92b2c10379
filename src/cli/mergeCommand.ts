/**
 * `protmem merge <reports...>`: reads the JSON reports of a sharded random check and prints
 * one report (text, or JSON with `--json`). Exit codes are those of `check`: 0 every property
 * holds, 1 a property is violated or vacuous, 2 a report that does not parse or reports that are
 * not the shards of one check (the file and the reason are printed).
 */
import { MergeError, mergeShardReports } from '../check/mergeReports.ts';
import { loadReportFile } from '../check/reportFile.ts';
import { protmemVersion } from '../packageRoot.ts';
import { renderReportJson } from '../render/json.ts';
import { renderReport } from '../render/text.ts';
import { formatTopologyIssue, TopologyError } from '../topology/issues.ts';
import type { commands } from './commands.ts';
import { EXIT_CODES } from './exitCodes.ts';
import type { ParsedOptions } from './options.ts';
import { paintFor } from './reporter.ts';
import type { CliIo } from './run.ts';

export async function runMerge(
  files: readonly string[],
  options: ParsedOptions<(typeof commands)['merge']['options']>,
  io: CliIo,
): Promise<number> {
  const issues: string[] = [];
  const reports = [];
  for (const file of files) {
    try {
      reports.push({ file, report: await loadReportFile(file) });
    } catch (error) {
      if (!(error instanceof TopologyError)) throw error;
      issues.push(...error.issues.map(formatTopologyIssue));
    }
  }
  if (issues.length > 0) {
    io.stderr.write(`${issues.join('\n')}\n`);
    return EXIT_CODES.badInput;
  }
  let merged: ReturnType<typeof mergeShardReports>;
  try {
    merged = mergeShardReports(reports);
  } catch (error) {
    if (!(error instanceof MergeError)) throw error;
    io.stderr.write(`protmem merge: ${error.message}\n`);
    return EXIT_CODES.badInput;
  }
  io.stdout.write(
    options.json
      ? renderReportJson(merged, { timing: options.timing, version: protmemVersion() })
      : paintFor(io.env ?? {}, io.stdout)(renderReport(merged, { timing: options.timing })),
  );
  return merged.verdict === 'pass' ? EXIT_CODES.ok : EXIT_CODES.propertyFailed;
}
