/**
 * The protmem command line as a function: `runCli(argv, io)` runs one command and returns its
 * exit code; only the entry point (`main.ts`) touches `process`. Exit codes: 0 every property
 * holds, 1 a property is violated or vacuous (or the design does not boot, or a replay no longer
 * reproduces), 2 bad usage or bad input, 3 an internal error
 * (printed with its stack trace and a request to report it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROPERTY_NAMES } from '../../properties/sdp/index.ts';
import { type CatalogResult, runCatalog } from '../catalog/runCatalog.ts';
import { check } from '../check/check.ts';
import { PropertyNotApplicableError, UnknownPropertyError } from '../check/errors.ts';
import { decodeReplayToken, type ReplayPayload, ReplayTokenError } from '../check/replayToken.ts';
import type { CheckOptions, CheckReport } from '../check/report.ts';
import { parseShard, type Shard } from '../check/shard.ts';
import { packageRoot } from '../packageRoot.ts';
import { catalogMatches, renderCatalogTable } from '../render/catalogTable.ts';
import { renderReportJson } from '../render/json.ts';
import { wrapWords } from '../render/markup.ts';
import { renderReport } from '../render/text.ts';
import { FLAWS } from '../topology/flaws.ts';
import { formatTopologyIssue } from '../topology/issues.ts';
import { type LoadedTopology, loadTopologyFile, TopologyError } from '../topology/load.ts';
import { topologyJsonSchema } from '../topology/schema.ts';
import { closestName, didYouMean } from '../topology/suggest.ts';
import {
  argumentUsage,
  type CommandName,
  type CommandSpec,
  commands,
  globalOptions,
  isCommandName,
} from './commands.ts';
import { runDiagram } from './diagramCommand.ts';
import { EXIT_CODES } from './exitCodes.ts';
import { runMerge } from './mergeCommand.ts';
import { formatOptionHelp, type OptionTable, parseArguments, UsageError } from './options.ts';
import { createProgress, type ProgressStream } from './progress.ts';
import { runReview } from './reviewCommand.ts';

export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  /** Errors, and the progress indicator when it is a terminal. */
  readonly stderr: ProgressStream;
  /** Milliseconds, for the progress indicator; `performance.now` by default. */
  readonly now?: () => number;
}

export { EXIT_CODES };

const WIDTH = 100;

/** The version in protmem's package.json. */
export function protmemVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string })
    .version;
}

/** Runs `protmem` with `argv` (the arguments after the program name); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr.write(generalHelp());
    return EXIT_CODES.badInput;
  }
  if (first.startsWith('-')) return guard(io, undefined, () => runGlobalOptions(argv, io));
  if (!isCommandName(first)) return unknownCommand(io, first);
  return guard(io, first, () => runCommand(first, rest, io));
}

function unknownCommand(io: CliIo, name: string): number {
  const suggestion = closestName(name, Object.keys(commands));
  const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
  io.stderr.write(`protmem: unknown command "${name}"${hint}; see 'protmem --help'\n`);
  return EXIT_CODES.badInput;
}

/** Runs `body`, turning the errors a user can fix into exit code 2 and the rest into 3. */
async function guard(
  io: CliIo,
  command: CommandName | undefined,
  body: () => Promise<number>,
): Promise<number> {
  const program = command === undefined ? 'protmem' : `protmem ${command}`;
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`${program}: ${error.message}; see '${program} --help'\n`);
      return EXIT_CODES.badInput;
    }
    if (error instanceof TopologyError) {
      io.stderr.write(`${error.issues.map(formatTopologyIssue).join('\n')}\n`);
      return EXIT_CODES.badInput;
    }
    if (error instanceof ReplayTokenError) {
      io.stderr.write(`${program}: option --replay: ${error.message}\n`);
      return EXIT_CODES.badInput;
    }
    if (error instanceof PropertyNotApplicableError || error instanceof UnknownPropertyError) {
      io.stderr.write(`${program}: option --property: ${error.message}\n`);
      return EXIT_CODES.badInput;
    }
    const detail = error instanceof Error ? (error.stack ?? String(error)) : String(error);
    io.stderr.write(
      `${program}: internal error\n${detail}\n` +
        'This is a bug in protmem. Please report it with the command you ran and the topology file it read.\n',
    );
    return EXIT_CODES.internalError;
  }
}

async function runGlobalOptions(argv: readonly string[], io: CliIo): Promise<number> {
  const { options, positionals } = parseArguments(argv, globalOptions);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (options.version) {
    io.stdout.write(`${protmemVersion()}\n`);
    return EXIT_CODES.ok;
  }
  io.stdout.write(generalHelp());
  return EXIT_CODES.ok;
}

function parseCommand<Table extends OptionTable>(
  spec: CommandSpec & { options: Table },
  args: readonly string[],
) {
  const parsed = parseArguments(args, spec.options);
  if ((parsed.options as { help?: boolean }).help) return { ...parsed, help: true };
  const required = spec.arguments.filter((argument) => !argument.optional);
  if (parsed.positionals.length < required.length) {
    throw new UsageError(`missing ${argumentUsage(required[parsed.positionals.length]!)}`);
  }
  const variadic = spec.arguments.some((argument) => argument.variadic);
  if (!variadic && parsed.positionals.length > spec.arguments.length) {
    throw new UsageError(`unexpected argument "${parsed.positionals[spec.arguments.length]}"`);
  }
  return { ...parsed, help: false };
}

async function runCommand(name: CommandName, args: readonly string[], io: CliIo): Promise<number> {
  switch (name) {
    case 'check':
      return runCheck(args, io);
    case 'validate':
      return runValidate(args, io);
    case 'merge': {
      const { options, positionals, help } = parseCommand(commands.merge, args);
      if (help) return printHelp(io, 'merge');
      return runMerge(positionals, options, io);
    }
    case 'catalog':
      return runCatalogCommand(args, io);
    case 'diagram': {
      const { options, positionals, help } = parseCommand(commands.diagram, args);
      if (help) return printHelp(io, 'diagram');
      return runDiagram(positionals, options, io);
    }
    case 'review': {
      const { options, positionals, help } = parseCommand(commands.review, args);
      if (help) return printHelp(io, 'review');
      return runReview(positionals, options, io);
    }
    case 'schema':
    case 'flaws': {
      const { help } = parseCommand(commands[name], args);
      if (help) return printHelp(io, name);
      io.stdout.write(name === 'schema' ? `${JSON.stringify(topologyJsonSchema(), null, 2)}\n` : flawList());
      return EXIT_CODES.ok;
    }
    case 'help': {
      const { positionals, help } = parseCommand(commands.help, args);
      const topic = positionals[0];
      if (help || topic === undefined) {
        io.stdout.write(help ? commandHelp(commands.help) : generalHelp());
        return EXIT_CODES.ok;
      }
      if (!isCommandName(topic)) return unknownCommand(io, topic);
      return printHelp(io, topic);
    }
  }
}

function printHelp(io: CliIo, name: CommandName): number {
  io.stdout.write(commandHelp(commands[name]));
  return EXIT_CODES.ok;
}

async function runValidate(args: readonly string[], io: CliIo): Promise<number> {
  const { positionals, help } = parseCommand(commands.validate, args);
  if (help) return printHelp(io, 'validate');
  let failed = false;
  for (const file of positionals) {
    try {
      await loadTopologyFile(file);
      io.stdout.write(`ok ${file}\n`);
    } catch (error) {
      if (!(error instanceof TopologyError)) throw error;
      failed = true;
      io.stdout.write(`${error.issues.map(formatTopologyIssue).join('\n')}\n`);
    }
  }
  return failed ? EXIT_CODES.badInput : EXIT_CODES.ok;
}

async function runCatalogCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { options, positionals, help } = parseCommand(commands.catalog, args);
  if (help) return printHelp(io, 'catalog');
  const folder = positionals[0] ?? 'topologies';
  const progress = createProgress(io.stderr, io.now ?? (() => performance.now()));
  let result: CatalogResult;
  try {
    result = await runCatalog(folder, {
      onRow: (row, done, total) => progress.update({ done, total, phase: row.file }),
      ...(options.workers !== undefined ? { workers: options.workers } : {}),
    });
  } finally {
    progress.finish();
  }
  io.stdout.write(renderCatalogTable(result, { timing: options.timing }));
  return catalogMatches(result) ? EXIT_CODES.ok : EXIT_CODES.propertyFailed;
}

async function runCheck(args: readonly string[], io: CliIo): Promise<number> {
  const { options, positionals, help } = parseCommand(commands.check, args);
  if (help) return printHelp(io, 'check');
  for (const name of options.property) {
    if (!PROPERTY_NAMES.includes(name)) {
      throw new UsageError(
        `option --property: unknown property "${name}"${didYouMean(name, PROPERTY_NAMES)}; properties are ${PROPERTY_NAMES.join(', ')}`,
      );
    }
  }
  const loaded = await loadTopologyFile(positionals[0]!);
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
  const render = options.json ? renderReportJson : renderReport;
  io.stdout.write(render(report, { timing: options.timing }));
  return report.verdict === 'pass' ? EXIT_CODES.ok : EXIT_CODES.propertyFailed;
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

function flawList(): string {
  return FLAWS.map((flaw) =>
    [flaw.name, ...wrapWords(flaw.summary, WIDTH - 4).map((line) => `    ${line}`)].join('\n'),
  )
    .join('\n')
    .concat('\n');
}

function generalHelp(): string {
  const specs = Object.values(commands) as readonly CommandSpec[];
  const usages = specs.map((spec) => [spec.name, ...spec.arguments.map(argumentUsage)].join(' '));
  const width = Math.max(...usages.map((usage) => usage.length));
  return [
    `protmem ${protmemVersion()}: check Secure Data Path designs for plaintext leaks`,
    '',
    'Usage: protmem <command> [options]',
    '',
    'Commands:',
    ...specs.map((spec, index) => `  ${usages[index]!.padEnd(width)}  ${spec.summary}`),
    '',
    'Options:',
    ...formatOptionHelp(globalOptions, WIDTH),
    '',
    'Exit codes: 0 every property holds, 1 a property is violated or vacuous or the design does not',
    'boot, 2 bad usage or input, 3 internal error.',
    "Run 'protmem <command> --help' for the options of a command.",
    '',
  ].join('\n');
}

function commandHelp(spec: CommandSpec): string {
  const usage = ['protmem', spec.name, ...spec.arguments.map(argumentUsage), '[options]'].join(' ');
  const lines = [`Usage: ${usage}`, '', ...wrapWords(`${spec.summary}.`, WIDTH)];
  if (spec.description !== undefined) lines.push(...wrapWords(spec.description, WIDTH));
  if (spec.arguments.length > 0) {
    const names = spec.arguments.map(argumentUsage);
    const width = Math.max(...names.map((name) => name.length));
    lines.push(
      '',
      'Arguments:',
      ...spec.arguments.map((arg, i) => `  ${names[i]!.padEnd(width)}  ${arg.description}`),
    );
  }
  lines.push('', 'Options:', ...formatOptionHelp(spec.options, WIDTH), '');
  return lines.join('\n');
}
