/**
 * Every way a replay token can go wrong gets its own exit code and a message, never a stack
 * trace: a token that cannot be read or is not for this design (truncated, corrupted, made
 * for another topology or another version of it, naming an unknown property or a reachability
 * goal) is bad input, exit 2; a token that is well formed but whose steps no longer violate
 * its property (emptied, or a step the design now refuses) says so and exits 1.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check } from '../../src/check/check.ts';
import { decodeReplayToken, encodeReplayToken, type ReplayPayload } from '../../src/check/replayToken.ts';
import { runCli } from '../../src/cli/run.ts';
import { parseTopology } from '../../src/topology/load.ts';

const LEAKING = 'topologies/pkvm-teardown-without-poison.yaml';
const OTHER = 'topologies/pkvm-teardown-decrypt-vm.yaml';

function tokenFor(property: string): string {
  const loaded = parseTopology(readFileSync(LEAKING, 'utf8'), LEAKING);
  const report = check(loaded, {
    mode: 'exhaustive',
    runs: 1,
    maxDepth: 10,
    maxStates: 300_000,
    seed: 0,
    properties: [property],
  });
  return report.properties.find((p) => p.name === property)!.counterexample!.replay;
}

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text), isTTY: false },
  });
  return { code, stdout, stderr };
}

const TOKEN = tokenFor('scrubBeforeReuse');
const edit = (change: (payload: ReplayPayload) => ReplayPayload) =>
  encodeReplayToken(change(decodeReplayToken(TOKEN)));

function expectNoStackTrace(result: { stdout: string; stderr: string }) {
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr).not.toContain('internal error');
}

describe('replay tokens', () => {
  it('reproduces its violation: exit 1, the trace, and "replayed N steps"', async () => {
    const result = await run('check', LEAKING, '--replay', TOKEN, '--no-timing');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^✖ scrubBeforeReuse violated after \d+ steps/);
    expect(result.stdout).toMatch(/\nreplayed \d+ steps\n$/);
    expect(result.stdout).not.toContain('exhausted');
    const json = JSON.parse((await run('check', LEAKING, '--replay', TOKEN, '--json')).stdout);
    expect(json).toMatchObject({ mode: 'replay', verdict: 'violation' });
  });

  const badInput: [string, () => string, RegExp][] = [
    ['truncated', () => TOKEN.slice(0, TOKEN.length / 2), /replay token is corrupt/],
    ['without its prefix', () => TOKEN.slice(4), /must start with "pm1\."/],
    [
      'for another topology',
      () => edit((p) => ({ ...p, topology: 'someone-else' })),
      /the token replays topology "someone-else"/,
    ],
    [
      'for another version of the topology',
      () => edit((p) => ({ ...p, digest: '000000000000' })),
      /made for a different version/,
    ],
    [
      'naming an unknown property',
      () => edit((p) => ({ ...p, property: 'noSuchProperty' })),
      /unknown property "noSuchProperty"/,
    ],
    [
      'naming the reachability goal',
      () => edit((p) => ({ ...p, property: 'pipelineReachable' })),
      /pipelineReachable, a reachability goal/,
    ],
    [
      'naming a step the design does not have',
      () => edit((p) => ({ ...p, steps: [{ call: 'NO_SUCH_CALL', args: {} }] })),
      /step 1 \(NO_SUCH_CALL\) does not exist/,
    ],
  ];
  for (const [what, token, message] of badInput) {
    it(`refuses a token ${what} with exit 2`, async () => {
      const result = await run('check', LEAKING, '--replay', token());
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
      expectNoStackTrace(result);
    });
  }

  it('refuses a token replayed against another design with exit 2', async () => {
    const result = await run('check', OTHER, '--replay', TOKEN);
    expect(result.code).toBe(2);
    expectNoStackTrace(result);
  });

  it('says an emptied trace no longer violates its property, with exit 1', async () => {
    const result = await run(
      'check',
      LEAKING,
      '--replay',
      edit((p) => ({ ...p, steps: [] })),
      '--no-timing',
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      '✖ the replayed trace no longer violates scrubBeforeReuse: its state after 0 steps satisfies the property\n\nreplayed 0 steps\n',
    );
    const json = JSON.parse(
      (
        await run(
          'check',
          LEAKING,
          '--replay',
          edit((p) => ({ ...p, steps: [] })),
          '--json',
        )
      ).stdout,
    );
    expect(json).toMatchObject({ mode: 'replay', verdict: 'notReproduced' });
    expect(json.properties[0]).toMatchObject({ name: 'scrubBeforeReuse', status: 'notReproduced' });
  });

  it('says a trace whose step is now refused no longer violates its property, with exit 1', async () => {
    // The trace with its last step taken a second time: the repeat is refused.
    const doubled = edit((p) => ({ ...p, steps: [...p.steps, p.steps.at(-1)!] }));
    const result = await run('check', LEAKING, '--replay', doubled);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^✖ the replayed trace no longer violates scrubBeforeReuse: step \d+ \(".*"\) is refused when replayed/,
    );
  });

  it('gives exit 1 or 2, never 3, for a token with any one character changed', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    await fc.assert(
      fc.asyncProperty(fc.nat(TOKEN.length - 5), fc.constantFrom(...alphabet), async (at, char) => {
        const position = 4 + at;
        fc.pre(TOKEN[position] !== char);
        const flipped = TOKEN.slice(0, position) + char + TOKEN.slice(position + 1);
        const result = await run('check', LEAKING, '--replay', flipped);
        expect([1, 2]).toContain(result.code);
        expectNoStackTrace(result);
        if (result.code === 2) expect(result.stderr).toMatch(/^protmem check: option --replay: /);
      }),
      { seed: 20261202, numRuns: 25 },
    );
  });
});
