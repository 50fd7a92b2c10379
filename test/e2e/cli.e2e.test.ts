/**
 * `protmem` end to end: spawns `node bin/protmem.mjs` as a user would run it and checks exit
 * codes and output. Usage and input mistakes exit 2 with a message and never a stack trace.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeReplayToken } from '../../src/check/replayToken.ts';
import { checkOptions } from '../../src/cli/commands.ts';
import { displayFlag } from '../../src/cli/options.ts';
import { FLAW_NAMES } from '../../src/topology/flaws.ts';
import { protmem, type Run } from '../support/protmemCli.ts';

const FIXTURE = 'test/fixtures/tzasc-carveout.yaml';

/** Exit 2 with a one-line message on stderr and no stack trace. */
function expectUsageError(run: Run, message: string): void {
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).toBe(`${message}\n`);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'protmem-cli-'));
});

describe.concurrent('protmem', () => {
  it('--help lists the commands and exits 0', async () => {
    const run = await protmem('--help');
    expect(run.code).toBe(0);
    for (const command of ['check <topology>', 'validate <files...>', 'schema', 'flaws', 'help [command]']) {
      expect(run.stdout).toContain(`  ${command}`);
    }
    expect(run.stdout).toContain('Usage: protmem <command> [options]');
  });

  it('with no command prints the help on stderr and exits 2', async () => {
    const run = await protmem();
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Usage: protmem <command> [options]');
  });

  it('--version prints the version from package.json', async () => {
    const run = await protmem('--version');
    expect(run).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
  });

  it('check --help lists every option of the table', async () => {
    const run = await protmem('check', '--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: protmem check <topology> [options]');
    for (const [key, spec] of Object.entries(checkOptions))
      expect(run.stdout).toContain(displayFlag(key, spec));
  });

  it('help check prints the same help as check --help', async () => {
    const [viaHelp, viaFlag] = await Promise.all([protmem('help', 'check'), protmem('check', '--help')]);
    expect(viaHelp).toEqual(viaFlag);
  });

  it('refuses an unknown command, suggesting the closest', async () => {
    expectUsageError(
      await protmem('chek'),
      `protmem: unknown command "chek" (did you mean "check"?); see 'protmem --help'`,
    );
  });

  it('refuses an unknown option of a command', async () => {
    expectUsageError(
      await protmem('check', FIXTURE, '--frobnicate'),
      "protmem check: unknown option --frobnicate; see 'protmem check --help'",
    );
  });

  it('refuses an option without its value', async () => {
    expectUsageError(
      await protmem('check', FIXTURE, '--max-depth'),
      "protmem check: option --max-depth needs a value <N>; see 'protmem check --help'",
    );
  });

  it('refuses a malformed integer', async () => {
    expectUsageError(
      await protmem('check', FIXTURE, '--runs', 'many'),
      `protmem check: option --runs expects an integer of at least 1, got "many"; see 'protmem check --help'`,
    );
  });

  it('refuses an unknown mode', async () => {
    expectUsageError(
      await protmem('check', FIXTURE, '--mode', 'fast'),
      `protmem check: option --mode expects one of random, exhaustive, got "fast"; see 'protmem check --help'`,
    );
  });

  it('refuses check without a topology', async () => {
    expectUsageError(await protmem('check'), "protmem check: missing <topology>; see 'protmem check --help'");
  });

  it('check of a malformed topology exits 2 naming file, line and field', async () => {
    const file = join(dir, 'malformed.yaml');
    await writeFile(file, 'name: demo\ndescription: x\nhypervisor:\n  kind: acrn\n');
    const run = await protmem('check', file);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `${file}:4:9  hypervisor.kind  not an allowed value (expected one of none, pkvm, xen, cca or gunyah, found "acrn")\n`,
    );
    expect(run.stderr).toContain(`${file}:1:1  memory  missing required field "memory"`);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  it('check of a missing file exits 2', async () => {
    const run = await protmem('check', join(dir, 'absent.yaml'));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('absent.yaml:1:1  (document)  cannot read the file');
  });

  it('check with a corrupt replay token exits 2 naming the problem', async () => {
    expectUsageError(
      await protmem('check', FIXTURE, '--replay', 'pm1.%%%not-base64%%%'),
      'protmem check: option --replay: replay token is corrupt: its payload is not valid base64url JSON',
    );
    expectUsageError(
      await protmem('check', FIXTURE, '--replay', 'garbage'),
      'protmem check: option --replay: replay token must start with "pm1." (got "garbage...")',
    );
  });

  it('check with a replay token of another topology exits 2', async () => {
    const token = encodeReplayToken({ topology: 'other', digest: '000000000000', property: 'p', steps: [] });
    expectUsageError(
      await protmem('check', FIXTURE, '--replay', token),
      `protmem check: option --replay: the token replays topology "other", but ${FIXTURE} defines "tzasc-carveout"`,
    );
  });

  it('check --shard refuses a malformed shard and a non-random mode with exit 2', async () => {
    expectUsageError(
      await protmem('check', FIXTURE, '--mode', 'random', '--shard', '3/2'),
      "protmem check: option --shard: K must be 1 to N (2), found 3; see 'protmem check --help'",
    );
    expectUsageError(
      await protmem('check', FIXTURE, '--mode', 'exhaustive', '--shard', '1/2'),
      "protmem check: option --shard: shards split the walks of --mode random; an exhaustive search is not split (catalog and review spread designs over --workers); see 'protmem check --help'",
    );
  });

  it('check --store compact states the chance of a missed state, and is refused outside exhaustive mode', async () => {
    const run = await protmem('check', FIXTURE, '--store', 'compact', '--no-timing');
    expect(run.stdout).toMatch(/hash compaction: a state missed with probability at most \d\.\de-\d+\)/);
    expectUsageError(
      await protmem('check', FIXTURE, '--mode', 'random', '--store', 'compact'),
      "protmem check: option --store: hash compaction is for the visited states of --mode exhaustive; see 'protmem check --help'",
    );
  });

  it('merge combines the shard reports of one random check, and refuses a broken one at its line', async () => {
    const design = 'topologies/pkvm-teardown-without-poison.yaml';
    const files = await Promise.all(
      [1, 2].map(async (k) => {
        const run = await protmem(
          'check',
          design,
          '--mode',
          'random',
          '--runs',
          '200',
          '--shard',
          `${k}/2`,
          '--json',
        );
        expect(run.code).toBe(1);
        const file = join(dir, `shard-${k}.json`);
        await writeFile(file, run.stdout);
        return file;
      }),
    );
    const merged = await protmem('merge', ...files, '--no-timing');
    expect(merged.code).toBe(1);
    expect(merged.stdout).toContain(
      `merged from 2 shard reports (states and steps add up over them): ${files.join(', ')}`,
    );
    expect(merged.stdout).toContain('✖ plaintextNeverReachesUntrusted violated');
    const missing = await protmem('merge', files[0]!);
    expect(missing).toEqual({
      code: 2,
      stdout: '',
      stderr: `protmem merge: ${files[0]}: shard 2/2 of this check is missing\n`,
    });
    const broken = join(dir, 'broken-shard.json');
    await writeFile(broken, '{\n  "verdict": "pass",\n  "properties": 7\n}\n');
    const run = await protmem('merge', broken);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${broken}:3:17  properties  wrong type (expected a list, found 7)`);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  it('schema prints a JSON Schema that parses', async () => {
    const run = await protmem('schema');
    expect(run.code).toBe(0);
    const schema = JSON.parse(run.stdout);
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties)).toContain('pipeline');
  });

  it('flaws lists every flaw with its summary', async () => {
    const run = await protmem('flaws');
    expect(run.code).toBe(0);
    for (const name of FLAW_NAMES) expect(run.stdout).toMatch(new RegExp(`^${name}\\n {4}\\S`, 'm'));
  });

  it('validate prints ok for a valid topology and exits 0', async () => {
    expect(await protmem('validate', FIXTURE)).toEqual({ code: 0, stdout: `ok ${FIXTURE}\n`, stderr: '' });
  });

  it('validate prints every problem of an invalid topology and exits 2', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(file, '{\n  "name": "Broken",\n  "flaws": 3\n}\n');
    const run = await protmem('validate', FIXTURE, file);
    expect(run.code).toBe(2);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`ok ${FIXTURE}`);
    expect(lines).toContain(
      `${file}:2:11  name  not a valid name (expected a name of lower-case letters, digits and dashes, starting with a letter, found "Broken")`,
    );
    expect(lines).toContain(`${file}:3:12  flaws  wrong type (expected a list, found 3)`);
    expect(lines.filter((line) => line.startsWith(`${file}:`)).length).toBe(lines.length - 1);
  });

  it('validate --json gives every problem as data, exit 2, and exit 0 when every file is valid', async () => {
    const file = join(dir, 'broken-for-json.json');
    await writeFile(file, '{\n  "name": "Broken",\n  "flaws": 3\n}\n');
    const run = await protmem('validate', FIXTURE, file, '--json');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ schemaVersion: 1, version: '0.1.0', valid: false });
    expect(report.files.map((each: { file: string; valid: boolean }) => [each.file, each.valid])).toEqual([
      [FIXTURE, true],
      [file, false],
    ]);
    expect(report.files[1].problems).toContainEqual({
      code: 'invalidType',
      path: 'flaws',
      message: 'wrong type',
      file,
      line: 3,
      column: 12,
      expected: 'a list',
      found: '3',
    });
    const valid = await protmem('validate', FIXTURE, '--json');
    expect(valid.code).toBe(0);
    expect(JSON.parse(valid.stdout)).toEqual({
      schemaVersion: 1,
      version: '0.1.0',
      valid: true,
      files: [{ file: FIXTURE, valid: true, problems: [] }],
    });
  });

  it('catalog and review refuse an unknown reporter in one line, exit 2', async () => {
    expectUsageError(
      await protmem('catalog', '--reporter', 'xml'),
      `protmem catalog: option --reporter expects one of text, json, junit, sarif, got "xml"; see 'protmem catalog --help'`,
    );
    expectUsageError(
      await protmem('review', 'test/fixtures/review', '--json', '--reporter', 'sarif'),
      "protmem review: option --json means --reporter json; it cannot go with --reporter sarif; see 'protmem review --help'",
    );
  });

  it('check --help lists the exit codes', async () => {
    const run = await protmem('check', '--help');
    expect(run.stdout).toMatch(
      /\nExit codes:\n {2}0 {2}every property holds within the bound\n {2}1 {2}.+\n {2}2 {2}bad usage/,
    );
  });

  it('validate without files is a usage error', async () => {
    expectUsageError(
      await protmem('validate'),
      "protmem validate: missing <files...>; see 'protmem validate --help'",
    );
  });
});
