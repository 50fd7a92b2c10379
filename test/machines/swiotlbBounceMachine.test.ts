/**
 * One swiotlb bounce slot of a pVM's restricted DMA pool (kernel/dma/swiotlb.c): every map copies
 * the guest page into the host-shared bounce page, syncs and unmap copy per direction, and a
 * released slot keeps its contents.
 */
import { describe, expect, it } from 'vitest';
import {
  type DmaDirection,
  type SwiotlbBounceContext,
  type SwiotlbBounceEvent,
  swiotlbBounceBefore2022Machine,
  swiotlbBounceIgnoresShareFailureMachine,
  swiotlbBounceMachine,
  swiotlbBounceRefusals,
} from '../../machines/swiotlbBounceMachine.ts';
import { compareDrivers, machineDriver } from '../support/machineDriver.ts';

type E = SwiotlbBounceEvent;

const input = { bouncePage: 900 };
const slot = machineDriver<SwiotlbBounceContext, E>(swiotlbBounceMachine, swiotlbBounceRefusals, {
  input: input,
});

const map = (dir: DmaDirection, origPage = 5, bouncePageSharedWithHost = true): E => ({
  type: 'SWIOTLB_TBL_MAP_SINGLE',
  origPage,
  dir,
  bouncePageSharedWithHost,
});
const forCpu: E = { type: 'SWIOTLB_SYNC_SINGLE_FOR_CPU' };
const forDevice: E = { type: 'SWIOTLB_SYNC_SINGLE_FOR_DEVICE' };
const unmap: E = { type: 'SWIOTLB_TBL_UNMAP_SINGLE' };

const toBounce = {
  type: 'PAGE_CONTENT_COPIED',
  from: 5,
  to: 900,
  by: 'swiotlb_bounce',
  dir: 'DMA_TO_DEVICE',
};
const fromBounce = {
  type: 'PAGE_CONTENT_COPIED',
  from: 900,
  to: 5,
  by: 'swiotlb_bounce',
  dir: 'DMA_FROM_DEVICE',
};

describe('swiotlb_tbl_map_single', () => {
  it("a bounce map emits a copy of the source page's content into the bounce page", () => {
    const { snap, emitted } = slot.acceptEmitting(slot.start(), map('DMA_TO_DEVICE'));
    expect(snap.value).toBe('mapped.deviceOwns');
    expect(snap.context).toEqual({ bouncePage: 900, origPage: 5, dir: 'DMA_TO_DEVICE' });
    expect(emitted).toEqual([toBounce]);
  });

  it('copies for DMA_FROM_DEVICE and DMA_BIDIRECTIONAL too (partial-write preservation)', () => {
    for (const dir of ['DMA_FROM_DEVICE', 'DMA_BIDIRECTIONAL'] as const) {
      expect(slot.acceptEmitting(slot.start(), map(dir)).emitted).toEqual([toBounce]);
    }
  });

  it('before the 2022 fixes a DMA_FROM_DEVICE map copied nothing', () => {
    const old = machineDriver<SwiotlbBounceContext, E>(
      swiotlbBounceBefore2022Machine,
      swiotlbBounceRefusals,
      { input: input },
    );
    expect(old.acceptEmitting(old.start(), map('DMA_FROM_DEVICE')).emitted).toEqual([]);
    expect(old.acceptEmitting(old.start(), map('DMA_BIDIRECTIONAL')).emitted).toEqual([toBounce]);
  });

  it('is not issued onto a bounce page the guest has not shared with the host', () => {
    expect(slot.refusalDifferences(slot.start(), [[map('DMA_TO_DEVICE', 5, false), 'NOT_ISSUED']])).toEqual(
      [],
    );
    const unchecked = machineDriver<SwiotlbBounceContext, E>(
      swiotlbBounceIgnoresShareFailureMachine,
      swiotlbBounceRefusals,
      { input: input },
    );
    expect(unchecked.acceptEmitting(unchecked.start(), map('DMA_TO_DEVICE', 5, false)).emitted).toEqual([
      toBounce,
    ]);
  });

  it('refuses a busy slot: swiotlb buffer is full, -ENOMEM', () => {
    expect(
      slot.refusalDifferences(slot.run([map('DMA_TO_DEVICE')]), [[map('DMA_TO_DEVICE', 6), 'ENOMEM']]),
    ).toEqual([]);
  });
});

describe('syncs and unmap', () => {
  it('DMA_FROM_DEVICE: sync_for_cpu and unmap copy the bounce page back', () => {
    const mapped = slot.run([map('DMA_FROM_DEVICE')]);
    const cpu = slot.acceptEmitting(mapped, forCpu);
    expect(cpu.snap.value).toBe('mapped.cpuOwns');
    expect(cpu.emitted).toEqual([fromBounce]);
    const device = slot.acceptEmitting(cpu.snap, forDevice);
    expect(device.snap.value).toBe('mapped.deviceOwns');
    expect(device.emitted).toEqual([]);
    const done = slot.acceptEmitting(device.snap, unmap);
    expect(done.snap).toEqual({ value: 'idle', context: { bouncePage: 900, origPage: -1, dir: null } });
    expect(done.emitted).toEqual([fromBounce]);
  });

  it('DMA_TO_DEVICE: sync_for_device copies in again, nothing is copied back', () => {
    const cpu = slot.acceptEmitting(slot.run([map('DMA_TO_DEVICE')]), forCpu);
    expect(cpu.emitted).toEqual([]);
    expect(slot.acceptEmitting(cpu.snap, forDevice).emitted).toEqual([toBounce]);
    expect(slot.acceptEmitting(slot.run([map('DMA_TO_DEVICE')]), unmap).emitted).toEqual([]);
  });

  it('DMA_BIDIRECTIONAL copies both ways', () => {
    const mapped = slot.run([map('DMA_BIDIRECTIONAL')]);
    const cpu = slot.acceptEmitting(mapped, forCpu);
    expect(cpu.emitted).toEqual([fromBounce]);
    expect(slot.acceptEmitting(cpu.snap, forDevice).emitted).toEqual([toBounce]);
    expect(slot.acceptEmitting(cpu.snap, unmap).emitted).toEqual([fromBounce]);
  });

  it('releases the slot without clearing it: no event scrubs the bounce page', () => {
    const { emitted } = slot.acceptEmitting(slot.run([map('DMA_TO_DEVICE')]), unmap);
    expect(emitted.filter((event) => event.type !== 'PAGE_CONTENT_COPIED')).toEqual([]);
  });

  it('refuses what a driver does not issue', () => {
    expect(
      slot.refusalDifferences(slot.start(), [
        [unmap, 'NOT_ISSUED'],
        [forCpu, 'NOT_ISSUED'],
        [forDevice, 'NOT_ISSUED'],
      ]),
    ).toEqual([]);
    expect(slot.refusalDifferences(slot.run([map('DMA_TO_DEVICE')]), [[forDevice, 'NOT_ISSUED']])).toEqual(
      [],
    );
    expect(
      slot.refusalDifferences(slot.run([map('DMA_TO_DEVICE'), forCpu]), [[forCpu, 'NOT_ISSUED']]),
    ).toEqual([]);
  });
});

describe('compiled driver and XState agree', () => {
  it('on a scripted sequence of mappings', () => {
    const events: E[] = [
      unmap,
      map('DMA_FROM_DEVICE', 5, false),
      map('DMA_FROM_DEVICE'),
      map('DMA_TO_DEVICE', 6),
      forDevice,
      forCpu,
      forCpu,
      forDevice,
      unmap,
      map('DMA_TO_DEVICE', 7),
      forCpu,
      unmap,
    ];
    const runs = [
      swiotlbBounceMachine,
      swiotlbBounceBefore2022Machine,
      swiotlbBounceIgnoresShareFailureMachine,
    ].map((machine) => compareDrivers(machine, input, events));
    expect(runs.map((run) => run.disagreements)).toEqual([[], [], []]);
    expect(runs.map((run) => run.accepted)).toEqual([7, 7, 7]);
  });
});
