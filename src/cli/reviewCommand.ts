/**
 * `protmem review <paths...>`: checks every topology (each with its own bounds, as `check`
 * does with no options), replays each counterexample step by step, draws each design, and
 * writes `index.html` and `summary.md` into `--out`. A line on stderr as each design finishes
 * its check (in the order they finish), then on stdout one line per topology in the order of
 * the files, or the chosen reporter's document. A progress bar runs on a terminal. Designs are
 * checked `--workers` at a time in worker threads (the reports do not depend on how many).
 *
 * Exit codes: 0 every property of every topology holds, 1 one is violated or vacuous or a
 * topology does not boot, 2 bad
 * usage or a topology that does not load (every problem of every file is printed).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkInParallel, defaultWorkers } from '../check/parallelChecks.ts';
import type { CheckReport } from '../check/report.ts';
import { topologyCheckOptions } from '../check/topologyDefaults.ts';
import { protmemVersion } from '../packageRoot.ts';
import { renderReviewJson } from '../render/json.ts';
import { renderJunit } from '../render/junit.ts';
import { buildReviewEntry, type ReviewEntry, verdictText } from '../render/reviewEntry.ts';
import { renderReviewHtml } from '../render/reviewHtml.ts';
import { renderSarif } from '../render/sarif.ts';
import { renderSummaryMarkdown } from '../render/summaryMarkdown.ts';
import { formatTopologyIssue } from '../topology/issues.ts';
import type { LoadedTopology } from '../topology/load.ts';
import { sectionPositions } from '../topology/sections.ts';
import { DEFAULT_SEED, type ReporterName, type reviewOptions } from './commands.ts';
import { EXIT_CODES } from './exitCodes.ts';
import { type ParsedOptions, UsageError } from './options.ts';
import { createProgress, finishedLine, progressBar } from './progress.ts';
import { chooseReporter, paintFor } from './reporter.ts';
import type { CliIo } from './run.ts';
import { loadTopologies, topologyFiles } from './topologyPaths.ts';

function duplicateNames(loaded: readonly LoadedTopology[]): string | undefined {
  const seen = new Map<string, string>();
  for (const each of loaded) {
    const first = seen.get(each.topology.name);
    if (first !== undefined) {
      return `${first} and ${each.file} both define topology "${each.topology.name}"; a review needs distinct names`;
    }
    seen.set(each.topology.name, each.file);
  }
  return undefined;
}

export async function runReview(
  paths: readonly string[],
  options: ParsedOptions<typeof reviewOptions>,
  io: CliIo,
): Promise<number> {
  const reporter = chooseReporter(options);
  const files = await topologyFiles(paths);
  const { loaded, errors } = await loadTopologies(files);
  if (errors.length > 0) {
    io.stderr.write(`${errors.flatMap((error) => error.issues.map(formatTopologyIssue)).join('\n')}\n`);
    return EXIT_CODES.badInput;
  }
  const duplicate = duplicateNames(loaded);
  if (duplicate !== undefined) throw new UsageError(duplicate);

  const total = loaded.length;
  const progress = createProgress(
    io.stderr,
    io.now ?? (() => performance.now()),
    undefined,
    ({ done, phase }) => `reviewing ${progressBar(done / total)} ${Math.floor(done)}/${total} ${phase}`,
  );
  const tasks = loaded.map((each) => ({
    file: each.file,
    // Coverage is part of a review: where a vacuous pipeline stopped, and what was never exercised.
    options: { ...topologyCheckOptions(each.topology, DEFAULT_SEED), coverage: true },
  }));
  // Designs are checked in worker threads, several at once: the share done of each makes up the
  // bar. Then each is drawn, in the order of the files.
  const share = new Array<number>(total).fill(0);
  const shown = (phase: string) =>
    progress.update({ done: share.reduce((sum, each) => sum + each, 0), total, phase });
  const entries: ReviewEntry[] = [];
  const paintErrors = paintFor(io.env ?? {}, io.stderr);
  let finished = 0;
  try {
    const reports = await checkInParallel(tasks, options.workers ?? defaultWorkers(), {
      onProgress: (index, inner) => {
        share[index] = inner.total > 0 ? Math.min(0.9, (0.9 * inner.done) / inner.total) : 0;
        shown(`${loaded[index]!.topology.name}, ${inner.phase}`);
      },
      onDone: (index, report) => {
        share[index] = 0.9;
        const ms = options.timing ? report.statistics.durationMs : undefined;
        const line = finishedLine({
          done: ++finished,
          total,
          ok: report.verdict === 'pass',
          name: report.topology,
          detail: verdictText(report),
          ...(ms === undefined ? {} : { ms }),
        });
        progress.print(paintErrors(line));
        shown(`${loaded[index]!.topology.name}, checked`);
      },
    });
    for (const [index, report] of reports.entries()) {
      shown(`${loaded[index]!.topology.name}, drawing`);
      entries.push(await buildReviewEntry(loaded[index]!, report));
      share[index] = 1;
    }
  } finally {
    progress.finish();
  }

  const renderOptions = { timing: options.timing };
  await mkdir(options.out, { recursive: true });
  const html = join(options.out, 'index.html');
  const markdown = join(options.out, 'summary.md');
  await writeFile(html, renderReviewHtml(entries, renderOptions));
  await writeFile(markdown, renderSummaryMarkdown(entries, renderOptions));

  const reports = entries.map((entry) => entry.report);
  io.stdout.write(renderResults(reports, loaded, reporter, options.timing, io));
  if (reporter === 'text') io.stdout.write(`wrote ${html} and ${markdown}\n`);
  return reports.every((report) => report.verdict === 'pass') ? EXIT_CODES.ok : EXIT_CODES.propertyFailed;
}

function renderResults(
  reports: readonly CheckReport[],
  loaded: readonly LoadedTopology[],
  reporter: ReporterName,
  timing: boolean,
  io: CliIo,
): string {
  switch (reporter) {
    case 'text': {
      const width = Math.max(...reports.map((report) => report.topology.length));
      const lines = reports.map((report) => {
        const mark = report.verdict === 'pass' ? '✔' : '✖';
        return `${mark} ${report.topology.padEnd(width)}  ${verdictText(report)}  (${report.file})\n`;
      });
      return paintFor(io.env ?? {}, io.stdout)(lines.join(''));
    }
    case 'json':
      return renderReviewJson(reports, { timing, version: protmemVersion() });
    case 'junit':
      return renderJunit(
        reports.map((report) => ({ report })),
        { timing },
      );
    case 'sarif':
      return renderSarif(
        reports.map((report, index) => ({
          report,
          sections: sectionPositions(loaded[index]!.source, loaded[index]!.file),
        })),
        { timing, version: protmemVersion() },
      );
  }
}
