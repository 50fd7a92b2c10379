/**
 * Counterexamples step by step, replayed from their replay tokens in the fixtures' worlds:
 * which pages are involved, what each party sees of them after each step, who can read them,
 * what they hold, which parties each call reaches, and the violating step marked.
 */
import { describe, expect, it } from 'vitest';
import { encodeReplayToken, ReplayTokenError, topologyDigest } from '../../src/check/replayToken.ts';
import type { ViolationReport } from '../../src/check/report.ts';
import { traceStates } from '../../src/check/traceStates.ts';
import { loadTopologyFile } from '../../src/topology/load.ts';
import type { Topology } from '../../src/topology/schema.ts';

const NO_SCRUB = 'test/fixtures/review/tzasc-no-scrub-on-free.yaml';
const PKVM = 'test/fixtures/pkvm-guest-decrypt.yaml';

/** The shortest scrubBeforeReuse counterexample `protmem check` finds for the no-scrub fixture. */
const NO_SCRUB_STEPS: { call: string; args: Record<string, string | number> }[] = [
  { call: 'DMA_HEAP_IOCTL_ALLOC', args: { buffer: 'ciphertext' } },
  { call: 'DMA_HEAP_IOCTL_ALLOC', args: { buffer: 'bitstream' } },
  { call: 'WRITE_CIPHERTEXT', args: { buffer: 'ciphertext' } },
  { call: 'INVOKE_DECRYPT', args: { input: 'ciphertext', output: 'bitstream' } },
  { call: 'DMA_BUF_RELEASE', args: { buffer: 'bitstream' } },
];

function token(topology: Topology, property: string, steps: typeof NO_SCRUB_STEPS) {
  return encodeReplayToken({ topology: topology.name, digest: topologyDigest(topology), property, steps });
}

async function noScrub(violations: ViolationReport[]) {
  const { topology } = await loadTopologyFile(NO_SCRUB);
  return traceStates(topology, { replay: token(topology, 'scrubBeforeReuse', NO_SCRUB_STEPS), violations });
}

const STALE_PAGE: ViolationReport = {
  subject: 'page carveout:0',
  expected: 'zeroed before it is free for reuse',
  actual: 'free, still holding plaintext of "movie"',
};

describe('traceStates on a heap that frees without scrubbing', () => {
  it('has the state after boot and after each step, the last one violating', async () => {
    const trace = await noScrub([STALE_PAGE]);
    expect(trace.property).toBe('scrubBeforeReuse');
    expect(trace.topology).toBe('tzasc-no-scrub-on-free');
    expect(trace.states.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(trace.states.map((s) => s.violating)).toEqual([false, false, false, false, false, true]);
    expect(trace.states[0]!.step).toBeUndefined();
    expect(trace.states[4]!.step).toEqual({
      index: 4,
      event: 'INVOKE_DECRYPT',
      actor: 'host',
      description: 'host asks the trusted app to decrypt movie from ciphertext into bitstream',
    });
  });

  it('involves the pages that change and the page the violation names, and no others', async () => {
    const trace = await noScrub([STALE_PAGE]);
    expect(trace.pages.map((p) => p.label)).toEqual(['dram:0', 'carveout:0']);
    const stale = trace.states.map((s) => s.pages.find((p) => p.label === 'carveout:0')!);
    expect(stale.map((p) => p.content)).toEqual([
      'zero',
      'zero',
      'zero',
      'zero',
      'plaintext of movie',
      'plaintext of movie',
    ]);
    expect(stale.map((p) => p.buffer?.state)).toEqual([
      'free',
      'free',
      'exported',
      'exported',
      'exported',
      'free',
    ]);
    expect(stale.map((p) => p.changed)).toEqual([[], [], ['buffer'], [], ['content'], ['buffer']]);
    expect(stale.every((p) => p.inViolation)).toBe(true);
    expect(trace.states[5]!.pages.find((p) => p.label === 'dram:0')!.inViolation).toBe(false);
  });

  it("shows the firewall's state and who can read each page, as the checker computes it", async () => {
    const trace = await noScrub([STALE_PAGE]);
    const boot = trace.states[0]!.pages;
    expect(trace.viewParties).toEqual(['firewall']);
    expect(boot.find((p) => p.label === 'carveout:0')!.views).toEqual([
      { party: 'firewall', state: 'protected' },
    ]);
    expect(boot.find((p) => p.label === 'carveout:0')!.readers.map((r) => `${r.party}:${r.kind}`)).toEqual([
      'secure:secure',
      'vdec:dma',
      'dpu:dma',
    ]);
    expect(boot.find((p) => p.label === 'dram:0')!.readers[0]).toEqual({
      party: 'host',
      kind: 'cpu',
      via: 'CPU (no hypervisor: the host kernel maps all memory)',
    });
    expect(trace.audience).toEqual(['hyp', 'secure', 'vdec', 'dpu']);
  });

  it('names the parties each call reaches and what it did', async () => {
    const trace = await noScrub([STALE_PAGE]);
    expect(trace.states.slice(1).map((s) => s.callees)).toEqual([
      ['dma-heap'],
      ['dma-heap'],
      ['memory'],
      ['secure'],
      ['dma-heap'],
    ]);
    expect(trace.participants).toEqual(['host', 'dma-heap', 'memory', 'secure']);
    expect(trace.states[4]!.effects).toEqual(['carveout:0: zero → plaintext of movie']);
    expect(trace.states[5]!.effects).toEqual(['buffer bitstream: exported → free']);
  });

  it('takes the pages of a buffer the violation names when it names no page', async () => {
    const trace = await noScrub([{ subject: 'protected buffer frame', expected: 'x', actual: 'y' }]);
    expect(trace.pages.map((p) => p.label)).toEqual(['dram:0', 'carveout:0', 'carveout:1', 'carveout:2']);
    expect(trace.states[0]!.pages.filter((p) => p.inViolation).map((p) => p.label)).toEqual([
      'carveout:1',
      'carveout:2',
    ]);
  });
});

describe('traceStates under pKVM', () => {
  it("shows the host's, each guest's and the hypervisor's view of a force-reclaimed page", async () => {
    const { topology } = await loadTopologyFile(PKVM);
    // guest-ram:1 is page 3: dram has pages 0 and 1.
    const replay = token(topology, 'protectedBufferIntegrity', [
      { call: 'FORCE_RECLAIM_GUEST_PAGE', args: { page: 3 } },
    ]);
    const trace = traceStates(topology, {
      replay,
      violations: [
        {
          subject: 'buffer clear (page guest-ram:1)',
          expected: 'writable only by decrypt, vdec, dpu',
          actual: 'writable by host via CPU through host stage-2 (OWNED)',
        },
      ],
    });
    expect(trace.pages.map((p) => p.label)).toEqual(['guest-ram:1']);
    expect(trace.viewParties).toEqual(['host', 'decrypt', 'player', 'hyp']);
    const page = (i: number) => trace.states[i]!.pages.find((p) => p.inViolation)!;
    expect(page(0).views).toEqual([
      { party: 'host', state: 'NOPAGE.ownedByGuest' },
      { party: 'decrypt', state: 'OWNED' },
      { party: 'player', state: 'NOPAGE' },
      { party: 'hyp', state: 'NOPAGE' },
    ]);
    expect(page(1).views.map((v) => v.state)).toEqual(['OWNED', 'POISON', 'NOPAGE', 'NOPAGE']);
    expect(page(0).readers.map((r) => r.party)).not.toContain('host');
    expect(page(1).readers.map((r) => r.party)).toContain('host');
    expect(page(1).changed).toEqual(['views', 'readers', 'writers']);
    expect(page(1).writers.map((w) => w.party)).toContain('host');
    expect(page(1).buffer).toEqual({ name: 'clear', state: 'memory of decrypt', holders: ['decrypt'] });
    expect(trace.states[1]!.callees).toEqual(['hyp']);
    expect(trace.states[1]!.effects).toEqual([
      'guest-ram:1: host NOPAGE.ownedByGuest → OWNED',
      'guest-ram:1: decrypt OWNED → POISON',
      'guest-ram:1: now readable and writable by host (CPU), vdec (DMA)',
      'guest-ram:1: no longer readable or writable by decrypt (CPU)',
    ]);
  });
});

describe('traceStates refuses a token that does not fit the topology', () => {
  it('made for another topology', async () => {
    const { topology } = await loadTopologyFile(NO_SCRUB);
    const replay = token({ ...topology, name: 'other' }, 'scrubBeforeReuse', NO_SCRUB_STEPS);
    expect(() => traceStates(topology, { replay, violations: [] })).toThrow(ReplayTokenError);
  });

  it('made for a different version of the topology', async () => {
    const { topology } = await loadTopologyFile(NO_SCRUB);
    const replay = token(topology, 'scrubBeforeReuse', NO_SCRUB_STEPS);
    expect(() => traceStates({ ...topology, flaws: [] }, { replay, violations: [] })).toThrow(
      /different version/,
    );
  });

  it('with a step the world does not have', async () => {
    const { topology } = await loadTopologyFile(NO_SCRUB);
    const replay = token(topology, 'scrubBeforeReuse', [{ call: 'NO_SUCH_CALL', args: {} }]);
    expect(() => traceStates(topology, { replay, violations: [] })).toThrow(
      /step 1 \(NO_SUCH_CALL\) does not exist/,
    );
  });
});
