/**
 * A counterexample as a sequence diagram, in Mermaid and in the report's own SVG: the parties
 * in order of appearance, one message per step from the caller to the parties it reaches, the
 * effects as notes, and the violating step set apart with what it breaks.
 */
import { describe, expect, it } from 'vitest';
import { encodeReplayToken, topologyDigest } from '../../src/check/replayToken.ts';
import { traceStates } from '../../src/check/traceStates.ts';
import { traceSequenceMermaid } from '../../src/render/mermaid.ts';
import { traceSequenceSvg } from '../../src/render/sequenceSvg.ts';
import { loadTopologyFile } from '../../src/topology/load.ts';

describe('sequence diagrams of a counterexample', async () => {
  const { topology } = await loadTopologyFile('test/fixtures/review/tzasc-decrypt-clear-output.yaml');
  const replay = encodeReplayToken({
    topology: topology.name,
    digest: topologyDigest(topology),
    property: 'plaintextNeverReachesUntrusted',
    steps: [
      { call: 'DMA_HEAP_IOCTL_ALLOC', args: { buffer: 'ciphertext' } },
      { call: 'DMA_HEAP_IOCTL_ALLOC', args: { buffer: 'host-scratch' } },
      { call: 'WRITE_CIPHERTEXT', args: { buffer: 'ciphertext' } },
      { call: 'INVOKE_DECRYPT', args: { input: 'ciphertext', output: 'host-scratch' } },
    ],
  });
  const trace = traceStates(topology, {
    replay,
    violations: [
      {
        subject: 'page host-scratch:0',
        expected: 'audience is secure, vdec, dpu',
        actual: 'holds plaintext of stream "movie"; readable by host via CPU',
      },
    ],
  });

  it('in Mermaid: participants, one message per step, notes, the violating step boxed', () => {
    expect(traceSequenceMermaid(trace)).toBe(
      [
        'sequenceDiagram',
        '  %% tzasc-decrypt-clear-output: plaintextNeverReachesUntrusted violated',
        '  participant p_host as host',
        '  participant p_dma_heap as dma-heap',
        '  participant p_memory as memory',
        '  participant p_secure as secure',
        '  p_host->>p_dma_heap: 1. host allocates buffer ciphertext from heap system [DMA_HEAP_IOCTL_ALLOC]',
        '  Note over p_host,p_dma_heap: buffer ciphertext: free → exported',
        '  p_host->>p_dma_heap: 2. host allocates buffer host-scratch from heap host-scratch [DMA_HEAP_IOCTL_ALLOC]',
        '  Note over p_host,p_dma_heap: buffer host-scratch: free → exported',
        '  p_host->>p_memory: 3. host writes ciphertext of movie into buffer ciphertext [WRITE_CIPHERTEXT]',
        '  Note over p_host,p_memory: dram:0: zero → ciphertext of movie',
        '  rect rgb(255, 228, 228)',
        '    p_host->>p_secure: 4. host asks the trusted app to decrypt movie from ciphertext into host-scratch [INVOKE_DECRYPT]',
        '    Note over p_host,p_secure: host-scratch:0: zero → plaintext of movie',
        "    Note over p_host,p_secure: ✖ plaintextNeverReachesUntrusted<br/>page host-scratch:0: holds plaintext of stream 'movie', readable by host via CPU",
        '  end',
        '',
      ].join('\n'),
    );
  });

  it('in SVG: a column per party and a row group per step, the last one marked', () => {
    const svg = traceSequenceSvg(trace, 'arrow-test');
    expect(svg.startsWith('<svg class="sequence"')).toBe(true);
    expect(svg).not.toContain('xmlns');
    expect(svg.match(/<rect class="seq-head"/g)).toHaveLength(4);
    expect(svg.match(/<g class="seq-step[^"]*" data-step="(\d)">/g)).toEqual([
      '<g class="seq-step" data-step="1">',
      '<g class="seq-step" data-step="2">',
      '<g class="seq-step" data-step="3">',
      '<g class="seq-step seq-violating" data-step="4">',
    ]);
    expect(svg).toContain('marker-end="url(#arrow-test)"');
    expect(svg).toContain('>✖ plaintextNeverReachesUntrusted</text>');
    expect(svg).toContain('holds plaintext of stream &quot;movie&quot;');
  });
});
