/**
 * The commands of `protmem` and their option tables. Help text and parsing both come from
 * these tables (see `options.ts`).
 */
import { ALL_EXIT_CODES, type CommandExitCodes } from './exitCodes.ts';
import type { OptionTable } from './options.ts';

const help = {
  help: { type: 'boolean', short: 'h', default: false, description: 'Show this help.' },
} as const satisfies OptionTable;

export const globalOptions = {
  ...help,
  version: { type: 'boolean', short: 'v', default: false, description: 'Print the version of protmem.' },
} as const satisfies OptionTable;

/** How many designs `catalog` and `review` check at once, in worker threads. */
const workers = {
  workers: {
    type: 'integer',
    valueName: 'N',
    min: 1,
    max: 64,
    defaultText: "the machine's cores",
    description:
      'Check this many designs at once, each in its own worker thread; the reports are the same for any N.',
  },
} as const satisfies OptionTable;

/** The output formats of `check`, `catalog` and `review` (`src/render/reporters.ts`). */
export const REPORTERS = ['text', 'json', 'junit', 'sarif'] as const;
export type ReporterName = (typeof REPORTERS)[number];

/** `--reporter` and its alias `--json`, for the commands that check designs. */
function reporterOptions(what: string) {
  return {
    reporter: {
      type: 'string',
      valueName: 'FORMAT',
      choices: REPORTERS,
      default: 'text',
      description: `How to print ${what}: text for people, JSON (with version and schemaVersion), JUnit XML (a testsuite per topology, a testcase per property) or SARIF 2.1.0 (a result per violated property, located in the topology file).`,
    },
    json: { type: 'boolean', default: false, description: 'The same as --reporter json.' },
  } as const satisfies OptionTable;
}

/** Seed of the random walks when none is given, so a plain `check` repeats itself exactly. */
export const DEFAULT_SEED = 0;

export const checkOptions = {
  mode: {
    type: 'string',
    valueName: 'MODE',
    choices: ['random', 'exhaustive'],
    defaultText: "the topology's check.mode, else exhaustive",
    description: 'Explore every reachable state breadth-first, or take random walks.',
  },
  runs: {
    type: 'integer',
    valueName: 'N',
    min: 1,
    defaultText: "the topology's check.runs, else 10000",
    description: 'Random mode: how many walks to take.',
  },
  maxDepth: {
    type: 'integer',
    valueName: 'N',
    min: 1,
    max: 64,
    defaultText: "the topology's check.maxDepth, else 10",
    description: 'Longest trace explored, in steps after boot.',
  },
  maxStates: {
    type: 'integer',
    valueName: 'N',
    min: 1,
    defaultText: "the topology's check.maxStates, else 200000",
    description: 'Exhaustive mode: stop after this many distinct states.',
  },
  store: {
    type: 'string',
    valueName: 'KIND',
    choices: ['full', 'compact'],
    default: 'full',
    description:
      'Exhaustive mode: keep every state, or only a 64-bit fingerprint of each (hash compaction: a fraction of the memory; the report states the chance that a state was missed).',
  },
  seed: {
    type: 'integer',
    valueName: 'N',
    min: 0,
    max: 2 ** 31 - 1,
    default: DEFAULT_SEED,
    description: 'Seed of the random walks; the same seed takes the same walks.',
  },
  property: {
    type: 'string[]',
    valueName: 'NAME',
    description: 'Check only this property (all of them when not given).',
  },
  replay: {
    type: 'string',
    valueName: 'TOKEN',
    description: 'Re-run exactly the counterexample whose replay token a report printed.',
  },
  shard: {
    type: 'string',
    valueName: 'K/N',
    description:
      "Random mode: take shard K of N of the walks (its share of --runs, with a seed of its own), so N jobs split one check; 'protmem merge' combines their --json reports.",
  },
  coverage: {
    type: 'boolean',
    default: false,
    description:
      "Also report coverage: how often each step was taken, why each step never taken was refused (the first failing guard, with the source function it mirrors, or the world's precondition), each machine's states and transitions covered, and how far the pipeline got.",
  },
  ...reporterOptions('the report'),
  watch: {
    type: 'boolean',
    default: false,
    description:
      'Check again each time the topology file changes, printing a separator line and the new result; Ctrl-C stops. Text reports only.',
  },
  timing: {
    type: 'boolean',
    default: true,
    description: 'Leave the duration out of the report, so the output is the same on every run.',
  },
  ...help,
} as const satisfies OptionTable;

export const diagramOptions = {
  format: {
    type: 'string[]',
    valueName: 'FORMAT',
    choices: ['mermaid', 'dot', 'svg'],
    defaultText: 'svg and mermaid',
    description:
      'Which files to write: a Mermaid state chart (.mmd), Graphviz DOT (.dot), or SVG laid out offline by Graphviz (.svg). Topologies are drawn as DOT and SVG only.',
  },
  machine: {
    type: 'string[]',
    valueName: 'NAME',
    description:
      'Draw this machine (pkvmPageMachine, ...). Without topologies and without this option, every machine is drawn.',
  },
  flaw: {
    type: 'string[]',
    valueName: 'FLAW',
    description:
      'Draw, instead, each machine this named flaw (see protmem flaws) reimplements part of: its chart with the changed transitions in red and a note on what the flaw swaps; as dot or svg.',
  },
  out: {
    type: 'string',
    valueName: 'DIR',
    default: 'diagrams',
    description: 'The folder to write into; created if missing.',
  },
  ...help,
} as const satisfies OptionTable;

export const reviewOptions = {
  ...workers,
  out: {
    type: 'string',
    valueName: 'DIR',
    default: 'report',
    description: 'The folder to write index.html and summary.md into; created if missing.',
  },
  ...reporterOptions('the results (text: one line per topology; json: every check report)'),
  timing: {
    type: 'boolean',
    default: true,
    description: 'Leave durations out of the report and the output, so they are the same on every run.',
  },
  ...help,
} as const satisfies OptionTable;

export interface ArgumentSpec {
  readonly name: string;
  readonly description: string;
  /** Takes one or more values: `<files...>`. */
  readonly variadic?: boolean;
  readonly optional?: boolean;
}

export interface CommandSpec {
  readonly name: string;
  /** One line, for the command list. */
  readonly summary: string;
  /** More about the command, for its own help. */
  readonly description?: string;
  readonly arguments: readonly ArgumentSpec[];
  readonly options: OptionTable;
  /** The exit codes it can return (all of them when not given), for its help. */
  readonly exitCodes?: CommandExitCodes;
}

/** What a command that checks nothing returns. */
const SUCCESS_OR_BAD_USAGE: CommandExitCodes = {
  codes: ['ok', 'badInput', 'internalError'],
  meanings: { ok: 'success', badInput: 'bad usage' },
};

export const commands = {
  check: {
    name: 'check',
    summary: 'Explore a topology and check every property against it',
    description:
      'Loads the topology, explores the steps its parties can take, and reports each property as holding, violated (with a shortest or shrunk counterexample and a replay token) or vacuous.',
    arguments: [{ name: 'topology', description: 'A topology file (.yaml, .yml or .json).' }],
    options: checkOptions,
  },
  catalog: {
    name: 'catalog',
    summary: 'Check every topology of a catalog folder against its manifest of expected verdicts',
    description:
      'Checks each topology under the mode and bound its entry in <folder>/manifest.yaml gives, prints one line per topology and a total, and exits 0 only when every verdict matches the manifest.',
    arguments: [{ name: 'folder', optional: true, description: 'The catalog folder (default: topologies).' }],
    options: {
      ...workers,
      ...reporterOptions('the results (text: the table; json: each row with its check report)'),
      timing: {
        type: 'boolean',
        default: true,
        description: 'Leave the times out of the table, so the output is the same on every run.',
      },
      ...help,
    },
    exitCodes: {
      codes: ALL_EXIT_CODES.codes,
      meanings: {
        ok: 'every verdict matches the manifest',
        propertyFailed: 'a verdict differs from the manifest, or a design is unlisted or missing',
      },
    },
  },
  merge: {
    name: 'merge',
    summary: 'Combine the JSON reports of a sharded random check into one verdict',
    description:
      'Reads the reports that protmem check --mode random --shard K/N --json wrote, one per shard of the same design, seed and bound, and prints one report: a property is violated when any shard violated it (with the shortest counterexample), and the exit code is that of one check.',
    arguments: [{ name: 'reports', variadic: true, description: 'The JSON reports, one per shard.' }],
    options: {
      json: {
        type: 'boolean',
        default: false,
        description: 'Print the merged report as JSON (with version and schemaVersion) instead of text.',
      },
      timing: {
        type: 'boolean',
        default: true,
        description: 'Leave the duration out of the report, so the output is the same on every run.',
      },
      ...help,
    },
    exitCodes: {
      codes: ALL_EXIT_CODES.codes,
      meanings: {
        badInput: 'a report that does not parse, or reports that are not the shards of one check',
      },
    },
  },
  validate: {
    name: 'validate',
    summary: 'Load topology files and report every problem in them',
    description:
      'Prints "ok <file>" for each valid topology, and each problem of the others as file:line:column.',
    arguments: [{ name: 'files', variadic: true, description: 'Topology files (.yaml, .yml or .json).' }],
    options: {
      json: {
        type: 'boolean',
        default: false,
        description:
          'Print one JSON object: per file whether it is valid and its problems (code, path, message, file, line, column, expected, found).',
      },
      ...help,
    },
    exitCodes: {
      codes: ['ok', 'badInput', 'internalError'],
      meanings: { ok: 'every file is valid', badInput: 'a file has problems, or bad usage' },
    },
  },
  schema: {
    name: 'schema',
    summary: 'Print the topology format as JSON Schema, for editors',
    description:
      'Save it (protmem schema > topology.schema.json) and point an editor at it: in YAML with the first line # yaml-language-server: $schema=./topology.schema.json, in JSON with a top-level "$schema": "./topology.schema.json" key.',
    arguments: [],
    options: help,
    exitCodes: SUCCESS_OR_BAD_USAGE,
  },
  flaws: {
    name: 'flaws',
    summary: 'List the named flaws a topology can switch on',
    arguments: [],
    options: help,
    exitCodes: SUCCESS_OR_BAD_USAGE,
  },
  diagram: {
    name: 'diagram',
    summary: 'Draw the state machines, or topologies, as Mermaid, DOT or SVG',
    description:
      'With no topology, draws every machine in machines/ as a state chart, guards and actions labelled by name. A topology is drawn with its VMs, secure world, devices, regions, heaps and buffers, its trust boundaries, and who can reach which memory by CPU and by DMA as booted.',
    arguments: [
      {
        name: 'topologies',
        variadic: true,
        optional: true,
        description: 'Topology files or folders of them to draw.',
      },
    ],
    options: diagramOptions,
    exitCodes: {
      codes: ['ok', 'badInput', 'internalError'],
      meanings: { ok: 'every file was written' },
    },
  },
  review: {
    name: 'review',
    summary: 'Check several topologies and write a review: index.html and summary.md',
    description:
      'Checks every topology with its own bounds (as check does with no options) and writes one self-contained HTML page (a matrix of topologies by properties, each counterexample with a stepper, sequence diagram and page table, each design drawn) and the same as Markdown. Exits 0 if every property of every topology holds, 1 otherwise.',
    arguments: [
      {
        name: 'paths',
        variadic: true,
        description: 'Topology files, or folders: every .yaml, .yml and .json in them except the manifest.',
      },
    ],
    options: reviewOptions,
  },
  help: {
    name: 'help',
    summary: 'Show help for protmem or for one command',
    arguments: [{ name: 'command', optional: true, description: 'The command to explain.' }],
    options: help,
    exitCodes: SUCCESS_OR_BAD_USAGE,
  },
} as const satisfies Readonly<Record<string, CommandSpec>>;

export type CommandName = keyof typeof commands;

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(commands, name);
}

/** `<topology>`, `<files...>`, `[command]`. */
export function argumentUsage(argument: ArgumentSpec): string {
  const inner = `${argument.name}${argument.variadic ? '...' : ''}`;
  return argument.optional ? `[${inner}]` : `<${inner}>`;
}
