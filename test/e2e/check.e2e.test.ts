/**
 * `protmem check` on real topologies, end to end: a leaking design exits 1 with a readable,
 * replayable trace, a sound one exits 0 and says what it explored, the same seed gives
 * byte-identical JSON, a replay token reproduces its counterexample, and a token made for a
 * different version of the design is refused with exit 2.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckReport } from '../../src/check/report.ts';
import { protmem } from '../support/protmemCli.ts';

const LEAKING = 'topologies/pkvm-teardown-without-poison.yaml';
const SOUND = 'topologies/split-vms-ffa-secure-display.yaml';

describe('protmem check', () => {
  it('exits 1 on a leaking design with the violation, a replay command and the numbered trace', async () => {
    const run = await protmem('check', LEAKING, '--property', 'plaintextNeverReachesUntrusted');
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(`✖ plaintextNeverReachesUntrusted violated after 4 steps  (${LEAKING})`);
    expect(lines[1]).toMatch(
      /^ {2}page decrypt-ram:\d: expected audience is decrypt, dpu; actual holds plaintext of stream "movie"; readable by host via CPU through host stage-2 \(OWNED\)/,
    );
    expect(run.stdout).toMatch(
      /npx protmem check topologies\/pkvm-teardown-without-poison\.yaml --replay pm1\./,
    );
    expect(run.stdout).toMatch(
      / {4}1\. decrypt writes ciphertext of movie into buffer ciphertext {2}\[WRITE_CIPHERTEXT\]/,
    );
    expect(run.stdout).toMatch(
      / {2}✖ 4\. host reclaims decrypt-ram:\d from dying guest decrypt {2}\[RECLAIM_DYING_GUEST_PAGE\]/,
    );
    expect(run.stderr).toBe('');
  });

  it('exits 0 on a sound design and states what it explored', async () => {
    const run = await protmem('check', SOUND);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/✔ plaintextNeverReachesUntrusted/);
    expect(run.stdout).toMatch(/✔ pipelineReachable {2}\(reached after \d+ steps\)/);
    expect(run.stdout).toMatch(/explored [\d,]+ distinct states, depth 10, bound reached: max depth 10/);
  });

  it('gives byte-identical JSON for the same seed, in random and exhaustive mode', async () => {
    for (const mode of ['random', 'exhaustive']) {
      const args = [
        'check',
        LEAKING,
        '--mode',
        mode,
        '--seed',
        '7',
        '--runs',
        '300',
        '--json',
        '--no-timing',
      ];
      const [a, b] = await Promise.all([protmem(...args), protmem(...args)]);
      expect(a.code).toBe(1);
      expect(a.stdout).toBe(b.stdout);
      const report = JSON.parse(a.stdout) as CheckReport;
      expect(report).toMatchObject({
        schemaVersion: 1,
        version: '0.1.0',
        topology: 'pkvm-teardown-without-poison',
        mode,
        seed: 7,
        verdict: 'violation',
      });
      expect(report.statistics).not.toHaveProperty('durationMs');
      const leak = report.properties.find((p) => p.name === 'plaintextNeverReachesUntrusted')!;
      expect(leak.status).toBe('violated');
      expect(leak.counterexample!.steps[0]).toEqual({
        index: 1,
        event: expect.any(String),
        actor: expect.any(String),
        description: expect.any(String),
      });
    }
  });

  it('replays a counterexample from its token and prints the same trace', async () => {
    const first = JSON.parse((await protmem('check', LEAKING, '--json')).stdout) as CheckReport;
    const leak = first.properties.find((p) => p.name === 'scrubBeforeReuse')!;
    const replay = await protmem(
      'check',
      LEAKING,
      '--replay',
      leak.counterexample!.replay,
      '--json',
      '--no-timing',
    );
    expect(replay.code).toBe(1);
    const replayed = JSON.parse(replay.stdout) as CheckReport;
    expect(replayed.properties).toHaveLength(1);
    expect(replayed.properties[0]!.counterexample!.steps).toEqual(leak.counterexample!.steps);
    expect(replayed.properties[0]!.counterexample!.violations).toEqual(leak.counterexample!.violations);
  });

  it('refuses a token made for another version of the design with exit 2', async () => {
    const first = JSON.parse((await protmem('check', LEAKING, '--json')).stdout) as CheckReport;
    const token = first.properties.find((p) => p.counterexample)!.counterexample!.replay;
    const other = 'topologies/pkvm-teardown-decrypt-vm.yaml';
    const run = await protmem('check', other, '--replay', token);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/replay|topology/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a token when the design changed under the same name (digest mismatch)', async () => {
    const first = JSON.parse((await protmem('check', LEAKING, '--json')).stdout) as CheckReport;
    const token = first.properties.find((p) => p.counterexample)!.counterexample!.replay;
    const dir = await mkdtemp(join(tmpdir(), 'protmem-replay-'));
    const changed = join(dir, 'changed.yaml');
    const text = await readFile(LEAKING, 'utf8');
    await writeFile(changed, text.replace('maxDepth: 10', 'maxDepth: 9'));
    const run = await protmem('check', changed, '--replay', token);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/made for a different version of topology "pkvm-teardown-without-poison"/);
  });

  it('refuses an unknown property with exit 2 and a suggestion', async () => {
    const run = await protmem('check', SOUND, '--property', 'plaintextNeverReachesUntrustd');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /unknown property "plaintextNeverReachesUntrustd"; did you mean "plaintextNeverReachesUntrusted"\?/,
    );
  });
});
