/**
 * The option tables: parsing every form an option can take, every usage mistake named by its
 * option, and help generated from the same table.
 */
import { describe, expect, it } from 'vitest';
import { checkOptions } from '../../src/cli/commands.ts';
import {
  displayFlag,
  flagName,
  formatOptionHelp,
  type OptionTable,
  parseArguments,
  UsageError,
} from '../../src/cli/options.ts';
import { wrapWords } from '../../src/render/markup.ts';

function usageErrorOf(args: readonly string[], table: OptionTable = checkOptions): string {
  try {
    parseArguments(args, table);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`parsed: ${args.join(' ')}`);
}

describe('parseArguments', () => {
  it('fills defaults, leaves table-less defaults unset and repeatable options empty', () => {
    const { options, positionals } = parseArguments(['t.yaml'], checkOptions);
    expect(positionals).toEqual(['t.yaml']);
    expect(options).toEqual({
      mode: undefined,
      runs: undefined,
      maxDepth: undefined,
      maxStates: undefined,
      seed: 0,
      property: [],
      replay: undefined,
      shard: undefined,
      store: 'full',
      coverage: false,
      reporter: 'text',
      json: false,
      watch: false,
      timing: true,
      help: false,
    });
  });

  it('reads values after a space or an equals sign, repeats and negations', () => {
    const { options, positionals } = parseArguments(
      [
        '--mode',
        'random',
        't.yaml',
        '--max-depth=12',
        '--max-states',
        '900',
        '--runs=3',
        '--seed',
        '42',
        '--property',
        'a',
        '--property=b',
        '--replay',
        'pm1.x',
        '--json',
        '--no-timing',
      ],
      checkOptions,
    );
    expect(positionals).toEqual(['t.yaml']);
    expect(options).toMatchObject({
      mode: 'random',
      maxDepth: 12,
      maxStates: 900,
      runs: 3,
      seed: 42,
      property: ['a', 'b'],
      replay: 'pm1.x',
      json: true,
      timing: false,
    });
  });

  it('lets a later value override an earlier one, and takes everything after -- as arguments', () => {
    const { options, positionals } = parseArguments(
      ['--runs', '1', '--runs', '2', '--', '--json'],
      checkOptions,
    );
    expect(options.runs).toBe(2);
    expect(options.json).toBe(false);
    expect(positionals).toEqual(['--json']);
  });

  it('knows short aliases', () => {
    expect(parseArguments(['-h'], checkOptions).options.help).toBe(true);
  });

  it('names an unknown option and suggests the closest', () => {
    expect(usageErrorOf(['--max-deph', '3'])).toBe('unknown option --max-deph (did you mean --max-depth?)');
    expect(usageErrorOf(['--frobnicate'])).toBe('unknown option --frobnicate');
    expect(usageErrorOf(['-x'])).toBe('unknown option -x');
  });

  it('names an option whose value is missing', () => {
    expect(usageErrorOf(['--runs'])).toBe('option --runs needs a value <N>');
    expect(usageErrorOf(['--replay', '--json'])).toBe('option --replay needs a value <TOKEN>');
  });

  it('names an option whose integer is malformed or out of bounds', () => {
    expect(usageErrorOf(['--runs', 'ten'])).toBe('option --runs expects an integer of at least 1, got "ten"');
    expect(usageErrorOf(['--runs', '0'])).toBe('option --runs expects an integer of at least 1, got "0"');
    expect(usageErrorOf(['--runs', '1.5'])).toBe('option --runs expects an integer of at least 1, got "1.5"');
    expect(usageErrorOf(['--max-depth', '65'])).toBe(
      'option --max-depth expects an integer from 1 to 64, got "65"',
    );
    expect(usageErrorOf(['--seed', '-1'])).toBe(
      'option --seed expects an integer from 0 to 2147483647, got "-1"',
    );
  });

  it('names an option given a value outside its choices', () => {
    expect(usageErrorOf(['--mode', 'fast'])).toBe(
      'option --mode expects one of random, exhaustive, got "fast"',
    );
    expect(usageErrorOf(['--mode=exhaustiv'])).toBe(
      'option --mode expects one of random, exhaustive, got "exhaustiv" (did you mean "exhaustive"?)',
    );
  });

  it('refuses a value for a boolean option', () => {
    expect(usageErrorOf(['--json=yes'])).toBe('option --json takes no value (got "yes")');
  });
});

describe('help from the table', () => {
  it('shows each option by its flag, a negated flag for booleans that default to true', () => {
    expect(flagName('maxDepth')).toBe('--max-depth');
    expect(displayFlag('timing', checkOptions.timing)).toBe('--no-timing');
    expect(displayFlag('json', checkOptions.json)).toBe('--json');
  });

  it('lists every option with its value name, choices and default', () => {
    const help = formatOptionHelp(checkOptions, 1000).join('\n');
    for (const [key, spec] of Object.entries(checkOptions)) {
      expect(help).toContain(displayFlag(key, spec));
    }
    expect(help).toContain('--mode <MODE>');
    expect(help).toContain('Choices: random, exhaustive.');
    expect(help).toContain('--property <NAME>');
    expect(help).toContain('Repeatable.');
    expect(help).toContain('Default: 0.');
    expect(help).toContain('-h, --help');
  });

  it('wraps long descriptions under their column', () => {
    const lines = formatOptionHelp(
      { verbose: { type: 'boolean', description: 'word '.repeat(30).trim() } },
      60,
    );
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.every((line) => line.length <= 60)).toBe(true);
    expect(lines[1]!.startsWith(' '.repeat(2 + '    --verbose'.length + 2))).toBe(true);
  });

  it('wrapWords breaks at spaces within the width', () => {
    expect(wrapWords('aa bb cc dd', 5)).toEqual(['aa bb', 'cc dd']);
    expect(wrapWords('averyveryverylongword x', 5)).toEqual(['averyveryverylongword', 'x']);
  });
});
