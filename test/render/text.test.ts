/**
 * The text report, on hand-built check reports: the counterexample screen laid out as the
 * house style says (headline, violations, replay command, marked trace, hints), then vacuous
 * and holding properties and the statistics line; and the JSON form without the duration.
 */
import { describe, expect, it } from 'vitest';
import type { CheckReport } from '../../src/check/report.ts';
import { renderReportJson } from '../../src/render/json.ts';
import { renderReport, replayCommand, shellQuote } from '../../src/render/text.ts';

const RANDOM_REPORT: CheckReport = {
  topology: 'pkvm-lend',
  file: 'topologies/pkvm-lend.yaml',
  digest: '0123456789ab',
  mode: 'random',
  seed: 7,
  bound: { maxDepth: 10, runs: 500 },
  verdict: 'violation',
  properties: [
    {
      name: 'plaintextNeverReachesUntrusted',
      summary: 'True iff only the audience of a stream can read its plaintext.',
      kind: 'safety',
      status: 'violated',
      counterexample: {
        steps: [
          {
            index: 1,
            event: 'HEAP_ALLOC',
            actor: 'host',
            description: 'host allocates buffer "clear" from heap "lent"',
          },
          {
            index: 2,
            event: 'FFA_MEM_LEND',
            actor: 'host',
            description: 'host lends buffer "clear" to secure',
          },
          {
            index: 3,
            event: 'TA_DECRYPT',
            actor: 'secure',
            description: 'secure decrypts stream "movie" into buffer "clear"',
          },
        ],
        violations: [
          {
            subject: 'page 6 holds plaintext of stream "movie"',
            parties: ['host'],
            expected: 'audience is secure, vdec, dpu',
            actual: 'readable by host via stage-2 (SHARED_BORROWED)',
          },
        ],
        replay: 'pm1.eyJ0IjoicGt2bS1sZW5kIn0',
        shrinks: 4,
      },
    },
    {
      name: 'decoderSeesOnlyProtectedInput',
      summary: 'True iff the decoder reads only protected buffers.',
      kind: 'safety',
      status: 'vacuous',
      reason: 'the pipeline never reaches the decoder',
    },
    {
      name: 'pipelineCanPlay',
      summary: 'True iff the pipeline can display a frame.',
      kind: 'reachability',
      status: 'holds',
      witness: {
        steps: [{ index: 1, event: 'HEAP_ALLOC', actor: 'host', description: 'host allocates buffer "in"' }],
      },
    },
    {
      name: 'pageHasSingleOwner',
      summary: 'True iff each page has one owner.',
      kind: 'wellFormed',
      status: 'holds',
    },
  ],
  statistics: {
    steps: 5000,
    distinctStates: 12_345,
    depth: 10,
    boundReached: true,
    ended: 'runs',
    searches: [
      {
        kind: 'random',
        bound: { maxDepth: 10, runs: 500 },
        distinctStates: 12_345,
        depth: 10,
        ended: 'runs',
      },
    ],
    durationMs: 1534,
  },
  assumptions: ['hypervisor pkvm (android)', 'flaw lendTreatedAsShare'],
};

describe('renderReport', () => {
  it('lays out a violated property, a vacuous one, those that hold and the statistics', () => {
    expect(renderReport(RANDOM_REPORT)).toBe(
      [
        '✖ plaintextNeverReachesUntrusted violated after 3 steps  (topologies/pkvm-lend.yaml)',
        '  page 6 holds plaintext of stream "movie": expected audience is secure, vdec, dpu; actual readable by host via stage-2 (SHARED_BORROWED) [host]',
        '  replay with:',
        '    npx protmem check topologies/pkvm-lend.yaml --replay pm1.eyJ0IjoicGt2bS1sZW5kIn0',
        '  trace (shrunk 4 times):',
        '    1. host allocates buffer "clear" from heap "lent"  [HEAP_ALLOC]',
        '    2. host lends buffer "clear" to secure  [FFA_MEM_LEND]',
        '  ✖ 3. secure decrypts stream "movie" into buffer "clear"  [TA_DECRYPT]',
        "  hint: remove the reader's path, or add it to the stream's audience if the design really trusts it",
        '  hint: found by random walks; --mode exhaustive finds a shortest trace',
        '',
        '! decoderSeesOnlyProtectedInput vacuous: the pipeline never reaches the decoder',
        '',
        '✔ pipelineCanPlay  (reached after 1 step)',
        '✔ pageHasSingleOwner',
        '',
        'random: 12,345 distinct states seen, depth 10, bound reached: 500 runs of 10 steps, 1.5 s',
        '',
      ].join('\n'),
    );
  });

  it('leaves the duration out without timing, and says when the space was exhausted', () => {
    const report: CheckReport = {
      ...RANDOM_REPORT,
      mode: 'exhaustive',
      bound: { maxDepth: 10, maxStates: 200_000 },
      verdict: 'pass',
      properties: [RANDOM_REPORT.properties[3]!],
      statistics: {
        steps: 80,
        distinctStates: 40,
        depth: 6,
        boundReached: false,
        ended: 'exhausted',
        searches: [
          {
            kind: 'exhaustive',
            bound: { maxDepth: 10, maxStates: 200_000 },
            distinctStates: 40,
            depth: 6,
            ended: 'exhausted',
          },
        ],
        durationMs: 12,
      },
    };
    expect(renderReport(report, { timing: false })).toBe(
      '✔ pageHasSingleOwner\n\nexplored 40 distinct states, depth 6, exhausted\n',
    );
    expect(renderReport(report)).toBe(
      '✔ pageHasSingleOwner\n\nexplored 40 distinct states, depth 6, exhausted, 12 ms\n',
    );
  });

  it('shows a violation of the initial state, with at most the hints that apply', () => {
    const violated = RANDOM_REPORT.properties[0]!;
    const report: CheckReport = {
      ...RANDOM_REPORT,
      file: 'my designs/boot.yaml',
      mode: 'exhaustive',
      properties: [
        {
          ...violated,
          name: 'pageHasSingleOwner',
          counterexample: { ...violated.counterexample!, steps: [], shrinks: undefined },
        },
      ],
      statistics: { ...RANDOM_REPORT.statistics, boundReached: false },
    };
    const text = renderReport(report, { timing: false });
    expect(text.split('\n').slice(0, 6)).toEqual([
      '✖ pageHasSingleOwner violated after 0 steps  (my designs/boot.yaml)',
      '  page 6 holds plaintext of stream "movie": expected audience is secure, vdec, dpu; actual readable by host via stage-2 (SHARED_BORROWED) [host]',
      '  replay with:',
      "    npx protmem check 'my designs/boot.yaml' --replay pm1.eyJ0IjoicGt2bS1sZW5kIn0",
      '  trace:',
      '    (no steps: the initial state already violates it)',
    ]);
    expect(text).not.toContain('hint:');
  });

  it('pads step numbers so the descriptions line up', () => {
    const steps = Array.from({ length: 10 }, (_, i) => ({
      index: i + 1,
      event: 'STEP',
      actor: 'host',
      description: `step ${i + 1}`,
    }));
    const violated = RANDOM_REPORT.properties[0]!;
    const report: CheckReport = {
      ...RANDOM_REPORT,
      properties: [{ ...violated, counterexample: { ...violated.counterexample!, steps } }],
    };
    const lines = renderReport(report).split('\n');
    expect(lines).toContain('     1. step 1  [STEP]');
    expect(lines).toContain('  ✖ 10. step 10  [STEP]');
  });
});

describe('replay commands', () => {
  it('quote file names a shell would split', () => {
    expect(shellQuote('topologies/a-b_c.yaml')).toBe('topologies/a-b_c.yaml');
    expect(shellQuote("it's here.yaml")).toBe("'it'\\''s here.yaml'");
    expect(replayCommand('a.yaml', 'pm1.x')).toBe('npx protmem check a.yaml --replay pm1.x');
  });
});

describe('renderReportJson', () => {
  it('prints the report with 2-space indentation, opening with schemaVersion and version', () => {
    expect(renderReportJson(RANDOM_REPORT, { version: '9.9.9' })).toBe(
      `${JSON.stringify({ schemaVersion: 1, version: '9.9.9', ...RANDOM_REPORT }, null, 2)}\n`,
    );
  });

  it('drops statistics.durationMs without timing', () => {
    const parsed = JSON.parse(renderReportJson(RANDOM_REPORT, { timing: false, version: '9.9.9' }));
    const { durationMs: _omitted, ...statistics } = RANDOM_REPORT.statistics;
    expect(parsed.statistics).toEqual(statistics);
    expect(parsed.properties).toEqual(JSON.parse(JSON.stringify(RANDOM_REPORT.properties)));
  });
});
