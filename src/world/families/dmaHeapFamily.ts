/**
 * The dma-buf heap family: one pool machine per protected heap (its carveout, or the CMA pages
 * a dynamic heap lends to the secure world), one dma-buf machine per buffer a heap serves, and
 * the calls on them: allocate, pass the fd on, map it for the CPU, release it; for a dynamic
 * pool, the secure world's retrieve of the lent pages and the reclaim when the pool empties.
 */
import { dmaBufMachine, dmaBufRefusals } from '../../../machines/dmaBufMachine.ts';
import type { Exporter, HeapKind } from '../../../machines/dmaBufState.ts';
import {
  poolIsLending,
  poolIsLent,
  poolIsReclaiming,
  poolIsUnlent,
  protectedHeapMachine,
  protectedHeapRefusals,
} from '../../../machines/protectedHeapMachine.ts';
import type { SdpBuffer } from '../../../properties/sdp/sdpModel.ts';
import type { HeapSpec, Topology } from '../../topology/schema.ts';
import type { BootStep } from '../boot.ts';
import { type Component, send, snapshotOf, type WorldBuilder } from '../builder.ts';
import { withFlaws } from '../flawSwitches.ts';
import type { Layout } from '../layout.ts';
import type { Delivery, WorldState } from '../world.ts';
import type { PageContentFamily } from './pageContentFamily.ts';

export type Pool = Component<typeof protectedHeapMachine>;
export type DmaBuf = Component<typeof dmaBufMachine>;

/** A buffer as the world knows it: its layout, and its dma-buf machine when a heap serves it. */
export interface HeapBuffer extends SdpBuffer {
  readonly dmaBuf?: DmaBuf;
  readonly heap?: HeapSpec;
}

export interface DmaHeapFamily {
  /** Every buffer of the design, in declaration order (guest-memory buffers have no dma-buf). */
  readonly buffers: readonly HeapBuffer[];
  readonly bufferByName: ReadonlyMap<string, HeapBuffer>;
  /** The pool machine of each protected heap, by heap name. */
  readonly poolOf: ReadonlyMap<string, Pool>;
  /** Each protected pool with the pages it can hand out. */
  readonly pools: readonly {
    readonly component: Pool;
    readonly heap: HeapSpec;
    readonly pages: readonly number[];
  }[];
  readonly boot: readonly BootStep[];
  /** The buffer a dma-buf machine is. */
  bufferOf(component: DmaBuf): HeapBuffer;
  /** True iff the pool is registered and has not lent its pages yet (the next allocation lends). */
  unlent(state: WorldState, pool: Pool): boolean;
  /** True iff the pool's pages are lent and it serves allocations. */
  lent(state: WorldState, pool: Pool): boolean;
  /** True iff the pool's lend waits for the secure world. */
  lending(state: WorldState, pool: Pool): boolean;
  /** True iff the pool emptied and asked for its pages back. */
  reclaiming(state: WorldState, pool: Pool): boolean;
}

const PROTECTED_KINDS: ReadonlySet<HeapKind> = new Set(['protectedStatic', 'protectedDynamic']);

/** Whose `dma_buf_ops` a heap's buffers have. */
function exporterFor(exporter: HeapSpec['exporter'], kind: HeapKind): Exporter {
  if (exporter === 'teeHeap') return 'teeHeap';
  if (exporter === 'mtkRestricted') return 'mtkRestrictedHeap';
  return kind === 'cma' ? 'cmaHeap' : 'systemHeap';
}

export function addDmaHeapFamily(
  builder: WorldBuilder,
  topology: Topology,
  layout: Layout,
  content: PageContentFamily,
): DmaHeapFamily {
  const poolOf = new Map<string, Pool>();
  const pools: { component: Pool; heap: HeapSpec; pages: readonly number[] }[] = [];
  const boot: BootStep[] = [];
  for (const heap of topology.heaps) {
    if (!PROTECTED_KINDS.has(heap.kind)) continue;
    const region = topology.memory.find((r) => r.name === heap.region)!;
    const pages = layout.regionPages.get(heap.region)!;
    const component = builder.addComponent({
      id: `pool:${heap.name}`,
      kind: 'protectedPool',
      label: `protected pool of heap ${heap.name}`,
      machine: withFlaws(protectedHeapMachine, 'protectedPool', topology.flaws),
      input: {
        pool: heap.kind === 'protectedStatic' ? 'static' : 'dynamic',
        configSource: region.knownBy === 'deviceTree' ? 'deviceTree' : 'query',
        heapName: `protected,${heap.name}`,
        reclaimFailurePolicy: heap.scrub === 'quarantine' ? 'quarantine' : 'upstream',
      },
      refusals: protectedHeapRefusals,
    });
    poolOf.set(heap.name, component);
    pools.push({ component, heap, pages });
    boot.push(...poolBoot(component, heap, region.knownBy, pages));
  }

  const bufferMachine = withFlaws(dmaBufMachine, 'dmaHeapBuffer', topology.flaws);
  const buffers: HeapBuffer[] = layout.buffers.map((buffer) => {
    const base = {
      name: buffer.name,
      pages: buffer.pages,
      protected: buffer.protected,
      allocatedBy: buffer.allocatedBy,
    };
    if (!buffer.heap) return base;
    const heap = topology.heaps.find((h) => h.name === buffer.heap)!;
    const dmaBuf = builder.addComponent({
      id: `buffer:${buffer.name}`,
      kind: 'dmaHeapBuffer',
      label: `buffer ${buffer.name}`,
      machine: bufferMachine,
      input: {
        heapKind: heap.kind,
        exporter: exporterFor(heap.exporter, heap.kind),
        scrubOnFree: heap.scrub === 'none' ? 'none' : 'zero',
        reclaimFailurePolicy: heap.scrub === 'quarantine' ? 'quarantine' : 'upstream',
      },
      refusals: dmaBufRefusals,
    });
    return { ...base, dmaBuf, heap };
  });
  const byComponent = new Map(
    buffers.flatMap((b) => (b.dmaBuf !== undefined ? [[b.dmaBuf, b] as const] : [])),
  );

  for (const buffer of buffers) {
    if (buffer.dmaBuf === undefined) continue;
    // Zeroing on allocation or free (`system_heap_zero_buffer()`, `tee_heap` scrubbing).
    builder.onEmit(
      buffer.dmaBuf,
      'PAGES_ZEROED',
      buffer.pages.map((pfn) => content.contents[pfn]!),
      (event) => content.scrub(event.pages, 'heap_zero'),
    );
    // A protected buffer's pages go back to its pool (`tee_heap_buf_free()`).
    const pool = buffer.heap ? poolOf.get(buffer.heap.name) : undefined;
    if (pool !== undefined) {
      builder.onEmit(buffer.dmaBuf, 'PAGES_RETURNED', [pool], (event) =>
        event.to === 'protectedPool' ? [send(pool, { type: 'TEE_HEAP_BUF_FREE', pages: event.pages })] : [],
      );
    }
  }

  const poolValue = (state: WorldState, pool: Pool) => snapshotOf(state, pool);
  return {
    buffers,
    bufferByName: new Map(buffers.map((b) => [b.name, b])),
    poolOf,
    pools,
    boot,
    bufferOf: (component) => byComponent.get(component)!,
    unlent: (state, pool) => poolIsUnlent(poolValue(state, pool)),
    lent: (state, pool) => poolIsLent(poolValue(state, pool)),
    lending: (state, pool) => poolIsLending(poolValue(state, pool)),
    reclaiming: (state, pool) => poolIsReclaiming(poolValue(state, pool)),
  };
}

/**
 * How the host finds a protected pool at boot, then registers its heap: a static carveout from
 * the device tree's reserved-memory (`of_reserved_mem_lookup()`) or by asking OP-TEE
 * (`OPTEE_SMC_GET_PROTMEM_CONFIG`), a dynamic pool's attributes by `OPTEE_MSG_CMD_GET_PROTMEM_CONFIG`;
 * then `tee_device_register_dma_heap()`.
 */
function poolBoot(
  pool: Pool,
  heap: HeapSpec,
  knownBy: Topology['memory'][number]['knownBy'],
  pages: readonly number[],
): BootStep[] {
  const fromDeviceTree = heap.kind === 'protectedStatic' && knownBy === 'deviceTree';
  const find: BootStep = fromDeviceTree
    ? {
        actor: 'host',
        call: 'of_reserved_mem_lookup()',
        subject: `heap ${heap.name}`,
        text: `host finds the carveout of heap ${heap.name} in the device tree's reserved-memory`,
        deliveries: [send(pool, { type: 'OF_RESERVED_MEM_LOOKUP', ok: true, pages })],
      }
    : {
        actor: 'host',
        call:
          heap.kind === 'protectedStatic'
            ? 'OPTEE_SMC_GET_PROTMEM_CONFIG'
            : 'OPTEE_MSG_CMD_GET_PROTMEM_CONFIG',
        subject: `heap ${heap.name}`,
        text: `host asks the TEE for the protected-memory configuration of heap ${heap.name}`,
        deliveries: [send(pool, { type: 'GET_PROTMEM_CONFIG', ok: true, pages, pageCount: pages.length })],
      };
  return [
    find,
    {
      actor: 'host',
      call: 'tee_device_register_dma_heap()',
      subject: `heap ${heap.name}`,
      text: `host registers dma-buf heap ${heap.name}`,
      deliveries: [send(pool, { type: 'TEE_DEVICE_REGISTER_DMA_HEAP', heapIdBound: false })],
    },
  ];
}

/** The allocation a pool's lend completes: the buffer whose pages the pool set aside. */
export function pendingAllocation(
  heaps: DmaHeapFamily,
  state: WorldState,
  pool: Pool,
): (HeapBuffer & { readonly dmaBuf: DmaBuf }) | undefined {
  const pending = snapshotOf(state, pool).context.pendingAlloc;
  return heaps.buffers.find(
    (b): b is HeapBuffer & { readonly dmaBuf: DmaBuf } =>
      b.dmaBuf !== undefined && b.pages.length > 0 && b.pages.every((pfn) => pending.includes(pfn)),
  );
}

/** The dma-buf allocation itself (`dma_heap_ioctl_allocate()` → the heap's `allocate`). */
export function allocateDelivery(buffer: HeapBuffer & { readonly dmaBuf: DmaBuf }): Delivery {
  return send(buffer.dmaBuf, {
    type: 'DMA_HEAP_IOCTL_ALLOC',
    party: buffer.allocatedBy,
    pages: buffer.pages,
    argsValid: true,
  });
}
