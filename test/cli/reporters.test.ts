/**
 * `--reporter` on `check`, with the check engine replaced by a stub: each reporter's document,
 * `--json` as the alias of `--reporter json`, colour only where the environment allows it, and
 * bad reporter choices refused in one line with exit 2 before anything is checked.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { check } from '../../src/check/check.ts';
import { PASSING, VIOLATED } from '../support/reportFixtures.ts';
import { runCaptured } from '../support/runCliInProcess.ts';
import { parseXml } from '../support/xml.ts';

vi.mock('../../src/check/check.ts', () => ({ check: vi.fn() }));

const FIXTURE = 'test/fixtures/tzasc-carveout.yaml';
const checkStub = vi.mocked(check);

const run = runCaptured;

beforeEach(() => {
  checkStub.mockReset();
  checkStub.mockReturnValue(VIOLATED);
});

describe('protmem check --reporter', () => {
  it('junit: a well-formed document with the counterexample, exit 1', async () => {
    const result = await run(['check', FIXTURE, '--reporter', 'junit', '--no-timing']);
    expect(result.code).toBe(1);
    const root = parseXml(result.stdout);
    expect(root.children.map((suite) => suite.attributes.name)).toEqual([VIOLATED.topology]);
    expect(result.stdout).toContain('--replay pm1.eyJ0IjoibGVuZCJ9');
    expect(result.stdout).not.toMatch(/\btime="/);
  });

  it("sarif: results located at the topology file's sections", async () => {
    const result = await run(['check', FIXTURE, '--reporter=sarif']);
    expect(result.code).toBe(1);
    const [first, second] = JSON.parse(result.stdout).runs[0].results;
    // tzasc-carveout.yaml: `streams:` on line 42, `pipeline:` on line 45.
    expect(first.locations[0].physicalLocation.region).toEqual({ startLine: 42, startColumn: 1 });
    expect(second.locations[0].physicalLocation.region).toEqual({ startLine: 45, startColumn: 1 });
  });

  it('json: the same bytes as --json, and as itself on another run', async () => {
    const viaReporter = await run(['check', FIXTURE, '--reporter', 'json', '--no-timing']);
    const viaAlias = await run(['check', FIXTURE, '--json', '--no-timing']);
    const both = await run(['check', FIXTURE, '--json', '--reporter', 'json', '--no-timing']);
    expect(viaAlias.stdout).toBe(viaReporter.stdout);
    expect(both.stdout).toBe(viaReporter.stdout);
    expect(JSON.parse(viaReporter.stdout)).toMatchObject({ schemaVersion: 1, version: '0.1.0' });
  });

  it('text: coloured on a terminal or under FORCE_COLOR, plain under NO_COLOR or off a terminal', async () => {
    const colour = new RegExp(String.fromCharCode(27));
    expect((await run(['check', FIXTURE], {}, true)).stdout).toMatch(colour);
    expect((await run(['check', FIXTURE], { FORCE_COLOR: '1' })).stdout).toMatch(colour);
    expect((await run(['check', FIXTURE], { NO_COLOR: '1' }, true)).stdout).not.toMatch(colour);
    expect((await run(['check', FIXTURE])).stdout).not.toMatch(colour);
    expect((await run(['check', FIXTURE, '--reporter', 'json'], { FORCE_COLOR: '1' })).stdout).not.toMatch(
      colour,
    );
  });

  it('exits 0 for a passing report whatever the reporter', async () => {
    checkStub.mockReturnValue(PASSING);
    for (const reporter of ['text', 'json', 'junit', 'sarif']) {
      expect((await run(['check', FIXTURE, '--reporter', reporter])).code).toBe(0);
    }
  });

  it.each([
    [
      ['--reporter', 'xml'],
      `protmem check: option --reporter expects one of text, json, junit, sarif, got "xml"; see 'protmem check --help'`,
    ],
    [
      ['--reporter', 'sarf'],
      `protmem check: option --reporter expects one of text, json, junit, sarif, got "sarf" (did you mean "sarif"?); see 'protmem check --help'`,
    ],
    [
      ['--json', '--reporter', 'junit'],
      "protmem check: option --json means --reporter json; it cannot go with --reporter junit; see 'protmem check --help'",
    ],
    [
      ['--watch', '--reporter', 'sarif'],
      "protmem check: option --watch prints text reports; it cannot go with --reporter sarif; see 'protmem check --help'",
    ],
  ])('refuses %j in one line, exit 2, checking nothing', async (options, message) => {
    expect(await run(['check', FIXTURE, ...options])).toEqual({
      code: 2,
      stdout: '',
      stderr: `${message}\n`,
    });
    expect(checkStub).not.toHaveBeenCalled();
  });
});
