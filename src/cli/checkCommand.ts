/**
 * `protmem check <topology>`: loads the topology, resolves the options against its defaults,
 * runs the check and prints the report with the chosen reporter; with `--watch`, again after
 * each change of the file. Exit codes: 0 every property holds, 1 a property is violated or
 * vacuous (or the design does not boot, or a replay no longer reproduces), 2 bad usage or bad
 * input.
 */
import { PROPERTY_NAMES } from '../../properties/sdp/index.ts';
import { check } from '../check/check.ts';
import { decodeReplayToken, type ReplayPayload, ReplayTokenError } from '../check/replayToken.ts';
import type { CheckOptions, CheckReport } from '../check/report.ts';
import { parseShard, type Shard } from '../check/shard.ts';
import { protmemVersion } from '../packageRoot.ts';
import { renderReportJson } from '../render/json.ts';
import { renderJunit } from '../render/junit.ts';
import { renderSarif } from '../render/sarif.ts';
import { renderReport } from '../render/text.ts';
import { type LoadedTopology, loadTopologyFile } from '../topology/load.ts';
import { sectionPositions } from '../topology/sections.ts';
import { didYouMean } from '../topology/suggest.ts';
import type { checkOptions, ReporterName } from './commands.ts';
import { userErrorMessage } from './errors.ts';
import { EXIT_CODES } from './exitCodes.ts';
import { type ParsedOptions, UsageError } from './options.ts';
import { createProgress } from './progress.ts';
import { chooseReporter, paintFor } from './reporter.ts';
import type { CliIo } from './run.ts';
import { separatorLine, watchFile } from './watch.ts';

type CheckCommandOptions = ParsedOptions<typeof checkOptions>;

export async function runCheck(file: string, options: CheckCommandOptions, io: CliIo): Promise<number> {
  for (const name of options.property) {
    if (!PROPERTY_NAMES.includes(name)) {
      throw new UsageError(
        `option --property: unknown property "${name}"${didYouMean(name, PROPERTY_NAMES)}; properties are ${PROPERTY_NAMES.join(', ')}`,
      );
    }
  }
  const reporter = chooseReporter(options);
  if (!options.watch) return checkOnce(file, options, reporter, io);
  if (reporter !== 'text') {
    throw new UsageError(`option --watch prints text reports; it cannot go with --reporter ${reporter}`);
  }
  io.stderr.write(`watching ${file} for changes (Ctrl-C to stop)\n`);
  return watchFile(
    file,
    async () => {
      try {
        return await checkOnce(file, options, reporter, io);
      } catch (error) {
        // A topology broken mid-edit is reported, and the watch goes on.
        const message = userErrorMessage(error, 'protmem check');
        if (message === undefined) throw error;
        io.stderr.write(message);
        return EXIT_CODES.badInput;
      }
    },
    () => io.stdout.write(`\n${separatorLine(file)}\n\n`),
    io.signal === undefined ? {} : { signal: io.signal },
  );
}

async function checkOnce(
  file: string,
  options: CheckCommandOptions,
  reporter: ReporterName,
  io: CliIo,
): Promise<number> {
  const loaded = await loadTopologyFile(file);
  const replay = options.replay === undefined ? undefined : decodeReplayFor(options.replay, loaded);
  const others = options.property.filter((name) => name !== replay?.property);
  if (replay && others.length > 0) {
    throw new UsageError(
      `option --property: a replay re-checks the property its token names (${replay.property}), not ${others.join(', ')}`,
    );
  }
  const defaults = loaded.topology.check;
  const mode = (options.mode as CheckOptions['mode'] | undefined) ?? defaults.mode;
  const shard = options.shard === undefined ? undefined : shardFor(options.shard, mode, replay);
  if (options.store === 'compact' && (mode !== 'exhaustive' || replay)) {
    throw new UsageError('option --store: hash compaction is for the visited states of --mode exhaustive');
  }
  const resolved: CheckOptions & { replay?: ReplayPayload } = {
    mode,
    runs: options.runs ?? defaults.runs,
    maxDepth: options.maxDepth ?? defaults.maxDepth,
    maxStates: options.maxStates ?? defaults.maxStates,
    seed: options.seed,
    properties: options.property,
    ...(replay === undefined ? {} : { replay }),
    ...(shard === undefined ? {} : { shard }),
    ...(options.store === 'compact' ? { store: 'compact' as const } : {}),
    ...(options.coverage && !replay ? { coverage: true } : {}),
  };
  const progress = createProgress(io.stderr, io.now ?? (() => performance.now()));
  let report: CheckReport;
  try {
    report = check(loaded, resolved, { onProgress: (update) => progress.update(update) });
  } finally {
    progress.finish();
  }
  io.stdout.write(renderCheck(report, loaded, reporter, options.timing, io));
  return report.verdict === 'pass' ? EXIT_CODES.ok : EXIT_CODES.propertyFailed;
}

function renderCheck(
  report: CheckReport,
  loaded: LoadedTopology,
  reporter: ReporterName,
  timing: boolean,
  io: CliIo,
): string {
  switch (reporter) {
    case 'text':
      return paintFor(io.env ?? {}, io.stdout)(renderReport(report, { timing }));
    case 'json':
      return renderReportJson(report, { timing, version: protmemVersion() });
    case 'junit':
      return renderJunit([{ report }], { timing });
    case 'sarif':
      return renderSarif([{ report, sections: sectionPositions(loaded.source, loaded.file) }], {
        timing,
        version: protmemVersion(),
      });
  }
}

function shardFor(text: string, mode: CheckOptions['mode'], replay: ReplayPayload | undefined): Shard {
  const shard = parseShard(text);
  if (typeof shard === 'string') throw new UsageError(`option --shard: ${shard}`);
  if (replay) throw new UsageError('option --shard: a replay runs one trace; there is nothing to split');
  if (mode !== 'random') {
    throw new UsageError(
      'option --shard: shards split the walks of --mode random; an exhaustive search is not split (catalog and review spread designs over --workers)',
    );
  }
  return shard;
}

function decodeReplayFor(token: string, loaded: LoadedTopology): ReplayPayload {
  const payload = decodeReplayToken(token);
  if (payload.topology !== loaded.topology.name) {
    throw new ReplayTokenError(
      `the token replays topology "${payload.topology}", but ${loaded.file} defines "${loaded.topology.name}"`,
    );
  }
  return payload;
}
