/**
 * Coverage on a world built by hand for each case: a step a machine's named guard always
 * refuses is reported with that guard, its error code and the source function its comment
 * cites; a step whose world precondition never holds with that precondition's words; and the
 * machine's chart is covered as the search went.
 */
import { expect, it } from 'vitest';
import { mediaDeviceMachine, mediaDeviceRefusals } from '../../machines/mediaDeviceMachine.ts';
import { coverageOf } from '../../src/check/coverage.ts';
import { CoverageCollector, StateSample } from '../../src/check/coverageCollector.ts';
import { searchWorld } from '../../src/check/exhaustive.ts';
import { send, WorldBuilder } from '../../src/world/builder.ts';
import { unmetOf } from '../../src/world/unmetPrecondition.ts';

/** A secure decoder the host can hand a protected bitstream with a protected or a clear frame. */
function decoderWorld() {
  const builder = new WorldBuilder();
  const vdec = builder.addComponent({
    id: 'device:vdec',
    kind: 'mediaDevice',
    label: 'vdec',
    machine: mediaDeviceMachine,
    input: { role: 'decoder', controller: 'host', secureOutputEnforced: true },
    refusals: mediaDeviceRefusals,
  });
  const queue = (output: boolean) => ({
    action: 'queueBuffers',
    call: 'VIDIOC_QBUF',
    actor: 'host',
    role: 'adversary' as const,
    args: { output: output ? 'secure' : 'clear' },
    text: `host queues a protected bitstream → a ${output ? 'protected' : 'clear'} frame on vdec`,
    touches: [vdec],
    plan: () => [
      send(vdec, {
        type: 'VIDIOC_QBUF',
        input: { buffer: 'bitstream', protected: true },
        output: { buffer: 'frame', protected: output },
      }),
    ],
  });
  builder.addStep(queue(true));
  builder.addStep(queue(false));
  builder.addStep({
    action: 'startDevice',
    call: 'VIDIOC_STREAMON',
    actor: 'host',
    role: 'pipeline',
    args: {},
    text: 'host starts vdec',
    touches: [vdec],
    plan: () => [send(vdec, { type: 'VIDIOC_STREAMON' })],
  });
  const shut = unmetOf([{ holds: () => false, says: () => 'the cabinet door is shut' }]);
  builder.addStep({
    action: 'openCabinet',
    call: 'OPEN_CABINET',
    actor: 'host',
    role: 'adversary',
    args: {},
    text: 'host opens the cabinet',
    touches: [vdec],
    plan: (state) => (shut(state) === undefined ? [] : undefined),
    unmet: shut,
  });
  return builder.build({ guestNames: [], guestProtected: [], kernel: 'upstream' });
}

function covered() {
  const world = decoderWorld();
  const collector = new CoverageCollector(world);
  const result = searchWorld(world, {
    maxDepth: 8,
    maxStates: 1000,
    properties: [],
    // A goal never reached, so the search goes on to exhaustion.
    goal: () => false,
    taken: collector.taken,
    onState: collector.onState,
  });
  collector.freeze();
  return { result, coverage: coverageOf(world, collector) };
}

it('names the guard that refuses a step, its code and the source function it mirrors', () => {
  const { coverage } = covered();
  const clear = coverage.neverTaken.find((step) => step.step.includes('clear frame'));
  expect(clear?.why).toMatchObject({
    kind: 'guard',
    component: 'device:vdec',
    machine: 'mediaDeviceMachine',
    event: 'VIDIOC_QBUF',
    state: 'idle',
    guard: 'secureInputImpliesSecureOutput',
    code: 'EINVAL',
  });
  expect(clear?.why.source?.functions).toContain('vb2_core_reqbufs()');
  expect(clear?.why.says).toMatch(
    /refuses VIDIOC_QBUF: its check secureInputImpliesSecureOutput fails with EINVAL/,
  );
});

it("names a world precondition that never holds in the precondition's words", () => {
  const { coverage } = covered();
  const cabinet = coverage.neverTaken.find((step) => step.event === 'OPEN_CABINET');
  expect(cabinet?.why).toMatchObject({ kind: 'precondition', says: 'the cabinet door is shut' });
  expect(cabinet?.why.seenAt).toBe(coverage.sampling.states);
});

it('counts every transition the search expanded, by step', () => {
  const { result, coverage } = covered();
  expect(coverage.steps.counts.reduce((sum, step) => sum + step.taken, 0)).toBe(result.transitions);
  expect(coverage.steps).toMatchObject({ taken: 2, total: 4, percent: 50 });
  expect(coverage.neverTaken.map((step) => step.event)).toEqual(['VIDIOC_QBUF', 'OPEN_CABINET']);
});

it("covers the machine's chart as far as the search went", () => {
  const [decoder] = covered().coverage.machines;
  expect(decoder).toMatchObject({ machine: 'mediaDeviceMachine', components: 1 });
  expect(decoder!.states).toMatchObject({ visited: 3, total: 3, unvisited: [] });
  expect(decoder!.transitions.untaken).toContain('running on DEVICE_RUN');
  expect(decoder!.transitions.untaken).not.toContain('idle on VIDIOC_QBUF');
  expect(decoder!.transitions.untaken).not.toContain('configured on VIDIOC_STREAMON');
});

it('samples a long run of states evenly, first to last, within its limit', () => {
  const sample = new StateSample(8);
  for (let i = 0; i < 100; i++) sample.add(Uint32Array.of(i));
  const kept = sample.states.map((ids) => ids[0]);
  expect(kept.length).toBeLessThanOrEqual(8);
  expect(kept[0]).toBe(0);
  expect(kept.at(-1)).toBeGreaterThan(80);
  expect(sample.method).toBe('every 16th stored state, in breadth-first order');
});
