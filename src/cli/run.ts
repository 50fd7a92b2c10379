/**
 * The protmem command line as a function: `runCli(argv, io)` runs one command and returns its
 * exit code; only the entry point (`main.ts`) touches `process`. Exit codes: 0 every property
 * holds, 1 a property is violated or vacuous (or the design does not boot, or a replay no longer
 * reproduces), 2 bad usage or bad input, 3 an internal error
 * (printed with its stack trace and a request to report it).
 */
import { protmemVersion } from '../packageRoot.ts';
import { wrapWords } from '../render/markup.ts';
import { FLAWS } from '../topology/flaws.ts';
import { topologyJsonSchema } from '../topology/schema.ts';
import { closestName } from '../topology/suggest.ts';
import { runCatalogCommand } from './catalogCommand.ts';
import { runCheck } from './checkCommand.ts';
import type { Environment } from './colour.ts';
import {
  argumentUsage,
  type CommandName,
  type CommandSpec,
  commands,
  globalOptions,
  isCommandName,
} from './commands.ts';
import { runDiagram } from './diagramCommand.ts';
import { userErrorMessage } from './errors.ts';
import { ALL_EXIT_CODES, EXIT_CODES, exitCodeLines } from './exitCodes.ts';
import { runMerge } from './mergeCommand.ts';
import { formatOptionHelp, type OptionTable, parseArguments, UsageError } from './options.ts';
import type { ProgressStream } from './progress.ts';
import { runReview } from './reviewCommand.ts';
import { runValidate } from './validateCommand.ts';

export interface CliIo {
  /** Reports; coloured when it is a terminal (`isTTY`) and the environment allows. */
  readonly stdout: ProgressStream;
  /** Errors, a line per design as it finishes, and the progress indicator when it is a terminal. */
  readonly stderr: ProgressStream;
  /** Milliseconds, for the progress indicator; `performance.now` by default. */
  readonly now?: () => number;
  /** The environment, for `NO_COLOR` and `FORCE_COLOR`; none by default (no colour off a terminal). */
  readonly env?: Environment;
  /** Ends a `check --watch`; without one it lasts until the process is stopped. */
  readonly signal?: AbortSignal;
}

export { EXIT_CODES, protmemVersion };

const WIDTH = 100;

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
    const message = userErrorMessage(error, program);
    if (message !== undefined) {
      io.stderr.write(message);
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
    case 'check': {
      const { options, positionals, help } = parseCommand(commands.check, args);
      if (help) return printHelp(io, 'check');
      return runCheck(positionals[0]!, options, io);
    }
    case 'validate': {
      const { options, positionals, help } = parseCommand(commands.validate, args);
      if (help) return printHelp(io, 'validate');
      return runValidate(positionals, options, io);
    }
    case 'merge': {
      const { options, positionals, help } = parseCommand(commands.merge, args);
      if (help) return printHelp(io, 'merge');
      return runMerge(positionals, options, io);
    }
    case 'catalog': {
      const { options, positionals, help } = parseCommand(commands.catalog, args);
      if (help) return printHelp(io, 'catalog');
      return runCatalogCommand(positionals[0] ?? 'topologies', options, io);
    }
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
    'Exit codes:',
    ...exitCodeLines(ALL_EXIT_CODES),
    '',
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
  lines.push('', 'Options:', ...formatOptionHelp(spec.options, WIDTH));
  lines.push('', 'Exit codes:', ...exitCodeLines(spec.exitCodes ?? ALL_EXIT_CODES), '');
  return lines.join('\n');
}
