/**
 * What a report claims is what the search earned: the verdict in `--json` says vacuous and
 * unbootable in its own words, "exhausted" only when no state was left, "stopped" when every
 * selected property was decided, the bound that cut a search short, and random mode the bound
 * of every search it ran, the pipeline search included.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { check, PropertyNotApplicableError } from '../../src/check/check.ts';
import type { CheckOptions } from '../../src/check/report.ts';
import { renderReport } from '../../src/render/text.ts';
import { parseTopology } from '../../src/topology/load.ts';

function load(path: string, edit: (text: string) => string = (text) => text) {
  return parseTopology(edit(readFileSync(path, 'utf8')), path);
}

const exhaustive = (overrides: Partial<CheckOptions> = {}): CheckOptions => ({
  mode: 'exhaustive',
  runs: 100,
  maxDepth: 10,
  maxStates: 300_000,
  seed: 0,
  properties: [],
  ...overrides,
});

describe('verdicts', () => {
  it('calls a design whose pipeline never runs vacuous, in the JSON verdict too', () => {
    const report = check(load('topologies/pkvm-pvm-decrypt-host-display-identity.yaml'), exhaustive());
    expect(report.verdict).toBe('vacuous');
    expect(report.properties.find((p) => p.name === 'pipelineReachable')?.status).toBe('vacuous');
  });

  it('calls a design with a violation a violation even when other properties are vacuous', () => {
    const report = check(
      load('topologies/trustzone-unprotected-carveout.yaml'),
      exhaustive({ maxDepth: 2, maxStates: 2_000 }),
    );
    expect(report.properties.some((p) => p.status === 'vacuous')).toBe(true);
    expect(report.verdict).toBe('violation');
  });

  it('calls a design whose boot is refused unbootable, checks nothing, and shows the boot sequence', () => {
    const loaded = load('topologies/pkvm-pvm-decrypt-host-display-upstream.yaml', (text) =>
      text.replace('  - name: decrypt-ram\n', '  - name: decrypt-ram\n    type: nomap\n'),
    );
    const report = check(loaded, exhaustive());
    expect(report.verdict).toBe('unbootable');
    expect(report.properties).toEqual([]);
    expect(report.unbootable).toMatchObject({
      message: "the host's __pkvm_host_donate_guest() refuses page decrypt-ram:0 (-EPERM)",
      call: '__pkvm_host_donate_guest()',
      code: 'EPERM',
      failedGuard: 'pageIsMemory',
    });
    expect(report.unbootable!.steps.map((step) => step.event)).toEqual([
      '__pkvm_init_vcpu()',
      'pkvm_load_hyp_vcpu()',
      '__pkvm_host_donate_guest()',
    ]);
    expect(report.statistics).toMatchObject({ ended: 'notBooted', searches: [] });
    const text = renderReport(report, { timing: false });
    expect(text.split('\n')[0]).toBe(
      "✖ unbootable: the host's __pkvm_host_donate_guest() refuses page decrypt-ram:0 (-EPERM)  (topologies/pkvm-pvm-decrypt-host-display-upstream.yaml)",
    );
    expect(text).toMatch(
      / {2}✖ 3\. host donates page decrypt-ram:0 to guest decrypt {2}\[__pkvm_host_donate_guest\(\)\]/,
    );
    expect(text).toMatch(/not explored: the design does not boot\n$/);
  });
});

describe('how a search ended', () => {
  it('says a bound cut the search short, naming the bound', () => {
    const report = check(load('topologies/dynamic-heap-unmap-all.yaml'), exhaustive({ maxDepth: 4 }));
    expect(report.statistics.ended).toBe('depthBound');
    expect(renderReport(report, { timing: false })).toMatch(
      /explored [\d,]+ distinct states, depth 4, bound reached: max depth 4\n/,
    );
    const capped = check(load('topologies/dynamic-heap-unmap-all.yaml'), exhaustive({ maxStates: 100 }));
    expect(capped.statistics.ended).toBe('stateBound');
    expect(renderReport(capped, { timing: false })).toMatch(/bound reached: max states 100\n/);
  });

  it('says exhausted only when no state was left', () => {
    const report = check(load('topologies/split-vms-ffa-secure-display.yaml'), exhaustive({ maxDepth: 40 }));
    expect(report.statistics.ended).toBe('exhausted');
    expect(report.statistics.boundReached).toBe(false);
    expect(renderReport(report, { timing: false })).toMatch(/, exhausted\n/);
  });

  it('says it stopped when every selected property was decided, and where', () => {
    const report = check(
      load('topologies/pkvm-teardown-without-poison.yaml'),
      exhaustive({ properties: ['plaintextNeverReachesUntrusted'] }),
    );
    expect(report.statistics.ended).toBe('decided');
    const depth = report.statistics.depth;
    expect(depth).toBeLessThan(10);
    expect(renderReport(report, { timing: false })).toContain(
      `stopped: every selected property decided at depth ${depth}`,
    );
    expect(renderReport(report, { timing: false })).not.toContain('exhausted');
  });

  it('states the bound of every search random mode ran, the pipeline search included', () => {
    const report = check(load('topologies/dynamic-heap-unmap-all.yaml'), {
      ...exhaustive({ mode: 'random', runs: 20, maxDepth: 4 }),
    });
    const kinds = report.statistics.searches.map((search) => search.kind);
    expect(kinds[0]).toBe('random');
    expect(report.statistics.searches[0]).toMatchObject({ bound: { maxDepth: 4, runs: 20 }, ended: 'runs' });
    const lines = renderReport(report, { timing: false }).trimEnd().split('\n');
    expect(lines).toContain(
      `random: ${report.statistics.searches[0]!.distinctStates.toLocaleString('en-US')} distinct states seen, depth ${report.statistics.searches[0]!.depth}, bound reached: 20 runs of 4 steps`,
    );
    if (kinds.includes('pipeline')) {
      expect(lines.at(-1)).toMatch(
        /^pipeline search \(the legitimate parties' steps only\): explored [\d,]+ distinct states, depth \d+, /,
      );
    }
  });

  it('refuses a property the design cannot be checked against instead of passing', () => {
    expect(() =>
      check(
        load('topologies/trustzone-tzasc-carveout.yaml'),
        exhaustive({ properties: ['pageHasSingleOwner'] }),
      ),
    ).toThrow(PropertyNotApplicableError);
  });
});
