/** Hand-built check reports for the reporter tests: one violated, one passing, one that does not boot. */
import type { CheckReport, CheckStatistics } from '../../src/check/report.ts';

const STATISTICS: CheckStatistics = {
  steps: 40,
  distinctStates: 12,
  depth: 3,
  boundReached: false,
  ended: 'exhausted',
  searches: [
    {
      kind: 'exhaustive',
      bound: { maxDepth: 8, maxStates: 1000 },
      distinctStates: 12,
      depth: 3,
      ended: 'exhausted',
    },
  ],
  durationMs: 1500,
};

/** A leak, with markup and quotes in its words, so escaping is exercised. */
export const VIOLATED: CheckReport = {
  topology: 'lend<&>"share"',
  file: 'topologies/lend & share.yaml',
  digest: '0123456789ab',
  mode: 'exhaustive',
  seed: 0,
  bound: { maxDepth: 8, maxStates: 1000 },
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
            event: 'FFA_MEM_LEND',
            actor: 'host',
            description: 'host lends buffer <frame> to "secure"',
          },
          {
            index: 2,
            event: 'INVOKE_DECRYPT',
            actor: 'host',
            description: 'host asks for decrypt & keeps its map',
          },
        ],
        violations: [
          {
            subject: 'page cma:0',
            parties: ['host'],
            expected: 'audience is secure, dpu',
            actual: 'readable by host via CPU through host stage-2 (SHARED_OWNED)',
          },
        ],
        replay: 'pm1.eyJ0IjoibGVuZCJ9',
        found: { states: 9, ms: 12 },
      },
    },
    {
      name: 'pipelineReachable',
      summary: 'True iff some run of the legitimate parties displays a frame of the stream.',
      kind: 'reachability',
      status: 'vacuous',
      reason: 'no frame is ever displayed',
    },
    {
      name: 'scrubBeforeReuse',
      summary: 'True iff no page free for reuse holds plaintext.',
      kind: 'safety',
      status: 'holds',
    },
  ],
  statistics: STATISTICS,
  assumptions: [],
};

export const PASSING: CheckReport = {
  ...VIOLATED,
  topology: 'sound',
  file: 'topologies/sound.yaml',
  verdict: 'pass',
  properties: [
    {
      name: 'scrubBeforeReuse',
      summary: 'True iff no page free for reuse holds plaintext.',
      kind: 'safety',
      status: 'holds',
    },
  ],
  statistics: { ...STATISTICS, durationMs: 250 },
};

export const UNBOOTABLE: CheckReport = {
  ...VIOLATED,
  topology: 'nomap',
  file: 'topologies/nomap.yaml',
  verdict: 'unbootable',
  unbootable: {
    message: "the host's __pkvm_host_donate_guest() refuses page carveout:0 (-EPERM)",
    call: '__pkvm_host_donate_guest',
    component: 'page carveout:0',
    code: '-EPERM',
    steps: [
      {
        index: 1,
        event: 'HOST_DONATE_GUEST',
        actor: 'host',
        description: 'host donates page carveout:0 to vm',
      },
    ],
  },
  properties: [],
};
