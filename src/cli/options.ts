/**
 * Typed option tables: one per command, each entry saying an option's type, value name,
 * description, default and choices. The same table drives `--help` and argument parsing, so
 * the two never disagree. Keys are camelCase; the flag is the key in kebab-case
 * (`maxDepth` → `--max-depth`); a boolean `x` is also accepted as `--no-x`.
 */

import { wrapWords } from '../render/markup.ts';
import { closestName } from '../topology/suggest.ts';

export type OptionType = 'boolean' | 'string' | 'integer' | 'string[]';

/** The parsed value of an option of type `T`. */
export type OptionValue<T extends OptionType> = T extends 'boolean'
  ? boolean
  : T extends 'integer'
    ? number
    : T extends 'string[]'
      ? readonly string[]
      : string;

interface OptionSpecOf<T extends OptionType> {
  readonly type: T;
  readonly description: string;
  /** The value's placeholder in help: `--runs <N>`. */
  readonly valueName?: string;
  readonly default?: OptionValue<T>;
  /** The default in words, when it is not a constant (it comes from the topology). */
  readonly defaultText?: string;
  readonly choices?: readonly string[];
  /** Bounds of an integer option. */
  readonly min?: number;
  readonly max?: number;
  /** A one-letter alias: `h` for `-h`. */
  readonly short?: string;
}

export type OptionSpec = { [T in OptionType]: OptionSpecOf<T> }[OptionType];
export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** What parsing a table yields: options with a default (and repeatable ones) are always set. */
export type ParsedOptions<Table extends OptionTable> = {
  -readonly [K in keyof Table]: Table[K] extends { readonly type: infer T extends OptionType }
    ? T extends 'string[]'
      ? readonly string[]
      : Table[K] extends { readonly default: OptionValue<T> }
        ? OptionValue<T>
        : OptionValue<T> | undefined
    : never;
};

/** A mistake in how the command was called; the message names the option or argument. */
export class UsageError extends Error {
  readonly code = 'BAD_USAGE';

  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `maxDepth` → `--max-depth`. */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/** The flag as help shows it: `--no-timing` for a boolean that defaults to true. */
export function displayFlag(key: string, spec: OptionSpec): string {
  return spec.type === 'boolean' && spec.default === true ? `--no-${flagName(key).slice(2)}` : flagName(key);
}

function describeAllowed(spec: OptionSpec): string {
  if (spec.choices) return `one of ${spec.choices.join(', ')}`;
  if (spec.type === 'integer') {
    if (spec.min !== undefined && spec.max !== undefined) return `an integer from ${spec.min} to ${spec.max}`;
    if (spec.min !== undefined) return `an integer of at least ${spec.min}`;
    return 'an integer';
  }
  return 'a value';
}

function convert(flag: string, spec: OptionSpec, raw: string): string | number {
  if (spec.type === 'integer') {
    const value = Number(raw);
    const valid =
      /^-?[0-9]+$/.test(raw) &&
      Number.isSafeInteger(value) &&
      (spec.min === undefined || value >= spec.min) &&
      (spec.max === undefined || value <= spec.max);
    if (!valid) throw new UsageError(`option ${flag} expects ${describeAllowed(spec)}, got "${raw}"`);
    return value;
  }
  if (spec.choices && !spec.choices.includes(raw)) {
    const suggestion = closestName(raw, spec.choices);
    const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
    throw new UsageError(`option ${flag} expects ${describeAllowed(spec)}, got "${raw}"${hint}`);
  }
  return raw;
}

/**
 * Parses `args` against `table`: `--name value`, `--name=value`, `-x`, `--no-name` for
 * booleans, repeatable `string[]` options; a later value overrides an earlier one. Everything
 * after `--` is positional. Throws `UsageError` naming the option at fault.
 */
export function parseArguments<Table extends OptionTable>(
  args: readonly string[],
  table: Table,
): { options: ParsedOptions<Table>; positionals: string[] } {
  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(table)) {
    values[key] = spec.type === 'string[]' ? [] : spec.default;
  }
  const byFlag = new Map<string, string>();
  for (const [key, spec] of Object.entries(table)) {
    byFlag.set(flagName(key), key);
    if (spec.short) byFlag.set(`-${spec.short}`, key);
  }
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const flag = equals === -1 ? arg : arg.slice(0, equals);
    const inline = equals === -1 ? undefined : arg.slice(equals + 1);
    let key = byFlag.get(flag);
    let negated = false;
    if (key === undefined && flag.startsWith('--no-')) {
      const positive = byFlag.get(`--${flag.slice(5)}`);
      if (positive !== undefined && table[positive]!.type === 'boolean') {
        key = positive;
        negated = true;
      }
    }
    if (key === undefined) {
      const suggestion = closestName(
        flag,
        [...byFlag.keys()].filter((name) => name.startsWith('--')),
      );
      throw new UsageError(
        `unknown option ${flag}${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}`,
      );
    }
    const spec = table[key]!;
    if (spec.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`option ${flag} takes no value (got "${inline}")`);
      values[key] = !negated;
      continue;
    }
    let raw = inline;
    if (raw === undefined) {
      const next = args[i + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-' && !/^-[0-9]/.test(next))) {
        throw new UsageError(`option ${flag} needs a value <${spec.valueName ?? 'VALUE'}>`);
      }
      raw = next;
      i++;
    }
    const value = convert(flag, spec, raw);
    values[key] = spec.type === 'string[]' ? [...(values[key] as string[]), value] : value;
  }
  return { options: values as ParsedOptions<Table>, positionals };
}

/** Help lines for a table: flag and value, then the description, choices and default. */
export function formatOptionHelp(table: OptionTable, width = 100): string[] {
  const rows = Object.entries(table).map(([key, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : '    ';
    const value = spec.type === 'boolean' ? '' : ` <${spec.valueName ?? 'VALUE'}>`;
    const notes = [spec.description];
    if (spec.choices) notes.push(`Choices: ${spec.choices.join(', ')}.`);
    if (spec.type === 'string[]') notes.push('Repeatable.');
    if (spec.defaultText !== undefined) notes.push(`Default: ${spec.defaultText}.`);
    else if (spec.default !== undefined && spec.type !== 'boolean')
      notes.push(`Default: ${String(spec.default)}.`);
    const description = notes.join(' ');
    return [`${short}${displayFlag(key, spec)}${value}`, description] as const;
  });
  const flagWidth = Math.max(...rows.map(([flag]) => flag.length));
  const indent = ' '.repeat(2 + flagWidth + 2);
  return rows.flatMap(([flag, description]) => {
    const [first = '', ...rest] = wrapWords(description, Math.max(40, width - indent.length));
    return [`  ${flag.padEnd(flagWidth)}  ${first}`, ...rest.map((line) => `${indent}${line}`)];
  });
}
