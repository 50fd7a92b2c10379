/**
 * `protmem catalog [folder]`: checks every design of a catalog against its manifest. A line on
 * stderr as each design finishes (in the order they finish), then the table (or the chosen
 * reporter's document) on stdout in the order of the files, the same for any `--workers`.
 * Exit codes: 0 every verdict matches the manifest, 1 one differs or a design is unlisted or
 * missing, 2 bad usage or a topology or manifest that does not load.
 */
import { readFile } from 'node:fs/promises';
import { type CatalogResult, runCatalog } from '../catalog/runCatalog.ts';
import { protmemVersion } from '../packageRoot.ts';
import { catalogMatches, renderCatalogTable } from '../render/catalogTable.ts';
import { renderCatalogJson } from '../render/json.ts';
import { renderJunit } from '../render/junit.ts';
import { renderSarif } from '../render/sarif.ts';
import { sectionPositions } from '../topology/sections.ts';
import type { commands } from './commands.ts';
import { EXIT_CODES } from './exitCodes.ts';
import type { ParsedOptions } from './options.ts';
import { createProgress, finishedLine } from './progress.ts';
import { chooseReporter, paintFor } from './reporter.ts';
import type { CliIo } from './run.ts';

export async function runCatalogCommand(
  folder: string,
  options: ParsedOptions<(typeof commands)['catalog']['options']>,
  io: CliIo,
): Promise<number> {
  const reporter = chooseReporter(options);
  const progress = createProgress(io.stderr, io.now ?? (() => performance.now()));
  const paint = paintFor(io.env ?? {}, io.stderr);
  let result: CatalogResult;
  try {
    result = await runCatalog(folder, {
      onRow: (row, done, total) => {
        const ok = row.mismatches.length === 0;
        const detail = `${row.report.verdict}, ${ok ? 'matches' : 'DIFFERS from the manifest'}`;
        const name = row.file.replace(/\.(ya?ml|json)$/, '');
        const ms = options.timing ? row.report.statistics.durationMs : undefined;
        progress.print(
          paint(finishedLine({ done, total, ok, name, detail, ...(ms === undefined ? {} : { ms }) })),
        );
        progress.update({ done, total, phase: row.file });
      },
      ...(options.workers !== undefined ? { workers: options.workers } : {}),
    });
  } finally {
    progress.finish();
  }
  io.stdout.write(await renderCatalog(result, reporter, options.timing, io));
  return catalogMatches(result) ? EXIT_CODES.ok : EXIT_CODES.propertyFailed;
}

async function renderCatalog(
  result: CatalogResult,
  reporter: ReturnType<typeof chooseReporter>,
  timing: boolean,
  io: CliIo,
): Promise<string> {
  switch (reporter) {
    case 'text':
      return paintFor(io.env ?? {}, io.stdout)(renderCatalogTable(result, { timing }));
    case 'json':
      return renderCatalogJson(result, { timing, version: protmemVersion() });
    case 'junit':
      return renderJunit(
        result.rows.map((row) => ({
          report: row.report,
          expected: row.entry.expect,
          ...(row.entry.verdict === undefined ? {} : { expectedVerdict: row.entry.verdict }),
        })),
        { timing },
      );
    case 'sarif': {
      const inputs = await Promise.all(
        result.rows.map(async ({ report }) => ({
          report,
          sections: sectionPositions(await readFile(report.file, 'utf8'), report.file),
        })),
      );
      return renderSarif(inputs, { timing, version: protmemVersion() });
    }
  }
}
