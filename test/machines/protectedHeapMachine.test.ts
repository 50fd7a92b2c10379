/**
 * A protected heap's pool against tee_heap.c, protmem.c and the OP-TEE SMC and FF-A probes:
 * configuration, registration (-EBUSY), the static carveout, the dynamic pool's lend and reclaim
 * with the reclaim-failure policy, shutdown (-EINVAL afterwards), and the flaw.
 */
import { describe, expect, it } from 'vitest';
import {
  type ProtectedHeapEmitted,
  type ProtectedHeapEvent,
  poolIsLending,
  poolIsLent,
  poolIsReclaiming,
  poolIsUnlent,
  protectedHeapFlaws,
  protectedHeapMachine,
  protectedHeapRefusals,
} from '../../machines/protectedHeapMachine.ts';
import type { ProtectedHeapContext, ProtectedHeapInput } from '../../machines/protectedHeapState.ts';
import { compareDrivers, machineDriver } from '../support/machineDriver.ts';
import { expectTrueExactlyIn } from './statePredicates.ts';

const driver = (machine = protectedHeapMachine) =>
  machineDriver<ProtectedHeapContext, ProtectedHeapEvent, ProtectedHeapEmitted, ProtectedHeapInput>(
    machine,
    protectedHeapRefusals,
    { input: { pool: 'static' }, merge: true },
  );

const heap = driver();

const CARVEOUT = [10, 11, 12, 13];
const CMA = [20, 21, 22, 23];

const ev = {
  config: (ok = true, pages: number[] = CARVEOUT, pageCount = 4): ProtectedHeapEvent => ({
    type: 'GET_PROTMEM_CONFIG',
    ok,
    pages,
    pageCount,
  }),
  dt: (ok = true, pages: number[] = CARVEOUT): ProtectedHeapEvent => ({
    type: 'OF_RESERVED_MEM_LOOKUP',
    ok,
    pages,
  }),
  register: (heapIdBound = false): ProtectedHeapEvent => ({
    type: 'TEE_DEVICE_REGISTER_DMA_HEAP',
    heapIdBound,
  }),
  destroy: { type: 'DESTROY_POOL' } as ProtectedHeapEvent,
  alloc: (pages: number[], cmaPages: number[] = []): ProtectedHeapEvent => ({
    type: 'TEE_DMA_HEAP_ALLOC',
    pages,
    cmaPages,
  }),
  free: (pages: number[]): ProtectedHeapEvent => ({ type: 'TEE_HEAP_BUF_FREE', pages }),
  lend: (ok: boolean, rollbackReclaimOk = true): ProtectedHeapEvent => ({
    type: 'LEND_PROTMEM',
    ok,
    rollbackReclaimOk,
  }),
  reclaim: (ok: boolean): ProtectedHeapEvent => ({ type: 'RECLAIM_PROTMEM', ok }),
  shutdown: { type: 'TEE_DEVICE_PUT_ALL_DMA_HEAPS' } as ProtectedHeapEvent,
};

const dynamic: Partial<ProtectedHeapInput> = { pool: 'dynamic', abi: 'ffa' };

/** A registered static heap serving the carveout. */
const serving = (d = heap) => d.run([ev.config(), ev.register()]);
/** A registered dynamic heap with nothing lent. */
const unlent = (input: Partial<ProtectedHeapInput> = {}, d = heap) =>
  d.run([ev.config(true, [], 4), ev.register()], { ...dynamic, ...input });
/** A dynamic heap lent to the secure world with one buffer of pages 20 and 21. */
const lent = (input: Partial<ProtectedHeapInput> = {}, d = heap) =>
  d.acceptAll(unlent(input, d), [ev.alloc([20, 21], CMA), ev.lend(true)]);

describe('configuration and registration', () => {
  it('queries the static carveout at run time (OPTEE_SMC_GET_PROTMEM_CONFIG) and registers the heap', () => {
    const configured = heap.accept(heap.start(), ev.config(true, [13, 12, 11, 10]));
    expect(configured.value).toBe('configured');
    expect(configured.context).toMatchObject({ pages: CARVEOUT, pageCount: 4, abi: 'smc' });
    expect(heap.accept(configured, ev.register()).value).toBe('registered.serving');
  });

  it('takes the carveout from the device tree in the device-tree variant, and only there', () => {
    const dt = heap.start({ configSource: 'deviceTree' });
    expect(heap.accept(dt, ev.dt()).context.pages).toEqual(CARVEOUT);
    expect(heap.refusalDifferences(dt, [[ev.config(), 'NOT_ISSUED']])).toEqual([]);
    expect(heap.refusalDifferences(heap.start(), [[ev.dt(), 'NOT_ISSUED']])).toEqual([]);
    expect(
      heap.refusalDifferences(heap.start({ ...dynamic, configSource: 'deviceTree' }), [
        [ev.dt(), 'NOT_ISSUED'],
      ]),
    ).toEqual([]);
    expect(heap.accept(dt, ev.dt(false)).value).toBe('unavailable');
  });

  it('queries the dynamic pool size (OPTEE_MSG_CMD_GET_PROTMEM_CONFIG) and registers it unlent', () => {
    const configured = heap.accept(heap.start(dynamic), ev.config(true, [], 4));
    expect(configured.context).toMatchObject({ pages: [], pageCount: 4 });
    expect(heap.accept(configured, ev.register()).value).toBe('registered.unlent');
  });

  it('ends in unavailable when the query fails ("Protected memory service not available")', () => {
    const failed = heap.accept(heap.start(), ev.config(false));
    expect(failed.value).toBe('unavailable');
    expect(
      heap.refusalDifferences(failed, [
        [ev.alloc([10]), 'ENOENT'],
        [ev.register(), 'NOT_ISSUED'],
        [ev.shutdown, 'NO_EFFECT'],
      ]),
    ).toEqual([]);
  });

  it('refuses registration with -EBUSY when the heap id is bound, then destroys the pool', () => {
    const configured = heap.accept(heap.start(), ev.config());
    expect(heap.refusalDifferences(configured, [[ev.register(true), 'EBUSY']])).toEqual([]);
    expect(heap.refusalDifferences(serving(), [[ev.register(false), 'EBUSY']])).toEqual([]);
    expect(heap.accept(configured, ev.destroy).value).toBe('unavailable');
  });

  it('has no heap device to allocate from before registration (-ENOENT)', () => {
    expect(heap.refusalDifferences(heap.start(), [[ev.alloc([10]), 'ENOENT']])).toEqual([]);
    expect(
      heap.refusalDifferences(heap.accept(heap.start(), ev.config()), [[ev.alloc([10]), 'ENOENT']]),
    ).toEqual([]);
  });
});

describe('static pool', () => {
  it('hands out and takes back carveout pages through its gen_pool', () => {
    const one = heap.accept(serving(), ev.alloc([11, 10]));
    expect(one.context).toMatchObject({ allocated: [10, 11], buffers: 1 });
    const two = heap.accept(one, ev.alloc([12]));
    expect(two.context).toMatchObject({ allocated: [10, 11, 12], buffers: 2 });
    const back = heap.acceptEmitting(two, ev.free([10, 11]));
    expect(back.snap.context).toMatchObject({ allocated: [12], buffers: 1 });
    expect(back.emitted).toEqual([]);
  });

  it('refuses pages in use or outside the carveout with -ENOMEM and a foreign free with KERNEL_BUG', () => {
    const one = heap.accept(serving(), ev.alloc([10]));
    expect(
      heap.refusalDifferences(one, [
        [ev.alloc([10, 11]), 'ENOMEM'],
        [ev.alloc([30]), 'ENOMEM'],
        [ev.alloc([]), 'ENOMEM'],
        [ev.free([11]), 'KERNEL_BUG'],
      ]),
    ).toEqual([]);
  });
});

describe('shutdown (tee_device_put_all_dma_heaps)', () => {
  it('releases an idle heap at once; allocation then gives -EINVAL', () => {
    const released = heap.accept(serving(), ev.shutdown);
    expect(released.value).toBe('released');
    expect(
      heap.refusalDifferences(released, [
        [ev.alloc([10]), 'EINVAL'],
        [ev.shutdown, 'NO_EFFECT'],
      ]),
    ).toEqual([]);
  });

  it('keeps serving while buffers hold the heap and releases it with the last buffer', () => {
    const shutting = heap.acceptAll(serving(), [ev.alloc([10]), ev.shutdown]);
    expect(shutting.value).toBe('registered.serving');
    expect(shutting.context.shuttingDown).toBe(true);
    expect(heap.refusalDifferences(shutting, [[ev.shutdown, 'NO_EFFECT']])).toEqual([]);
    const more = heap.accept(shutting, ev.alloc([11]));
    expect(heap.accept(more, ev.free([10])).value).toBe('registered.serving');
    expect(heap.acceptAll(more, [ev.free([10]), ev.free([11])]).value).toBe('released');
  });

  it('releases a dynamic heap only after the last buffer’s reclaim', () => {
    const shutting = heap.acceptAll(lent(), [ev.shutdown, ev.free([20, 21])]);
    expect(shutting.value).toBe('registered.reclaiming');
    const { snap, emitted } = heap.acceptEmitting(shutting, ev.reclaim(true));
    expect(snap.value).toBe('released');
    expect(emitted).toEqual([
      {
        type: 'PAGES_RETURNED',
        pages: CMA,
        to: 'allocator',
        by: 'release_dyn_protmem',
        afterFailedReclaim: false,
      },
    ]);
    expect(heap.accept(unlent(), ev.shutdown).value).toBe('released');
  });

  it('sets the flag only while a lend or a reclaim holds a heap reference', () => {
    const lending = heap.acceptAll(unlent(), [ev.alloc([20], CMA), ev.shutdown]);
    expect(lending.value).toBe('registered.lending');
    expect(heap.accept(lending, ev.lend(false)).value).toBe('released');
    const reclaiming = heap.acceptAll(lent(), [ev.free([20, 21]), ev.shutdown]);
    expect(reclaiming.context.shuttingDown).toBe(true);
    expect(heap.accept(reclaiming, ev.reclaim(true)).value).toBe('released');
  });
});

describe('dynamic pool: lend and reclaim', () => {
  it('takes CMA pages on the first allocation and emits a lend request naming them', () => {
    const { snap, emitted } = heap.acceptEmitting(unlent(), ev.alloc([21, 20], [23, 22, 21, 20]));
    expect(snap.value).toBe('registered.lending');
    expect(snap.context).toMatchObject({ pages: CMA, pendingAlloc: [20, 21], buffers: 0 });
    expect(emitted).toEqual([
      {
        type: 'LEND_PROTMEM_REQUESTED',
        heapName: 'protected,secure-video',
        abi: 'ffa',
        via: 'FFA_MEM_LEND',
        pages: CMA,
      },
    ]);
    const smc = heap.acceptEmitting(unlent({ abi: 'smc' }), ev.alloc([20], CMA));
    expect(smc.emitted[0]).toMatchObject({ abi: 'smc', via: 'OPTEE_MSG_CMD_LEND_PROTMEM' });
  });

  it('completes the waiting allocation once the world says the lend succeeded', () => {
    const snap = lent();
    expect(snap.value).toBe('registered.lent');
    expect(snap.context).toMatchObject({ pages: CMA, allocated: [20, 21], buffers: 1, pendingAlloc: [] });
    const two = heap.accept(snap, ev.alloc([22]));
    expect(two.context).toMatchObject({ allocated: [20, 21, 22], buffers: 2 });
    expect(
      heap.refusalDifferences(two, [
        [ev.alloc([22]), 'ENOMEM'],
        [ev.alloc([30]), 'ENOMEM'],
        [ev.free([23]), 'KERNEL_BUG'],
      ]),
    ).toEqual([]);
    expect(heap.accept(two, ev.free([22])).value).toBe('registered.lent');
  });

  it('refuses the first allocation with -ENOMEM when CMA has no room or the range is outside it', () => {
    expect(
      heap.refusalDifferences(unlent(), [
        [ev.alloc([20], []), 'ENOMEM'],
        [ev.alloc([20], [20, 21]), 'ENOMEM'],
        [ev.alloc([30], CMA), 'ENOMEM'],
      ]),
    ).toEqual([]);
  });

  it('does not issue allocations while the pool lends or reclaims (they sleep on rp->mutex)', () => {
    const lending = heap.accept(unlent(), ev.alloc([20], CMA));
    const reclaiming = heap.accept(lent(), ev.free([20, 21]));
    for (const snap of [lending, reclaiming])
      expect(heap.refusalDifferences(snap, [[ev.alloc([22]), 'NOT_ISSUED']])).toEqual([]);
  });

  it('frees the CMA pages and fails the allocation when the lend fails', () => {
    const { snap, emitted } = heap.acceptEmitting(heap.accept(unlent(), ev.alloc([20], CMA)), ev.lend(false));
    expect(snap.value).toBe('registered.unlent');
    expect(snap.context).toMatchObject({ pages: [], allocated: [], buffers: 0, pendingAlloc: [] });
    expect(emitted).toEqual([
      {
        type: 'PAGES_RETURNED',
        pages: CMA,
        to: 'allocator',
        by: 'init_dyn_protmem',
        afterFailedReclaim: false,
      },
    ]);
  });

  it('reclaims when the pool refcount reaches 0 and returns the pages to the kernel', () => {
    const reclaiming = heap.acceptEmitting(heap.accept(lent(), ev.alloc([22])), ev.free([20, 21]));
    expect(reclaiming.snap.value).toBe('registered.lent');
    const last = heap.acceptEmitting(reclaiming.snap, ev.free([22]));
    expect(last.snap.value).toBe('registered.reclaiming');
    expect(last.emitted).toEqual([
      {
        type: 'RECLAIM_PROTMEM_REQUESTED',
        heapName: 'protected,secure-video',
        abi: 'ffa',
        via: 'FFA_MEM_RECLAIM',
        pages: CMA,
      },
    ]);
    const done = heap.acceptEmitting(last.snap, ev.reclaim(true));
    expect(done.snap.value).toBe('registered.unlent');
    expect(done.snap.context).toMatchObject({ pages: [], allocated: [], buffers: 0 });
    expect(done.emitted).toEqual([
      {
        type: 'PAGES_RETURNED',
        pages: CMA,
        to: 'allocator',
        by: 'release_dyn_protmem',
        afterFailedReclaim: false,
      },
    ]);
    const smc = heap.acceptEmitting(heap.accept(lent({ abi: 'smc' }), ev.free([20, 21])), ev.reclaim(true));
    expect(smc.snap.value).toBe('registered.unlent');
  });

  it('quarantines after a failed reclaim under the quarantine policy and returns the pages upstream', () => {
    const quarantine = heap.accept(lent({ reclaimFailurePolicy: 'quarantine' }), ev.free([20, 21]));
    const kept = heap.acceptEmitting(quarantine, ev.reclaim(false));
    expect(kept.snap.value).toBe('registered.reclaimFailed');
    expect(kept.snap.context).toMatchObject({ quarantined: CMA, pages: [], buffers: 0 });
    expect(kept.emitted).toEqual([{ type: 'PAGES_QUARANTINED', pages: CMA, by: 'release_dyn_protmem' }]);

    const upstream = heap.accept(lent({ reclaimFailurePolicy: 'upstream' }), ev.free([20, 21]));
    const freed = heap.acceptEmitting(upstream, ev.reclaim(false));
    expect(freed.snap.value).toBe('registered.unlent');
    expect(freed.snap.context.quarantined).toEqual([]);
    expect(freed.emitted).toEqual([
      {
        type: 'PAGES_RETURNED',
        pages: CMA,
        to: 'allocator',
        by: 'release_dyn_protmem',
        afterFailedReclaim: true,
      },
    ]);
  });

  it('treats a failed FF-A lend rollback like a failed reclaim', () => {
    const lending = (input: Partial<ProtectedHeapInput>) => heap.accept(unlent(input), ev.alloc([20], CMA));
    const kept = heap.acceptEmitting(lending({ reclaimFailurePolicy: 'quarantine' }), ev.lend(false, false));
    expect(kept.snap.value).toBe('registered.reclaimFailed');
    expect(kept.emitted).toEqual([{ type: 'PAGES_QUARANTINED', pages: CMA, by: 'init_dyn_protmem' }]);
    const freed = heap.acceptEmitting(lending({ reclaimFailurePolicy: 'upstream' }), ev.lend(false, false));
    expect(freed.emitted).toEqual([
      {
        type: 'PAGES_RETURNED',
        pages: CMA,
        to: 'allocator',
        by: 'init_dyn_protmem',
        afterFailedReclaim: true,
      },
    ]);
    const shutting = heap.accept(lending({ reclaimFailurePolicy: 'quarantine' }), ev.shutdown);
    expect(heap.acceptEmitting(shutting, ev.lend(false, false)).snap.value).toBe('released');
  });

  it('lends fresh CMA pages after a quarantine and keeps the quarantined ones recorded', () => {
    const failed = heap.acceptAll(lent({ reclaimFailurePolicy: 'quarantine' }), [
      ev.free([20, 21]),
      ev.reclaim(false),
    ]);
    const again = heap.acceptAll(failed, [ev.alloc([30], [30, 31, 32, 33]), ev.lend(true)]);
    expect(again.value).toBe('registered.lent');
    expect(again.context).toMatchObject({ pages: [30, 31, 32, 33], quarantined: CMA, buffers: 1 });
    const shutting = heap.acceptAll(lent({ reclaimFailurePolicy: 'quarantine' }), [
      ev.shutdown,
      ev.free([20, 21]),
    ]);
    expect(heap.accept(shutting, ev.reclaim(false)).value).toBe('released');
    expect(heap.accept(failed, ev.shutdown).value).toBe('released');
  });

  it('takes lend and reclaim answers only while it waits for them', () => {
    expect(
      heap.refusalDifferences(unlent(), [
        [ev.lend(true), 'NOT_ISSUED'],
        [ev.reclaim(true), 'NOT_ISSUED'],
        [ev.free([20]), 'NOT_ISSUED'],
      ]),
    ).toEqual([]);
    expect(heap.refusalDifferences(lent(), [[ev.reclaim(true), 'NOT_ISSUED']])).toEqual([]);
  });
});

describe('flaw', () => {
  it('reclaimFailureIgnored: the flawed pool reuses what the sound one quarantines', () => {
    const flawed = driver(protectedHeapMachine.provide(protectedHeapFlaws.reclaimFailureIgnored.provide));
    const failed = (d: typeof heap) =>
      d.acceptAll(lent({ reclaimFailurePolicy: 'quarantine' }, d), [ev.free([20, 21]), ev.reclaim(false)]);
    const sound = failed(heap);
    expect(sound.value).toBe('registered.reclaimFailed');
    expect(heap.refusalDifferences(sound, [[ev.alloc([20], CMA), 'NOT_ISSUED']])).toEqual([]);
    const bad = failed(flawed);
    expect(bad.value).toBe('registered.unlent');
    expect(flawed.accept(bad, ev.alloc([20], CMA)).value).toBe('registered.lending');
    expect(protectedHeapFlaws.reclaimFailureIgnored.summary).toMatch(/release_dyn_protmem\(\).*\.$/);
  });
});

describe('compiled and interpreted drivers agree', () => {
  const life: ProtectedHeapEvent[] = [
    ev.alloc([20], CMA),
    ev.dt(),
    ev.config(true, CARVEOUT, 4),
    ev.register(true),
    ev.register(false),
    ev.register(false),
    ev.alloc([20, 21], CMA),
    ev.alloc([10]),
    ev.lend(true),
    ev.alloc([22]),
    ev.alloc([11]),
    ev.free([20, 21]),
    ev.free([10]),
    ev.shutdown,
    ev.free([22]),
    ev.free([11]),
    ev.reclaim(false),
    ev.alloc([22]),
  ];

  it('steps static and dynamic pools identically under both policies and the flaw', () => {
    const machines = [
      protectedHeapMachine,
      protectedHeapMachine.provide(protectedHeapFlaws.reclaimFailureIgnored.provide),
    ];
    const inputs: Partial<ProtectedHeapInput>[] = [
      { pool: 'static' },
      { pool: 'dynamic', abi: 'ffa', reclaimFailurePolicy: 'quarantine' },
      { pool: 'dynamic', abi: 'smc', reclaimFailurePolicy: 'upstream' },
    ];
    const ends: string[] = [];
    const disagreements: string[] = [];
    for (const machine of machines) {
      for (const input of inputs) {
        const run = compareDrivers(machine, input, life);
        disagreements.push(...run.disagreements);
        ends.push(run.steps.at(-1)?.value ?? '');
      }
    }
    expect(disagreements).toEqual([]);
    expect(ends).toEqual(['released', 'released', 'released', 'released', 'released', 'released']);
  });
});

describe('snapshot predicates', () => {
  it('each is true in exactly the states it names', () => {
    expectTrueExactlyIn(protectedHeapMachine, poolIsUnlent, ['registered.unlent']);
    expectTrueExactlyIn(protectedHeapMachine, poolIsLending, ['registered.lending']);
    expectTrueExactlyIn(protectedHeapMachine, poolIsLent, ['registered.lent']);
    expectTrueExactlyIn(protectedHeapMachine, poolIsReclaiming, ['registered.reclaiming']);
  });
});
