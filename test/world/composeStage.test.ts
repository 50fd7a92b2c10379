/**
 * The compose stage (docs/model.md#pipeline): a GPU between decrypt and display joins the
 * pipeline's stages, and the pipeline is reached only when the display shows the frame the GPU
 * composed, not a frame the display was handed some other way.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../src/topology/load.ts';
import { composeWorld } from '../../src/world/compose.ts';
import type { StepArgs, WorldState } from '../../src/world/world.ts';

const DESIGN = 'topologies/dynamic-heap-gpu-compose-protected.yaml';

function harness() {
  const sdp = composeWorld(parseTopology(readFileSync(DESIGN, 'utf8'), DESIGN).topology);
  const apply = (state: WorldState, ...calls: [string, StepArgs][]) =>
    calls.reduce((at, [call, args]) => {
      const step = sdp.world.findStep(call, args);
      if (!step) throw new Error(`no step ${call} ${JSON.stringify(args)}`);
      const next = sdp.world.apply(at, step);
      if (!next) throw new Error(`${call} ${JSON.stringify(args)} refused`);
      return next;
    }, state);
  return { sdp, apply };
}

/** Allocate, write, retrieve the pool, decrypt into the frame. */
const DECRYPTED: [string, StepArgs][] = [
  ['DMA_HEAP_IOCTL_ALLOC', { buffer: 'ciphertext' }],
  ['DMA_HEAP_IOCTL_ALLOC', { buffer: 'frame' }],
  ['WRITE_CIPHERTEXT', { buffer: 'ciphertext' }],
  ['FFA_MEM_RETRIEVE_REQ', { heap: 'secure-video' }],
  ['INVOKE_DECRYPT', { input: 'ciphertext', output: 'frame' }],
];

describe('a compose stage', () => {
  it('sits between decrypt and display among the stages', () => {
    const { sdp } = harness();
    expect(sdp.stages.map((stage) => stage.name)).toEqual([
      'allocate',
      'write',
      'decrypt',
      'compose',
      'display',
    ]);
    const compose = sdp.stages.find((stage) => stage.name === 'compose')!;
    expect(compose.text).toBe('gpu composed movie into composed');
    expect(compose.steps.map((step) => step.text)).toContain('host queues frame → composed on gpu');
  });

  it('is what the display must show: the decrypted frame scanned out directly does not count', () => {
    const { sdp, apply } = harness();
    const skipped = apply(
      sdp.world.initial,
      ...DECRYPTED,
      ['VIDIOC_QBUF', { device: 'dpu', input: 'frame' }],
      ['VIDIOC_STREAMON', { device: 'dpu' }],
      ['SCANOUT', { device: 'dpu' }],
    );
    expect(sdp.displayed(skipped)).toBe(false);
  });

  it('is reached when the display scans out the frame the GPU composed', () => {
    const { sdp, apply } = harness();
    const shown = apply(
      sdp.world.initial,
      ...DECRYPTED,
      ['DMA_HEAP_IOCTL_ALLOC', { buffer: 'composed' }],
      ['VIDIOC_QBUF', { device: 'gpu', input: 'frame', output: 'composed' }],
      ['VIDIOC_STREAMON', { device: 'gpu' }],
      ['DEVICE_RUN', { device: 'gpu' }],
      ['VIDIOC_QBUF', { device: 'dpu', input: 'composed' }],
      ['VIDIOC_STREAMON', { device: 'dpu' }],
      ['SCANOUT', { device: 'dpu' }],
    );
    expect(sdp.stages.every((stage) => stage.reached(shown))).toBe(true);
    expect(sdp.displayed(shown)).toBe(true);
  });

  it('refuses, in protected mode, to compose the protected frame into a clear buffer', () => {
    const { sdp, apply } = harness();
    const decrypted = apply(sdp.world.initial, ...DECRYPTED);
    const step = sdp.world.findStep('VIDIOC_QBUF', { device: 'gpu', input: 'frame', output: 'ciphertext' })!;
    expect(sdp.world.apply(decrypted, step)).toBeUndefined();
  });
});
