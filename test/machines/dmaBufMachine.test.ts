/**
 * One dma-buf heap buffer against dma-heap.c, dma-buf.c and its exporter: the CPU-access rules
 * of tee_heap, the MTK restricted heap and the system/CMA heaps, fd holders and release, where
 * zeroing happens, the unrestrict failure policy, and the three flaws.
 */
import { describe, expect, it } from 'vitest';
import {
  bufferIsExported,
  bufferIsFree,
  bufferIsQuarantined,
  type DmaBufEmitted,
  type DmaBufEvent,
  dmaBufFlaws,
  dmaBufMachine,
  dmaBufRefusals,
  mtkRfcDmaBufRefusals,
} from '../../machines/dmaBufMachine.ts';
import type { DmaBufContext, DmaBufInput, DmaDirection, Party } from '../../machines/dmaBufState.ts';
import { protectedHeapFlaws } from '../../machines/protectedHeapMachine.ts';
import { compareDrivers, driverDisagreements, machineDriver } from '../support/machineDriver.ts';
import { expectTrueExactlyIn } from './statePredicates.ts';

const driver = (machine = dmaBufMachine, refusals = dmaBufRefusals) =>
  machineDriver<DmaBufContext, DmaBufEvent, DmaBufEmitted, DmaBufInput>(machine, refusals, {
    input: { heapKind: 'system' },
    merge: true,
  });

const buf = driver();

const ev = {
  alloc: (party: Party = 'decrypt', pages: number[] = [2, 1], argsValid = true): DmaBufEvent => ({
    type: 'DMA_HEAP_IOCTL_ALLOC',
    party,
    pages,
    argsValid,
  }),
  share: (party: Party, to: Party): DmaBufEvent => ({ type: 'DMA_BUF_SHARE_FD', party, to }),
  close: (party: Party): DmaBufEvent => ({ type: 'DMA_BUF_CLOSE', party }),
  attach: (party: Party, device: string): DmaBufEvent => ({ type: 'DMA_BUF_ATTACH', party, device }),
  map: (device: string, direction: DmaDirection = 'DMA_BIDIRECTIONAL'): DmaBufEvent => ({
    type: 'DMA_BUF_MAP_ATTACHMENT',
    device,
    direction,
  }),
  unmap: (device: string): DmaBufEvent => ({ type: 'DMA_BUF_UNMAP_ATTACHMENT', device }),
  detach: (device: string): DmaBufEvent => ({ type: 'DMA_BUF_DETACH', device }),
  mmap: (party: Party, vmaShared = true, withinBuffer = true): DmaBufEvent => ({
    type: 'DMA_BUF_MMAP',
    party,
    vmaShared,
    withinBuffer,
  }),
  munmap: (party: Party): DmaBufEvent => ({ type: 'DMA_BUF_MUNMAP', party }),
  vmap: (party: Party): DmaBufEvent => ({ type: 'DMA_BUF_VMAP', party }),
  vunmap: (party: Party): DmaBufEvent => ({ type: 'DMA_BUF_VUNMAP', party }),
  sync: (party: Party, flags: 'start' | 'end', flagsValid = true): DmaBufEvent => ({
    type: 'DMA_BUF_IOCTL_SYNC',
    party,
    flags,
    flagsValid,
  }),
  release: { type: 'DMA_BUF_RELEASE' } as DmaBufEvent,
  unrestrict: (ok: boolean): DmaBufEvent => ({ type: 'UNRESTRICT_BUF', ok }),
};

const teeStatic: Partial<DmaBufInput> = { heapKind: 'protectedStatic', exporter: 'teeHeap' };
const teeDynamic: Partial<DmaBufInput> = { heapKind: 'protectedDynamic', exporter: 'teeHeap' };
const mtkDynamic: Partial<DmaBufInput> = { heapKind: 'protectedDynamic', exporter: 'mtkRestrictedHeap' };
const mtkStatic: Partial<DmaBufInput> = { heapKind: 'protectedStatic', exporter: 'mtkRestrictedHeap' };

/** A buffer allocated by `decrypt` with pages 1 and 2. */
const allocated = (input: Partial<DmaBufInput> = {}, d = buf) => d.accept(d.start(input), ev.alloc());

describe('allocation (DMA_HEAP_IOCTL_ALLOC)', () => {
  it('zeroes system-heap pages at allocation (__GFP_ZERO) and hands the fd to the caller', () => {
    const { snap, emitted } = buf.acceptEmitting(buf.start(), ev.alloc('decrypt', [2, 1]));
    expect(snap.value).toBe('exported');
    expect(snap.context.pages).toEqual([1, 2]);
    expect(snap.context.fdHolders).toEqual(['decrypt']);
    expect(emitted).toEqual([
      { type: 'PAGES_ZEROED', pages: [1, 2], when: 'allocation', by: 'system_heap_allocate' },
      { type: 'FD_HANDED', to: 'decrypt', from: null, via: 'DMA_HEAP_IOCTL_ALLOC' },
    ]);
  });

  it('zeroes CMA pages in cma_heap_allocate() and MTK pages through SECMEM_ZALLOC', () => {
    expect(buf.acceptEmitting(buf.start({ heapKind: 'cma' }), ev.alloc()).emitted[0]).toMatchObject({
      type: 'PAGES_ZEROED',
      by: 'cma_heap_allocate',
    });
    expect(buf.acceptEmitting(buf.start(mtkDynamic), ev.alloc()).emitted[0]).toMatchObject({
      type: 'PAGES_ZEROED',
      by: 'MTK_TZCMD_SECMEM_ZALLOC',
    });
  });

  it('does not zero tee_heap pages at allocation', () => {
    for (const input of [teeStatic, teeDynamic]) {
      expect(buf.acceptEmitting(buf.start(input), ev.alloc()).emitted).toEqual([
        { type: 'FD_HANDED', to: 'decrypt', from: null, via: 'DMA_HEAP_IOCTL_ALLOC' },
      ]);
    }
  });

  it('refuses invalid ioctl arguments and a zero length with -EINVAL; an exported slot is not reused', () => {
    expect(
      buf.refusalDifferences(buf.start(), [
        [ev.alloc('decrypt', [1], false), 'EINVAL'],
        [ev.alloc('decrypt', []), 'EINVAL'],
      ]),
    ).toEqual([]);
    expect(buf.refusalDifferences(allocated(), [[ev.alloc('display', [7]), 'NOT_ISSUED']])).toEqual([]);
  });

  it('answers buffer calls on an empty slot as the kernel answers a bad fd or attachment', () => {
    expect(
      buf.refusalDifferences(buf.start(), [
        [ev.share('decrypt', 'vmm'), 'EINVAL'],
        [ev.close('decrypt'), 'EINVAL'],
        [ev.attach('decrypt', 'vpu'), 'EINVAL'],
        [ev.mmap('decrypt'), 'EINVAL'],
        [ev.vmap('decrypt'), 'EINVAL'],
        [ev.sync('decrypt', 'start'), 'EINVAL'],
        [ev.map('vpu'), 'EINVAL'],
        [ev.unmap('vpu'), 'NO_EFFECT'],
        [ev.detach('vpu'), 'NO_EFFECT'],
        [ev.munmap('decrypt'), 'NO_EFFECT'],
        [ev.vunmap('decrypt'), 'KERNEL_BUG'],
        [ev.release, 'NOT_ISSUED'],
        [ev.unrestrict(true), 'NOT_ISSUED'],
      ]),
    ).toEqual([]);
  });
});

describe('CPU access by exporter', () => {
  it('refuses CPU mmap of a protected buffer with the exporter code and allows it for a system-heap buffer', () => {
    expect(buf.refusalDifferences(allocated(teeStatic), [[ev.mmap('decrypt'), 'EINVAL']])).toEqual([]);
    expect(buf.refusalDifferences(allocated(teeDynamic), [[ev.mmap('decrypt'), 'EINVAL']])).toEqual([]);
    expect(buf.refusalDifferences(allocated(mtkDynamic), [[ev.mmap('decrypt'), 'EACCES']])).toEqual([]);
    const rfc = driver(dmaBufMachine, mtkRfcDmaBufRefusals);
    expect(rfc.refusalDifferences(allocated(mtkDynamic, rfc), [[ev.mmap('decrypt'), 'EPERM']])).toEqual([]);

    const { snap, emitted } = buf.acceptEmitting(allocated(), ev.mmap('decrypt'));
    expect(snap.context.mmaps).toEqual(['decrypt']);
    expect(emitted).toEqual([
      { type: 'CPU_MAPPING_CREATED', party: 'decrypt', kind: 'mmap', pages: [1, 2], protected: false },
    ]);
  });

  it('names the failing check: no mmap op for tee_heap, the op refusing for the MTK heap', () => {
    expect(buf.call(allocated(teeStatic), ev.mmap('decrypt'))).toMatchObject({
      failedGuard: 'exporterHasMmap',
    });
    expect(buf.call(allocated(mtkDynamic), ev.mmap('decrypt'))).toMatchObject({
      failedGuard: 'exporterMmapPermitsCpu',
    });
  });

  it('refuses vmap of a protected buffer (no vmap op) and allows it for system and CMA buffers', () => {
    for (const input of [teeStatic, teeDynamic, mtkDynamic, mtkStatic]) {
      expect(buf.refusalDifferences(allocated(input), [[ev.vmap('decrypt'), 'EINVAL']])).toEqual([]);
    }
    for (const heapKind of ['system', 'cma'] as const) {
      const { emitted } = buf.acceptEmitting(allocated({ heapKind }), ev.vmap('decrypt'));
      expect(emitted).toEqual([
        { type: 'CPU_MAPPING_CREATED', party: 'decrypt', kind: 'vmap', pages: [1, 2], protected: false },
      ]);
    }
  });

  it('allows DMA_BUF_IOCTL_SYNC on a tee_heap buffer and refuses it with -EACCES on the MTK heap', () => {
    const started = buf.accept(allocated(teeStatic), ev.sync('decrypt', 'start'));
    expect(started.context.cpuAccess).toEqual(['decrypt']);
    expect(buf.accept(started, ev.sync('decrypt', 'end')).context.cpuAccess).toEqual([]);
    expect(
      buf.refusalDifferences(allocated(mtkDynamic), [
        [ev.sync('decrypt', 'start'), 'EACCES'],
        [ev.sync('decrypt', 'end'), 'EACCES'],
      ]),
    ).toEqual([]);
    const rfc = driver(dmaBufMachine, mtkRfcDmaBufRefusals);
    expect(
      rfc.refusalDifferences(allocated(mtkDynamic, rfc), [[ev.sync('decrypt', 'start'), 'EPERM']]),
    ).toEqual([]);
  });

  it('checks the sync flags before the exporter, and the fd before both', () => {
    expect(
      buf.refusalDifferences(allocated(mtkDynamic), [
        [ev.sync('decrypt', 'start', false), 'EINVAL'],
        [ev.sync('display', 'start'), 'EINVAL'],
      ]),
    ).toEqual([]);
    expect(buf.call(allocated(mtkDynamic), ev.sync('display', 'start'))).toMatchObject({
      failedGuard: 'partyHoldsFd',
    });
  });

  it('maps CMA buffers only through a shared VMA (cma_heap_mmap -EINVAL)', () => {
    const cma = allocated({ heapKind: 'cma' });
    expect(buf.refusalDifferences(cma, [[ev.mmap('decrypt', false), 'EINVAL']])).toEqual([]);
    expect(buf.accept(cma, ev.mmap('decrypt', true)).context.mmaps).toEqual(['decrypt']);
    expect(buf.accept(allocated(), ev.mmap('decrypt', false)).context.mmaps).toEqual(['decrypt']);
  });

  it('refuses an mmap beyond the buffer, by a party without the fd, or a second one by the same party', () => {
    const mapped = buf.accept(allocated(), ev.mmap('decrypt'));
    expect(
      buf.refusalDifferences(allocated(), [
        [ev.mmap('decrypt', true, false), 'EINVAL'],
        [ev.mmap('vmm'), 'EINVAL'],
      ]),
    ).toEqual([]);
    expect(buf.refusalDifferences(mapped, [[ev.mmap('decrypt'), 'NOT_ISSUED']])).toEqual([]);
    const { snap, emitted } = buf.acceptEmitting(mapped, ev.munmap('decrypt'));
    expect(snap.context.mmaps).toEqual([]);
    expect(emitted).toEqual([{ type: 'CPU_MAPPING_REMOVED', party: 'decrypt', kind: 'mmap', pages: [1, 2] }]);
    expect(buf.refusalDifferences(snap, [[ev.munmap('decrypt'), 'NO_EFFECT']])).toEqual([]);
  });

  it('lets an attached device driver vmap, refuses a stranger, and BUG()s on an unbalanced vunmap', () => {
    const attached = buf.accept(allocated(), ev.attach('decrypt', 'display'));
    const vmapped = buf.accept(attached, ev.vmap('display'));
    expect(vmapped.context.vmaps).toEqual(['display']);
    expect(
      buf.refusalDifferences(vmapped, [
        [ev.vmap('display'), 'NOT_ISSUED'],
        [ev.vmap('vmm'), 'EINVAL'],
        [ev.vunmap('vmm'), 'KERNEL_BUG'],
      ]),
    ).toEqual([]);
    const { snap, emitted } = buf.acceptEmitting(vmapped, ev.vunmap('display'));
    expect(snap.context.vmaps).toEqual([]);
    expect(emitted).toEqual([{ type: 'CPU_MAPPING_REMOVED', party: 'display', kind: 'vmap', pages: [1, 2] }]);
  });
});

describe('device attachments', () => {
  it('attaches, maps, unmaps and detaches any device (no exporter checks the device)', () => {
    const attached = buf.accept(allocated(teeStatic), ev.attach('decrypt', 'vpu'));
    expect(attached.context.attachments).toEqual([{ device: 'vpu', party: 'decrypt', direction: null }]);
    const mapped = buf.acceptEmitting(attached, ev.map('vpu', 'DMA_FROM_DEVICE'));
    expect(mapped.emitted).toEqual([
      {
        type: 'DMA_MAPPING_CREATED',
        device: 'vpu',
        direction: 'DMA_FROM_DEVICE',
        pages: [1, 2],
        protected: true,
      },
    ]);
    expect(mapped.snap.context.attachments[0]?.direction).toBe('DMA_FROM_DEVICE');
    const unmapped = buf.acceptEmitting(mapped.snap, ev.unmap('vpu'));
    expect(unmapped.emitted).toEqual([{ type: 'DMA_MAPPING_REMOVED', device: 'vpu', pages: [1, 2] }]);
    expect(buf.accept(unmapped.snap, ev.detach('vpu')).context.attachments).toEqual([]);
  });

  it('refuses each attachment call out of order with the core code', () => {
    const attached = buf.accept(allocated(teeStatic), ev.attach('decrypt', 'vpu'));
    const mapped = buf.accept(attached, ev.map('vpu'));
    expect(
      buf.refusalDifferences(allocated(teeStatic), [
        [ev.attach('vmm', 'vpu'), 'EINVAL'],
        [ev.map('vpu'), 'EINVAL'],
        [ev.unmap('vpu'), 'NO_EFFECT'],
        [ev.detach('vpu'), 'NO_EFFECT'],
      ]),
    ).toEqual([]);
    expect(
      buf.refusalDifferences(attached, [
        [ev.attach('decrypt', 'vpu'), 'NOT_ISSUED'],
        [ev.unmap('vpu'), 'NO_EFFECT'],
      ]),
    ).toEqual([]);
    expect(
      buf.refusalDifferences(mapped, [
        [ev.map('vpu'), 'NOT_ISSUED'],
        [ev.detach('vpu'), 'NOT_ISSUED'],
      ]),
    ).toEqual([]);
  });
});

describe('fd holders and release', () => {
  it('hands the fd to another party and releases only after the last fd holder closes', () => {
    const { snap: shared, emitted } = buf.acceptEmitting(allocated(teeStatic), ev.share('decrypt', 'vmm'));
    expect(emitted).toEqual([{ type: 'FD_HANDED', to: 'vmm', from: 'decrypt', via: 'DMA_BUF_SHARE_FD' }]);
    expect(shared.context.fdHolders).toEqual(['decrypt', 'vmm']);
    const oneLeft = buf.accept(shared, ev.close('decrypt'));
    expect(buf.refusalDifferences(oneLeft, [[ev.release, 'NOT_ISSUED']])).toEqual([]);
    const none = buf.accept(oneLeft, ev.close('vmm'));
    expect(buf.accept(none, ev.release).value).toBe('free');
  });

  it('keeps the file alive while an importer is attached or a VMA maps it', () => {
    let snap = buf.acceptAll(allocated(), [
      ev.attach('decrypt', 'display'),
      ev.mmap('decrypt'),
      ev.close('decrypt'),
    ]);
    expect(buf.refusalDifferences(snap, [[ev.release, 'NOT_ISSUED']])).toEqual([]);
    snap = buf.accept(snap, ev.detach('display'));
    expect(buf.refusalDifferences(snap, [[ev.release, 'NOT_ISSUED']])).toEqual([]);
    snap = buf.accept(snap, ev.munmap('decrypt'));
    expect(buf.accept(snap, ev.release).value).toBe('free');
  });

  it('refuses release while a kernel vmap is left: BUG_ON(vmapping_counter)', () => {
    const snap = buf.acceptAll(allocated(), [ev.vmap('decrypt'), ev.close('decrypt')]);
    expect(buf.refusalDifferences(snap, [[ev.release, 'KERNEL_BUG']])).toEqual([]);
  });

  it('refuses sharing or closing an fd the party does not hold, and a second fd for the same party', () => {
    expect(
      buf.refusalDifferences(allocated(), [
        [ev.share('vmm', 'display'), 'EINVAL'],
        [ev.share('decrypt', 'decrypt'), 'NOT_ISSUED'],
        [ev.close('vmm'), 'EINVAL'],
      ]),
    ).toEqual([]);
  });
});

describe('free path', () => {
  const releasedFrom = (input: Partial<DmaBufInput>, d = buf) =>
    d.acceptEmitting(d.accept(allocated(input, d), ev.close('decrypt')), ev.release);

  it('emits the zeroing on free under the zero policy and not under none', () => {
    const zero = releasedFrom({ ...teeStatic, scrubOnFree: 'zero' });
    expect(zero.snap.value).toBe('free');
    expect(zero.emitted).toEqual([
      { type: 'PAGES_ZEROED', pages: [1, 2], when: 'free', by: 'scrubOnFree' },
      {
        type: 'PAGES_RETURNED',
        pages: [1, 2],
        to: 'protectedPool',
        by: 'protmem_pool_op_static_free',
        afterFailedReclaim: false,
      },
    ]);
    const none = releasedFrom({ ...teeStatic, scrubOnFree: 'none' });
    expect(none.emitted).toEqual([
      {
        type: 'PAGES_RETURNED',
        pages: [1, 2],
        to: 'protectedPool',
        by: 'protmem_pool_op_static_free',
        afterFailedReclaim: false,
      },
    ]);
    expect(none.snap.context).toMatchObject({
      pages: [],
      fdHolders: [],
      attachments: [],
      mmaps: [],
      vmaps: [],
    });
  });

  it('gives system and CMA pages back to the allocator unscrubbed: they were zeroed at allocation', () => {
    expect(releasedFrom({ heapKind: 'system' }).emitted).toEqual([
      {
        type: 'PAGES_RETURNED',
        pages: [1, 2],
        to: 'allocator',
        by: 'system_heap_dma_buf_release',
        afterFailedReclaim: false,
      },
    ]);
    expect(releasedFrom({ heapKind: 'cma' }).emitted).toEqual([
      {
        type: 'PAGES_RETURNED',
        pages: [1, 2],
        to: 'allocator',
        by: 'cma_heap_dma_buf_release',
        afterFailedReclaim: false,
      },
    ]);
  });

  it('gives a tee_heap dynamic buffer back to the lent pool, whose reclaim is the pool machine’s', () => {
    expect(releasedFrom(teeDynamic).emitted).toEqual([
      {
        type: 'PAGES_RETURNED',
        pages: [1, 2],
        to: 'protectedPool',
        by: 'protmem_pool_op_dyn_free',
        afterFailedReclaim: false,
      },
    ]);
  });

  it('reuses a freed slot with the pages the world picks next', () => {
    const { snap } = releasedFrom({ heapKind: 'system' });
    expect(buf.accept(snap, ev.alloc('display', [9])).context).toMatchObject({
      pages: [9],
      fdHolders: ['display'],
    });
  });

  it('asks the secure world to unrestrict an MTK buffer before freeing it', () => {
    const released = releasedFrom(mtkDynamic);
    expect(released.snap.value).toBe('reclaiming');
    expect(released.emitted).toEqual([{ type: 'UNRESTRICT_BUF_REQUESTED', pages: [1, 2] }]);
    const done = buf.acceptEmitting(released.snap, ev.unrestrict(true));
    expect(done.snap.value).toBe('free');
    expect(done.emitted).toEqual([
      {
        type: 'PAGES_RETURNED',
        pages: [1, 2],
        to: 'allocator',
        by: 'restricted_heap_memory_free',
        afterFailedReclaim: false,
      },
    ]);
    const carveout = buf.acceptEmitting(releasedFrom(mtkStatic).snap, ev.unrestrict(true));
    expect(carveout.emitted[0]).toMatchObject({ type: 'PAGES_RETURNED', to: 'protectedPool' });
    expect(releasedFrom({ ...mtkDynamic, scrubOnFree: 'zero' }).emitted).toEqual([
      { type: 'PAGES_ZEROED', pages: [1, 2], when: 'free', by: 'scrubOnFree' },
      { type: 'UNRESTRICT_BUF_REQUESTED', pages: [1, 2] },
    ]);
  });

  it('quarantines after a failed reclaim under the quarantine policy and returns the pages upstream', () => {
    const quarantine = releasedFrom({ ...mtkDynamic, reclaimFailurePolicy: 'quarantine' });
    const kept = buf.acceptEmitting(quarantine.snap, ev.unrestrict(false));
    expect(kept.snap.value).toBe('quarantined');
    expect(kept.snap.context.pages).toEqual([1, 2]);
    expect(kept.emitted).toEqual([
      { type: 'PAGES_QUARANTINED', pages: [1, 2], by: 'restricted_heap_memory_free' },
    ]);
    expect(buf.refusalDifferences(kept.snap, [[ev.alloc('display', [9]), 'NOT_ISSUED']])).toEqual([]);

    const upstream = releasedFrom({ ...mtkDynamic, reclaimFailurePolicy: 'upstream' });
    const freed = buf.acceptEmitting(upstream.snap, ev.unrestrict(false));
    expect(freed.snap.value).toBe('free');
    expect(freed.emitted).toEqual([
      {
        type: 'PAGES_RETURNED',
        pages: [1, 2],
        to: 'allocator',
        by: 'restricted_heap_memory_free',
        afterFailedReclaim: true,
      },
    ]);
  });

  it('takes no buffer call while the secure world is reclaiming', () => {
    expect(
      buf.refusalDifferences(releasedFrom(mtkDynamic).snap, [
        [ev.mmap('decrypt'), 'EINVAL'],
        [ev.alloc('display', [9]), 'NOT_ISSUED'],
        [ev.release, 'NOT_ISSUED'],
      ]),
    ).toEqual([]);
  });
});

describe('flaws', () => {
  it('cpuMmapAllowedOnProtected: the flawed exporter maps protected buffers the sound one refuses', () => {
    const flawed = driver(dmaBufMachine.provide(dmaBufFlaws.cpuMmapAllowedOnProtected.provide));
    for (const input of [teeStatic, teeDynamic, mtkDynamic]) {
      expect(buf.call(allocated(input), ev.mmap('decrypt')).ok).toBe(false);
      const { emitted } = flawed.acceptEmitting(allocated(input, flawed), ev.mmap('decrypt'));
      expect(emitted).toEqual([
        { type: 'CPU_MAPPING_CREATED', party: 'decrypt', kind: 'mmap', pages: [1, 2], protected: true },
      ]);
    }
  });

  it('noScrubOnFree: the flawed free path returns the pages without the zeroing the policy requires', () => {
    const flawed = driver(dmaBufMachine.provide(dmaBufFlaws.noScrubOnFree.provide));
    const input = { ...teeStatic, scrubOnFree: 'zero' as const };
    const release = (d: typeof buf) =>
      d.acceptEmitting(d.accept(allocated(input, d), ev.close('decrypt')), ev.release);
    expect(release(buf).emitted.map((e) => e.type)).toEqual(['PAGES_ZEROED', 'PAGES_RETURNED']);
    expect(release(flawed).emitted.map((e) => e.type)).toEqual(['PAGES_RETURNED']);
  });

  it('reclaimFailureIgnored: the flawed slot is reused after a failed reclaim the sound one quarantines', () => {
    const flawed = driver(dmaBufMachine.provide(dmaBufFlaws.reclaimFailureIgnored.provide));
    const input = { ...mtkDynamic, reclaimFailurePolicy: 'quarantine' as const };
    const failed = (d: typeof buf) =>
      d.accept(d.acceptAll(allocated(input, d), [ev.close('decrypt'), ev.release]), ev.unrestrict(false));
    expect(buf.refusalDifferences(failed(buf), [[ev.alloc('display', [9]), 'NOT_ISSUED']])).toEqual([]);
    expect(flawed.accept(failed(flawed), ev.alloc('display', [9])).value).toBe('exported');
  });

  it('describes each flaw once, naming the source it stands for, or points at the entry that does', () => {
    const { reclaimFailureIgnored, ...own } = dmaBufFlaws;
    for (const flaw of Object.values(own)) expect(flaw.summary).toMatch(/^[A-Z].*\w+\(\).*\.$/);
    expect(reclaimFailureIgnored.describedBy).toBe(protectedHeapFlaws.reclaimFailureIgnored);
  });
});

describe('compiled and interpreted drivers agree', () => {
  const life: DmaBufEvent[] = [
    ev.mmap('decrypt'),
    ev.alloc('decrypt', [3, 1]),
    ev.alloc('decrypt', [4]),
    ev.share('decrypt', 'vmm'),
    ev.share('decrypt', 'vmm'),
    ev.attach('vmm', 'display'),
    ev.map('display', 'DMA_TO_DEVICE'),
    ev.mmap('decrypt', false),
    ev.mmap('decrypt'),
    ev.vmap('display'),
    ev.sync('decrypt', 'start'),
    ev.sync('decrypt', 'end', false),
    ev.close('decrypt'),
    ev.release,
    ev.detach('display'),
    ev.unmap('display'),
    ev.detach('display'),
    ev.munmap('decrypt'),
    ev.vunmap('display'),
    ev.close('vmm'),
    ev.release,
    ev.unrestrict(false),
    ev.alloc('display', [5]),
  ];

  it('steps a buffer life on every exporter identically', () => {
    const cases: [Partial<DmaBufInput>, string][] = [
      [{ heapKind: 'system' }, 'exported'],
      [{ heapKind: 'cma', scrubOnFree: 'zero' }, 'exported'],
      [teeStatic, 'exported'],
      [teeDynamic, 'exported'],
      [{ ...mtkDynamic, reclaimFailurePolicy: 'quarantine' }, 'quarantined'],
      [{ ...mtkDynamic, reclaimFailurePolicy: 'upstream' }, 'exported'],
    ];
    for (const [input, last] of cases) {
      const run = compareDrivers(dmaBufMachine, input, life);
      expect(run.disagreements).toEqual([]);
      const trace = run.steps;
      expect(trace.at(-1)?.value).toBe(last);
      expect(trace.filter((t) => t.accepted).length).toBeGreaterThan(8);
    }
  });

  it('steps the flawed machines identically', () => {
    for (const flaw of Object.values(dmaBufFlaws)) {
      expect(
        driverDisagreements(
          dmaBufMachine.provide(flaw.provide),
          { ...mtkDynamic, scrubOnFree: 'zero', reclaimFailurePolicy: 'quarantine' },
          life,
        ),
      ).toEqual([]);
    }
  });
});

describe('snapshot predicates', () => {
  it('each is true in exactly the states it names', () => {
    expectTrueExactlyIn(dmaBufMachine, bufferIsExported, ['exported']);
    expectTrueExactlyIn(dmaBufMachine, bufferIsFree, ['free']);
    expectTrueExactlyIn(dmaBufMachine, bufferIsQuarantined, ['quarantined']);
  });
});
