/**
 * `runCli` in process, with the check engine replaced by a stub: what the CLI passes to
 * `check()` (options resolved from flags and the topology's defaults, the decoded replay),
 * how it prints the report, and which exit code each outcome gets. The engine itself is
 * tested elsewhere.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { check } from '../../src/check/check.ts';
import { encodeReplayToken } from '../../src/check/replayToken.ts';
import { type CheckReport, type PropertyResult, verdictOf } from '../../src/check/report.ts';
import { runCli } from '../../src/cli/run.ts';

vi.mock('../../src/check/check.ts', () => ({ check: vi.fn() }));

const FIXTURE = 'test/fixtures/tzasc-carveout.yaml';
const checkStub = vi.mocked(check);

function reportWith(properties: readonly PropertyResult[]): CheckReport {
  return {
    topology: 'tzasc-carveout',
    file: FIXTURE,
    digest: '0123456789ab',
    mode: 'exhaustive',
    seed: 0,
    bound: { maxDepth: 8, maxStates: 200_000 },
    verdict: verdictOf(properties),
    properties,
    statistics: {
      steps: 10,
      distinctStates: 5,
      depth: 3,
      boundReached: false,
      ended: 'exhausted',
      searches: [
        {
          kind: 'exhaustive',
          bound: { maxDepth: 8, maxStates: 200_000 },
          distinctStates: 5,
          depth: 3,
          ended: 'exhausted',
        },
      ],
      durationMs: 42,
    },
    assumptions: [],
  };
}

const holds: PropertyResult = { name: 'a', summary: 'True iff a.', kind: 'safety', status: 'holds' };
const vacuous: PropertyResult = {
  name: 'b',
  summary: 'True iff b.',
  kind: 'safety',
  status: 'vacuous',
  reason: 'idle',
};
const violated: PropertyResult = {
  name: 'c',
  summary: 'True iff c.',
  kind: 'safety',
  status: 'violated',
  counterexample: { steps: [], violations: [], replay: 'pm1.x' },
};

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: (text: string) => err.push(text), isTTY: false },
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

beforeEach(() => {
  checkStub.mockReset();
});

describe('protmem check', () => {
  it("passes the topology's check defaults, and exits 0 when every property holds", async () => {
    checkStub.mockReturnValue(reportWith([holds]));
    const result = await run('check', FIXTURE);
    expect(result).toEqual({
      code: 0,
      stdout: '✔ a\n\nexplored 5 distinct states, depth 3, exhausted, 42 ms\n',
      stderr: '',
    });
    const [loaded, options] = checkStub.mock.calls[0]!;
    expect(loaded.file).toBe(FIXTURE);
    expect(options).toEqual({
      mode: 'exhaustive',
      runs: 10_000,
      maxDepth: 8,
      maxStates: 200_000,
      seed: 0,
      properties: [],
    });
  });

  it('lets flags override the defaults and passes the decoded replay', async () => {
    checkStub.mockReturnValue(reportWith([holds]));
    const payload = {
      topology: 'tzasc-carveout',
      digest: 'abcdefabcdef',
      property: 'a',
      steps: [{ call: 'X', args: { page: 1 } }],
    };
    await run(
      'check',
      FIXTURE,
      '--mode=random',
      '--runs',
      '9',
      '--max-depth',
      '4',
      '--max-states',
      '77',
      '--seed',
      '5',
      '--property',
      'scrubBeforeReuse',
      '--property',
      'pageConservation',
    );
    expect(checkStub.mock.calls[0]![1]).toEqual({
      mode: 'random',
      runs: 9,
      maxDepth: 4,
      maxStates: 77,
      seed: 5,
      properties: ['scrubBeforeReuse', 'pageConservation'],
    });
    await run('check', FIXTURE, '--replay', encodeReplayToken(payload));
    expect(checkStub.mock.calls[1]![1]).toMatchObject({ properties: [], replay: payload });
  });

  it("honours --property with --replay only when it names the token's property", async () => {
    checkStub.mockReturnValue(reportWith([holds]));
    const payload = {
      topology: 'tzasc-carveout',
      digest: 'abcdefabcdef',
      property: 'scrubBeforeReuse',
      steps: [{ call: 'X', args: { page: 1 } }],
    };
    const token = encodeReplayToken(payload);
    expect((await run('check', FIXTURE, '--replay', token, '--property', 'scrubBeforeReuse')).code).toBe(0);
    const refused = await run('check', FIXTURE, '--replay', token, '--property', 'pageConservation');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'a replay re-checks the property its token names (scrubBeforeReuse), not pageConservation',
    );
  });

  it('exits 1 when a property is violated or vacuous', async () => {
    checkStub.mockReturnValue(reportWith([holds, vacuous]));
    expect((await run('check', FIXTURE)).code).toBe(1);
    checkStub.mockReturnValue(reportWith([violated, holds]));
    const result = await run('check', FIXTURE, '--no-timing');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^✖ c violated after 0 steps {2}\(test\/fixtures\/tzasc-carveout\.yaml\)\n/,
    );
    expect(result.stdout).toMatch(/exhausted\n$/);
  });

  it('prints JSON with --json, opening with schemaVersion and version, without the duration under --no-timing', async () => {
    const report = reportWith([holds]);
    checkStub.mockReturnValue(report);
    const printed = (await run('check', FIXTURE, '--json')).stdout;
    expect(printed).toMatch(/^\{\n {2}"schemaVersion": 1,\n {2}"version": "0\.1\.0",\n {2}"topology"/);
    expect(JSON.parse(printed)).toEqual({ schemaVersion: 1, version: '0.1.0', ...report });
    expect((await run('check', FIXTURE, '--reporter', 'json')).stdout).toBe(printed);
    const untimed = await run('check', FIXTURE, '--json', '--no-timing');
    expect(untimed.stdout).toContain('\n  "statistics": {\n');
    expect(JSON.parse(untimed.stdout).statistics).not.toHaveProperty('durationMs');
  });

  it('does not run the check when the options or the topology are wrong', async () => {
    expect((await run('check', FIXTURE, '--runs', '0')).code).toBe(2);
    expect((await run('check', 'test/fixtures/absent.yaml')).code).toBe(2);
    expect(checkStub).not.toHaveBeenCalled();
  });

  it('reports an internal error with its stack trace and a request to report it, exit 3', async () => {
    checkStub.mockImplementation(() => {
      throw new Error('engine exploded');
    });
    const result = await run('check', FIXTURE);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^protmem check: internal error\nError: engine exploded\n\s+at /);
    expect(result.stderr).toMatch(/This is a bug in protmem\. Please report it/);
  });
});
