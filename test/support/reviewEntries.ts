/**
 * Review entries for the review renderers' tests: the pKVM fixture checked for real (it is
 * small: one violated property, the rest vacuous) and a hand-built passing report whose
 * topology has no pKVM, so its pKVM properties are not checked, and whose witness is not
 * replayed (it has no topology to replay in).
 */
import { check } from '../../src/check/check.ts';
import type { CheckReport } from '../../src/check/report.ts';
import { topologyCheckOptions } from '../../src/check/topologyDefaults.ts';
import { buildReviewEntry, type ReviewEntry } from '../../src/render/reviewEntry.ts';
import { loadTopologyFile } from '../../src/topology/load.ts';

export const PASSING_REPORT: CheckReport = {
  topology: 'carveout-sound',
  file: 'designs/carveout-sound.yaml',
  digest: '0123456789ab',
  mode: 'exhaustive',
  seed: 0,
  bound: { maxDepth: 8, maxStates: 200_000 },
  verdict: 'pass',
  properties: [
    {
      name: 'plaintextNeverReachesUntrusted',
      summary: 'True iff only the audience of a stream can read its plaintext.',
      kind: 'safety',
      status: 'holds',
    },
    {
      name: 'pipelineReachable',
      summary: 'True iff the legitimate pipeline can display a frame.',
      kind: 'reachability',
      status: 'holds',
      witness: {
        steps: [{ index: 1, event: 'SCANOUT', actor: 'dpu', description: 'dpu scans out its framebuffer' }],
      },
    },
  ],
  statistics: {
    steps: 10,
    distinctStates: 5,
    depth: 3,
    boundReached: false,
    ended: 'exhausted',
    searches: [
      {
        kind: 'exhaustive',
        bound: { maxDepth: 8, maxStates: 1000 },
        distinctStates: 5,
        depth: 3,
        ended: 'exhausted',
      },
    ],
    durationMs: 12,
  },
  assumptions: ['no hypervisor: the host kernel can map all normal-world memory', 'no flaws switched on'],
};

export async function reviewEntries(): Promise<ReviewEntry[]> {
  const loaded = await loadTopologyFile('test/fixtures/pkvm-guest-decrypt.yaml');
  const pkvm = await buildReviewEntry(loaded, check(loaded, topologyCheckOptions(loaded.topology, 0)));
  const passing: ReviewEntry = {
    report: PASSING_REPORT,
    description: 'A design whose description has <markup> & "quotes".',
    topologySvg:
      '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg xmlns="http://www.w3.org/2000/svg"><g id="graph0"></g></svg>',
    legend: [],
    facts: [
      { aspect: 'hypervisor', value: 'none: the host kernel maps all normal-world memory' },
      { aspect: 'decrypt by', value: 'secure' },
    ],
    traces: new Map(),
    witnesses: new Map(),
    traceDrawings: new Map(),
  };
  return [pkvm, passing];
}
