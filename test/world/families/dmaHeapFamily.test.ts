/**
 * The dma-buf heap family and its steps: a pool machine per protected heap and a dma-buf machine
 * per heap buffer, with the inputs each heap kind and exporter gives them; how the host finds and
 * registers a pool at boot; a dma-buf's zeroing landing on its pages' contents and a protected
 * buffer's pages going back to its pool; and the steps on buffers (allocate, pass the fd on, map,
 * release) and on a dynamic pool (the lend on first allocation through the pKVM FF-A proxy, the
 * secure world's retrieve, the reclaim that succeeds or fails).
 */
import { describe, expect, it } from 'vitest';
import { ZERO_LABEL } from '../../../machines/contentLabel.ts';
import { bufferIsExported, bufferIsFree } from '../../../machines/dmaBufMachine.ts';
import { hostPageState } from '../../../machines/pkvmPageState.ts';
import { poolIsLending, poolIsLent, poolIsUnlent } from '../../../machines/protectedHeapMachine.ts';
import { type StepInput, snapshotOf, WorldBuilder } from '../../../src/world/builder.ts';
import {
  addDmaHeapFamily,
  allocateDelivery,
  type DmaBuf,
  type HeapBuffer,
  pendingAllocation,
} from '../../../src/world/families/dmaHeapFamily.ts';
import {
  addHeapSteps,
  addPoolSteps,
  allocateBuffer,
  type HeapStepContext,
  releaseBuffer,
  shareFd,
} from '../../../src/world/families/dmaHeapSteps.ts';
import { addFfaFamily } from '../../../src/world/families/ffaFamily.ts';
import { addPageContentFamily } from '../../../src/world/families/pageContentFamily.ts';
import { addPkvmFamily } from '../../../src/world/families/pkvmFamily.ts';
import { resolveLayout } from '../../../src/world/layout.ts';
import {
  applied,
  booted,
  delivered,
  deliveryOutcome,
  deliveryTypes,
  stepOf,
  tinyDesign,
} from '../../support/tinyWorld.ts';

/** Every heap kind and exporter, no hypervisor; Hafnium, which a dynamic pool is lent through. */
const HEAPS_BODY = `
hypervisor: { kind: none }
secureWorld: { tee: true, spmc: hafnium }
memory:
  - { name: dram, pages: 3 }
  - { name: carveout, pages: 1, type: nomap }
  - { name: queried, pages: 1, type: nomap, knownBy: runtimeQuery }
  - { name: cma, pages: 1, knownBy: dynamicLending }
heaps:
  - { name: system, kind: system, region: dram }
  - { name: camera, kind: cma, region: dram }
  - { name: secure-video, kind: protectedStatic, region: carveout, exporter: teeHeap }
  - { name: restricted, kind: protectedStatic, region: queried, exporter: mtkRestricted, scrub: quarantine }
  - { name: dynamic, kind: protectedDynamic, region: cma, exporter: teeHeap, scrub: none }
buffers:
  - { name: ciphertext, heap: system }
  - { name: preview, heap: camera }
  - { name: frame, heap: secure-video }
  - { name: overlay, heap: restricted }
  - { name: lent, heap: dynamic }
  - { name: raw, region: dram }
devices:
  - { name: dpu, role: display }
streams:
  - { name: movie, audience: [secure, dpu] }
pipeline:
  stream: movie
  input: ciphertext
  decrypt: { by: secure, output: frame }
  display: { by: dpu }
`;
const HEAPS = tinyDesign(HEAPS_BODY);

type Served = HeapBuffer & { readonly dmaBuf: DmaBuf };

/** Heaps and contents on a tiny builder; `queued` and `imported` stand in for the device and virtio families. */
function heapWorld(steps: (context: HeapStepContext, add: (step: StepInput) => void) => void = () => {}) {
  const builder = new WorldBuilder();
  const layout = resolveLayout(HEAPS);
  const content = addPageContentFamily(builder, layout);
  const heaps = addDmaHeapFamily(builder, HEAPS, layout, content);
  const ffa = addFfaFamily(builder, HEAPS, undefined, content);
  const context: HeapStepContext = {
    heaps,
    ffa,
    content,
    queued: () => false,
    queueReads: [],
    imported: () => false,
    importReads: () => [],
  };
  steps(context, (step) => builder.addStep(step));
  const world = builder.build({ guestNames: [], guestProtected: [], kernel: 'upstream' });
  const served = (name: string) => heaps.bufferByName.get(name) as Served;
  return { world, heaps, content, context, served };
}

describe('dma-buf heap family components', () => {
  it('adds a pool per protected heap and a dma-buf per heap buffer, with the inputs the heap kind gives', () => {
    const { world, heaps } = heapWorld();
    const rows = world.components
      .filter((c) => c.kind !== 'pageContent' && c.kind !== 'ffaTransaction')
      .map((c) => [c.id, c.kind, c.input]);
    expect(rows).toEqual([
      [
        'pool:secure-video',
        'protectedPool',
        {
          pool: 'static',
          configSource: 'deviceTree',
          heapName: 'protected,secure-video',
          reclaimFailurePolicy: 'upstream',
        },
      ],
      [
        'pool:restricted',
        'protectedPool',
        {
          pool: 'static',
          configSource: 'query',
          heapName: 'protected,restricted',
          reclaimFailurePolicy: 'quarantine',
        },
      ],
      [
        'pool:dynamic',
        'protectedPool',
        {
          pool: 'dynamic',
          configSource: 'query',
          heapName: 'protected,dynamic',
          reclaimFailurePolicy: 'upstream',
        },
      ],
      [
        'buffer:ciphertext',
        'dmaHeapBuffer',
        { heapKind: 'system', exporter: 'systemHeap', scrubOnFree: 'zero', reclaimFailurePolicy: 'upstream' },
      ],
      [
        'buffer:preview',
        'dmaHeapBuffer',
        { heapKind: 'cma', exporter: 'cmaHeap', scrubOnFree: 'zero', reclaimFailurePolicy: 'upstream' },
      ],
      [
        'buffer:frame',
        'dmaHeapBuffer',
        {
          heapKind: 'protectedStatic',
          exporter: 'teeHeap',
          scrubOnFree: 'zero',
          reclaimFailurePolicy: 'upstream',
        },
      ],
      [
        'buffer:overlay',
        'dmaHeapBuffer',
        {
          heapKind: 'protectedStatic',
          exporter: 'mtkRestrictedHeap',
          scrubOnFree: 'zero',
          reclaimFailurePolicy: 'quarantine',
        },
      ],
      [
        'buffer:lent',
        'dmaHeapBuffer',
        {
          heapKind: 'protectedDynamic',
          exporter: 'teeHeap',
          scrubOnFree: 'none',
          reclaimFailurePolicy: 'upstream',
        },
      ],
    ]);
    expect(heaps.buffers.map((b) => [b.name, b.pages, b.protected, b.dmaBuf !== undefined])).toEqual([
      ['ciphertext', [0], false, true],
      ['preview', [1], false, true],
      ['frame', [3], true, true],
      ['overlay', [4], true, true],
      ['lent', [5], true, true],
      ['raw', [2], false, false],
    ]);
    expect(heaps.pools.map((p) => [p.heap.name, p.pages])).toEqual([
      ['secure-video', [3]],
      ['restricted', [4]],
      ['dynamic', [5]],
    ]);
    const frame = heaps.bufferByName.get('frame')!;
    expect(heaps.bufferOf(frame.dmaBuf!)).toBe(frame);
  });

  it('finds each pool the way its region is known, then registers its heap', () => {
    const { world, heaps } = heapWorld();
    expect(heaps.boot.map((s) => [s.actor, s.call, s.subject, deliveryTypes(world, s.deliveries)])).toEqual([
      ['host', 'of_reserved_mem_lookup()', 'heap secure-video', ['pool:secure-video OF_RESERVED_MEM_LOOKUP']],
      [
        'host',
        'tee_device_register_dma_heap()',
        'heap secure-video',
        ['pool:secure-video TEE_DEVICE_REGISTER_DMA_HEAP'],
      ],
      ['host', 'OPTEE_SMC_GET_PROTMEM_CONFIG', 'heap restricted', ['pool:restricted GET_PROTMEM_CONFIG']],
      [
        'host',
        'tee_device_register_dma_heap()',
        'heap restricted',
        ['pool:restricted TEE_DEVICE_REGISTER_DMA_HEAP'],
      ],
      ['host', 'OPTEE_MSG_CMD_GET_PROTMEM_CONFIG', 'heap dynamic', ['pool:dynamic GET_PROTMEM_CONFIG']],
      [
        'host',
        'tee_device_register_dma_heap()',
        'heap dynamic',
        ['pool:dynamic TEE_DEVICE_REGISTER_DMA_HEAP'],
      ],
    ]);
    expect(heaps.boot[4]!.deliveries[0]!.event).toEqual({
      type: 'GET_PROTMEM_CONFIG',
      ok: true,
      pages: [5],
      pageCount: 1,
    });
    const state = booted(world, heaps.boot);
    const dynamic = heaps.poolOf.get('dynamic')!;
    expect([heaps.unlent(state, dynamic), heaps.lent(state, dynamic), heaps.lending(state, dynamic)]).toEqual(
      [true, false, false],
    );
    expect(snapshotOf(state, heaps.poolOf.get('secure-video')!).context.pages).toEqual([3]);
  });

  it("scrubs a buffer's pages when its dma-buf zeroes them, on allocation and on free", () => {
    const { world, heaps, content, served } = heapWorld();
    const ciphertext = served('ciphertext');
    const stale = delivered(world, booted(world, heaps.boot), content.writeCiphertext([0], 'movie'));
    const allocated = delivered(world, stale, [allocateDelivery(ciphertext)]);
    expect(content.labelOf(allocated, 0)).toEqual(ZERO_LABEL);
    const written = delivered(world, allocated, content.writeCiphertext([0], 'movie'));
    const freed = delivered(world, written, [
      { component: ciphertext.dmaBuf, event: { type: 'DMA_BUF_CLOSE', party: 'host' } },
      { component: ciphertext.dmaBuf, event: { type: 'DMA_BUF_RELEASE' } },
    ]);
    expect([bufferIsFree(snapshotOf(freed, ciphertext.dmaBuf)), content.labelOf(freed, 0)]).toEqual([
      true,
      ZERO_LABEL,
    ]);
  });

  it("returns a protected buffer's pages to its pool when the buffer is freed (tee_heap_buf_free())", () => {
    const { world, heaps } = heapWorld((context, add) => {
      const frame = context.heaps.bufferByName.get('frame') as Served;
      add(allocateBuffer(context, frame));
      add(releaseBuffer(context, frame));
    });
    const pool = heaps.poolOf.get('secure-video')!;
    const allocate = stepOf(world, 'DMA_HEAP_IOCTL_ALLOC', { buffer: 'frame' });
    const state = booted(world, heaps.boot);
    expect(deliveryTypes(world, allocate.plan(state))).toEqual([
      'pool:secure-video TEE_DMA_HEAP_ALLOC',
      'buffer:frame DMA_HEAP_IOCTL_ALLOC',
    ]);
    const allocated = applied(world, state, allocate);
    expect(snapshotOf(allocated, pool).context.allocated).toEqual([3]);
    const released = applied(world, allocated, stepOf(world, 'DMA_BUF_RELEASE', { buffer: 'frame' }));
    expect(snapshotOf(released, pool).context.allocated).toEqual([]);
  });
});

describe('dma-buf heap steps', () => {
  it('offers, per heap buffer, its allocation, the fd passes within a VM, the mappings by untrusted parties, the release', () => {
    const { world } = heapWorld((context, add) =>
      addHeapSteps(add, context, {
        canHold: ['host', 'vmm', 'app'],
        trusted: (party) => party === 'app',
        vmOf: (party) => (party === 'app' ? 'app' : 'host'),
      }),
    );
    const rows = world.steps
      .filter((s) => s.args.buffer === 'ciphertext')
      .map((s) => [s.action, s.call, s.actor, s.role, s.args]);
    expect(rows).toEqual([
      ['allocateBuffer', 'DMA_HEAP_IOCTL_ALLOC', 'host', 'pipeline', { buffer: 'ciphertext' }],
      ['shareFd', 'DMA_BUF_SHARE_FD', 'host', 'adversary', { buffer: 'ciphertext', from: 'host', to: 'vmm' }],
      ['shareFd', 'DMA_BUF_SHARE_FD', 'vmm', 'adversary', { buffer: 'ciphertext', from: 'vmm', to: 'host' }],
      ['mmapBuffer', 'DMA_BUF_MMAP', 'host', 'adversary', { buffer: 'ciphertext', party: 'host' }],
      ['vmapBuffer', 'DMA_BUF_VMAP', 'host', 'adversary', { buffer: 'ciphertext', party: 'host' }],
      ['mmapBuffer', 'DMA_BUF_MMAP', 'vmm', 'adversary', { buffer: 'ciphertext', party: 'vmm' }],
      ['vmapBuffer', 'DMA_BUF_VMAP', 'vmm', 'adversary', { buffer: 'ciphertext', party: 'vmm' }],
      ['releaseBuffer', 'DMA_BUF_RELEASE', 'host', 'adversary', { buffer: 'ciphertext' }],
    ]);
    expect(world.steps.some((s) => s.args.buffer === 'raw')).toBe(false);
  });

  it('passes an fd as the pipeline to a party in the audience, as the adversary to one outside it', () => {
    const { served } = heapWorld();
    expect(shareFd(served('frame'), 'host', 'app', true).role).toBe('pipeline');
    expect(shareFd(served('frame'), 'host', 'vmm', false).role).toBe('adversary');
  });

  it('lets a holder pass the fd and map a system buffer; a tee_heap buffer has no mmap (-EINVAL)', () => {
    const { world, heaps, served } = heapWorld((context, add) =>
      addHeapSteps(add, context, { canHold: ['host', 'vmm'], trusted: () => false, vmOf: () => 'host' }),
    );
    let state = booted(world, heaps.boot);
    const share = stepOf(world, 'DMA_BUF_SHARE_FD', { buffer: 'ciphertext', from: 'vmm', to: 'host' });
    state = applied(world, state, stepOf(world, 'DMA_HEAP_IOCTL_ALLOC', { buffer: 'ciphertext' }));
    expect(deliveryOutcome(world, state, share.plan(state)!)).toBe('buffer:ciphertext EINVAL');
    state = applied(
      world,
      state,
      stepOf(world, 'DMA_BUF_SHARE_FD', { buffer: 'ciphertext', from: 'host', to: 'vmm' }),
    );
    state = applied(world, state, stepOf(world, 'DMA_BUF_MMAP', { buffer: 'ciphertext', party: 'vmm' }));
    expect(snapshotOf(state, served('ciphertext').dmaBuf).context).toMatchObject({
      fdHolders: ['host', 'vmm'],
      mmaps: ['vmm'],
    });
    state = applied(world, state, stepOf(world, 'DMA_HEAP_IOCTL_ALLOC', { buffer: 'frame' }));
    const mmap = stepOf(world, 'DMA_BUF_MMAP', { buffer: 'frame', party: 'host' });
    expect(deliveryOutcome(world, state, mmap.plan(state)!)).toBe('buffer:frame EINVAL');
  });

  it('releases only an exported buffer no device has queued and no import holds, undoing every mapping', () => {
    let queued = false;
    let imported = false;
    const { world, heaps, served, context } = heapWorld((ctx, add) =>
      addHeapSteps(add, ctx, { canHold: ['host', 'vmm'], trusted: () => false, vmOf: () => 'host' }),
    );
    const release = releaseBuffer(
      { ...context, queued: () => queued, imported: () => imported },
      served('ciphertext'),
    );
    let state = booted(world, heaps.boot);
    expect(release.plan(state)).toBeUndefined();
    for (const [call, args] of [
      ['DMA_HEAP_IOCTL_ALLOC', { buffer: 'ciphertext' }],
      ['DMA_BUF_SHARE_FD', { buffer: 'ciphertext', from: 'host', to: 'vmm' }],
      ['DMA_BUF_MMAP', { buffer: 'ciphertext', party: 'vmm' }],
      ['DMA_BUF_VMAP', { buffer: 'ciphertext', party: 'host' }],
    ] as const) {
      state = applied(world, state, stepOf(world, call, args));
    }
    queued = true;
    expect(release.plan(state)).toBeUndefined();
    queued = false;
    imported = true;
    expect(release.plan(state)).toBeUndefined();
    imported = false;
    expect(deliveryTypes(world, release.plan(state))).toEqual([
      'buffer:ciphertext DMA_BUF_MUNMAP',
      'buffer:ciphertext DMA_BUF_VUNMAP',
      'buffer:ciphertext DMA_BUF_CLOSE',
      'buffer:ciphertext DMA_BUF_CLOSE',
      'buffer:ciphertext DMA_BUF_RELEASE',
    ]);
    expect(
      bufferIsFree(snapshotOf(delivered(world, state, release.plan(state)!), served('ciphertext').dmaBuf)),
    ).toBe(true);
    expect(bufferIsExported(snapshotOf(state, served('ciphertext').dmaBuf))).toBe(true);
  });

  it('has no design with a dynamic pool and no SPMC to lend it to: the loader refuses one', () => {
    const body = HEAPS_BODY.replace(
      'secureWorld: { tee: true, spmc: hafnium }',
      'secureWorld: { tee: true, spmc: none }',
    );
    expect(() => tinyDesign(body)).toThrow(/heaps\[4\]\.kind .*optee_ffa_lend_protmem/);
  });
});

describe('a dynamic pool lent through the pKVM FF-A proxy', () => {
  const design = tinyDesign(`
hypervisor: { kind: pkvm, kernel: upstream, iommu: none, ffaLend: share }
secureWorld: { tee: true, spmc: hafnium }
memory:
  - { name: dram, pages: 1 }
  - { name: cma, pages: 1, knownBy: dynamicLending }
heaps:
  - { name: system, kind: system, region: dram }
  - { name: secure-video, kind: protectedDynamic, region: cma, exporter: teeHeap, scrub: zero }
buffers:
  - { name: ciphertext, heap: system }
  - { name: frame, heap: secure-video }
devices:
  - { name: dpu, role: display }
streams:
  - { name: movie, audience: [secure, dpu] }
pipeline:
  stream: movie
  input: ciphertext
  decrypt: { by: secure, output: frame }
  display: { by: dpu }
`);

  function lendWorld() {
    const builder = new WorldBuilder();
    const layout = resolveLayout(design);
    const pkvm = addPkvmFamily(builder, {
      kernel: 'upstream',
      iommu: 'none',
      pages: layout.pages.map((page) => ({ label: page.label, memoryType: 'memory' })),
      guests: [],
      bounds: { hypPins: 1, dmaMappings: 1, vcpus: 1 },
      rawFfaCalls: false,
      scope: 'sdp',
    });
    const content = addPageContentFamily(builder, layout);
    const heaps = addDmaHeapFamily(builder, design, layout, content);
    const ffa = addFfaFamily(builder, design, pkvm, content);
    const context: HeapStepContext = {
      heaps,
      ffa,
      content,
      pkvm,
      queued: () => false,
      queueReads: [],
      imported: () => false,
      importReads: () => [],
    };
    const add = (step: StepInput) => builder.addStep(step);
    addHeapSteps(add, context, { canHold: ['host'], trusted: () => false, vmOf: () => 'host' });
    addPoolSteps(add, context);
    const world = builder.build({ guestNames: [], guestProtected: [], kernel: 'upstream' });
    const state = booted(world, [...ffa.boot, ...heaps.boot]);
    const frame = heaps.bufferByName.get('frame') as Served;
    return { world, state, pkvm, content, heaps, ffa, frame, pool: heaps.poolOf.get('secure-video')! };
  }

  it('lends the pool on the first allocation: the proxy shares the host page (SHARED_OWNED on mainline) and a slot records the lend', () => {
    const { world, state, pkvm, ffa, frame, pool, heaps } = lendWorld();
    const allocate = stepOf(world, 'DMA_HEAP_IOCTL_ALLOC', { buffer: 'frame' });
    expect(deliveryTypes(world, allocate.plan(state))).toEqual([
      'pool:secure-video TEE_DMA_HEAP_ALLOC',
      'ffa:proxy FFA_MEM_LEND',
      'ffa:0 FFA_MEM_LEND',
    ]);
    const lending = applied(world, state, allocate);
    expect(hostPageState(snapshotOf(state, pkvm.pages[1]!))).toBe('OWNED');
    expect(hostPageState(snapshotOf(lending, pkvm.pages[1]!))).toBe('SHARED_OWNED');
    expect(poolIsLending(snapshotOf(lending, pool))).toBe(true);
    expect(ffa.slotCovering(lending, 1)).toBe(ffa.slots[0]);
    expect(bufferIsFree(snapshotOf(lending, frame.dmaBuf))).toBe(true);
    expect(pendingAllocation(heaps, lending, pool)).toBe(frame);
    // A second allocation waits for the lend to complete.
    expect(allocate.plan(lending)).toBeUndefined();
  });

  it('completes the pending allocation when the secure world retrieves the pool, and not before the lend', () => {
    const { world, state, frame, pool, ffa } = lendWorld();
    const retrieve = stepOf(world, 'FFA_MEM_RETRIEVE_REQ', { heap: 'secure-video' });
    expect([retrieve.action, retrieve.actor, retrieve.role]).toEqual(['retrievePool', 'secure', 'pipeline']);
    expect(retrieve.plan(state)).toBeUndefined();
    const lending = applied(world, state, stepOf(world, 'DMA_HEAP_IOCTL_ALLOC', { buffer: 'frame' }));
    expect(deliveryTypes(world, retrieve.plan(lending))).toEqual([
      'ffa:0 FFA_MEM_RETRIEVE_REQ',
      'pool:secure-video LEND_PROTMEM',
      'buffer:frame DMA_HEAP_IOCTL_ALLOC',
    ]);
    const lent = applied(world, lending, retrieve);
    expect([poolIsLent(snapshotOf(lent, pool)), bufferIsExported(snapshotOf(lent, frame.dmaBuf))]).toEqual([
      true,
      true,
    ]);
    expect([ffa.retrievedBySecure(lent, 1), ffa.lentToSecure(lent, 1)]).toEqual([true, true]);
  });

  it('reclaims an emptied pool: relinquished with CLEAR, the host page back OWNED, the pool unlent; or the reclaim fails', () => {
    const { world, state, pkvm, content, heaps, pool, ffa } = lendWorld();
    let s = applied(world, state, stepOf(world, 'DMA_HEAP_IOCTL_ALLOC', { buffer: 'frame' }));
    s = applied(world, s, stepOf(world, 'FFA_MEM_RETRIEVE_REQ', { heap: 'secure-video' }));
    const reclaim = stepOf(world, 'FFA_MEM_RECLAIM', { heap: 'secure-video', outcome: 'ok' });
    const fails = stepOf(world, 'FFA_MEM_RECLAIM', { heap: 'secure-video', outcome: 'fails' });
    expect([reclaim.action, reclaim.role, fails.action, fails.role]).toEqual([
      'reclaimPool',
      'adversary',
      'reclaimPool',
      'environment',
    ]);
    expect([reclaim.plan(s), fails.plan(s)]).toEqual([undefined, undefined]);
    const emptied = applied(world, s, stepOf(world, 'DMA_BUF_RELEASE', { buffer: 'frame' }));
    expect(heaps.reclaiming(emptied, pool)).toBe(true);
    expect(
      reclaim.plan(emptied)!.map((d) => [world.components[d.component]!.id, d.event.type, d.event.flags]),
    ).toEqual([
      ['ffa:0', 'FFA_MEM_RELINQUISH', 0x1],
      ['ffa:proxy', 'FFA_MEM_RECLAIM', 0],
      ['ffa:0', 'FFA_MEM_RECLAIM', 0],
      ['pool:secure-video', 'RECLAIM_PROTMEM', undefined],
    ]);
    // What the secure world left in the pages goes with the relinquish's CLEAR flag.
    const used = delivered(world, emptied, content.writePlaintext([1], 'movie', 'decrypt trusted app'));
    const reclaimed = applied(world, used, reclaim);
    expect(hostPageState(snapshotOf(reclaimed, pkvm.pages[1]!))).toBe('OWNED');
    expect(poolIsUnlent(snapshotOf(reclaimed, pool))).toBe(true);
    expect(ffa.slotCovering(reclaimed, 1)).toBeUndefined();
    expect(content.labelOf(reclaimed, 1)).toEqual(ZERO_LABEL);
    expect(fails.plan(emptied)!.map((d) => d.event)).toEqual([{ type: 'RECLAIM_PROTMEM', ok: false }]);
    expect(heaps.reclaiming(applied(world, emptied, fails), pool)).toBe(false);
  });
});
