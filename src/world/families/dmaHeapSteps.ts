/**
 * The steps of the dma-buf heap family: what parties do with buffers (allocate, pass the fd on,
 * map for the CPU, release) and what a dynamic pool's lend to the secure world goes through
 * (the retrieve that completes it, the reclaim once the pool empties).
 */
import { bufferIsExported } from '../../../machines/dmaBufMachine.ts';
import type { BootProbe } from '../boot.ts';
import { type StepInput, send, snapshotOf } from '../builder.ts';
import { HOST_PARTIES } from '../design.ts';
import type { Delivery, WorldState } from '../world.ts';
import {
  allocateDelivery,
  type DmaBuf,
  type DmaHeapFamily,
  type HeapBuffer,
  type Pool,
  pendingAllocation,
} from './dmaHeapFamily.ts';
import type { FfaFamily } from './ffaFamily.ts';
import type { PageContentFamily } from './pageContentFamily.ts';
import type { PkvmFamily } from './pkvmFamily.ts';

/** What the heap steps read of the other families. */
export interface HeapStepContext {
  readonly heaps: DmaHeapFamily;
  readonly ffa: FfaFamily;
  readonly pkvm?: PkvmFamily;
  readonly content: PageContentFamily;
  /** True iff a device has the buffer queued (vb2 or a DRM framebuffer holds a reference). */
  readonly queued: (state: WorldState, buffer: string) => boolean;
  /** The device machines `queued` reads. */
  readonly queueReads: readonly number[];
  /** True iff a virtio-gpu import pins the buffer (`virtgpu_dma_buf_init_obj()`). */
  readonly imported: (state: WorldState, buffer: string) => boolean;
  /** The import machines `imported` reads for a buffer. */
  readonly importReads: (buffer: string) => readonly number[];
}

type Served = HeapBuffer & { readonly dmaBuf: DmaBuf };

/** Components a dynamic pool's lend touches: the pool, the FF-A slots, the proxy, its pages. */
function lendTouches(context: HeapStepContext, pool: Pool, pages: readonly number[]): number[] {
  const { ffa, pkvm, content } = context;
  return [
    pool,
    ...ffa.slots,
    ...(ffa.proxy !== undefined ? [ffa.proxy] : []),
    ...(pkvm ? pages.map((pfn) => pkvm.pages[pfn]!) : []),
    ...pages.map((pfn) => content.contents[pfn]!),
  ];
}

/**
 * `DMA_HEAP_IOCTL_ALLOC` (`dma_heap_ioctl_allocate()`): the allocating party gets a buffer and
 * its fd. The first allocation from an unlent dynamic pool lends the pool's CMA pages to the
 * secure world instead (OP-TEE's `init_dyn_protmem()` → `optee_ffa_lend_protmem()` →
 * FFA_MEM_LEND); the buffer comes into being when the secure world has retrieved them.
 */
export function allocateBuffer(context: HeapStepContext, buffer: Served): StepInput {
  const { heaps, ffa, content } = context;
  const pool = buffer.heap ? heaps.poolOf.get(buffer.heap.name) : undefined;
  const dynamic = buffer.heap?.kind === 'protectedDynamic';
  const poolPages = pool === undefined ? [] : heaps.pools.find((p) => p.component === pool)!.pages;
  // The endpoints OP-TEE named for the use case (`rp->mem_attrs`, optee_protmem_alloc_dyn_pool()).
  const endpoints = buffer.heap?.memAttrs?.map((attr) => attr.endpoint);
  return {
    action: 'allocateBuffer',
    call: 'DMA_HEAP_IOCTL_ALLOC',
    actor: buffer.allocatedBy,
    role: 'pipeline',
    args: { buffer: buffer.name },
    text: `${buffer.allocatedBy} allocates buffer ${buffer.name} from heap ${buffer.heap!.name}${dynamic ? ' (the first allocation lends the pool to the secure world over FF-A)' : ''}`,
    touches: [
      buffer.dmaBuf,
      ...(pool !== undefined ? [pool] : []),
      ...buffer.pages.map((pfn) => content.contents[pfn]!),
      ...(dynamic ? lendTouches(context, pool!, poolPages) : []),
    ],
    plan: (state) => {
      if (dynamic && heaps.unlent(state, pool!)) {
        const lend = ffa.memLend(state, 'host', poolPages, endpoints);
        if (lend === undefined) return undefined;
        return [
          send(pool!, { type: 'TEE_DMA_HEAP_ALLOC', pages: buffer.pages, cmaPages: poolPages }),
          ...lend,
        ];
      }
      if (dynamic && !heaps.lent(state, pool!)) return undefined;
      return [
        ...(pool !== undefined
          ? [send(pool, { type: 'TEE_DMA_HEAP_ALLOC', pages: buffer.pages, cmaPages: [] })]
          : []),
        allocateDelivery(buffer),
      ];
    },
  };
}

/**
 * `DMA_BUF_SHARE_FD`: a process passes a dma-buf's fd to another in the same VM (SCM_RIGHTS,
 * binder, the VMM forwarding it; `receive_fd()`). Passing it to a party outside the stream's
 * audience is the adversary's move.
 */
export function shareFd(buffer: Served, from: string, to: string, toIsTrusted: boolean): StepInput {
  return {
    action: 'shareFd',
    call: 'DMA_BUF_SHARE_FD',
    actor: from,
    role: toIsTrusted ? 'pipeline' : 'adversary',
    args: { buffer: buffer.name, from, to },
    text: `${from} passes the fd of buffer ${buffer.name} to ${to}`,
    touches: [buffer.dmaBuf],
    plan: () => [send(buffer.dmaBuf, { type: 'DMA_BUF_SHARE_FD', party: from, to })],
  };
}

/** `DMA_BUF_MMAP`: a holder maps the buffer into user space (`dma_buf_mmap_internal()` → the exporter's `mmap`). */
export function mmapBuffer(buffer: Served, party: string): StepInput {
  return {
    action: 'mmapBuffer',
    call: 'DMA_BUF_MMAP',
    actor: party,
    role: 'adversary',
    args: { buffer: buffer.name, party },
    text: `${party} mmaps buffer ${buffer.name}`,
    touches: [buffer.dmaBuf],
    plan: () => [send(buffer.dmaBuf, { type: 'DMA_BUF_MMAP', party, vmaShared: true, withinBuffer: true })],
  };
}

/** `DMA_BUF_VMAP`: a kernel driver maps the buffer (`dma_buf_vmap()` → the exporter's `vmap`). */
export function vmapBuffer(buffer: Served, party: string): StepInput {
  return {
    action: 'vmapBuffer',
    call: 'DMA_BUF_VMAP',
    actor: party,
    role: 'adversary',
    args: { buffer: buffer.name, party },
    text: `${party} vmaps buffer ${buffer.name}`,
    touches: [buffer.dmaBuf],
    plan: () => [send(buffer.dmaBuf, { type: 'DMA_BUF_VMAP', party })],
  };
}

/**
 * `DMA_BUF_RELEASE`: every holder closes its fd and mapping, so the last `dma_buf_put()` runs the
 * exporter's `release` and the heap frees the pages. A device with the buffer queued and a
 * virtio-gpu import hold references: no release until they let go.
 */
export function releaseBuffer(context: HeapStepContext, buffer: Served): StepInput {
  const pool = buffer.heap ? context.heaps.poolOf.get(buffer.heap.name) : undefined;
  return {
    action: 'releaseBuffer',
    call: 'DMA_BUF_RELEASE',
    actor: buffer.allocatedBy,
    role: 'adversary',
    args: { buffer: buffer.name },
    text: `every holder closes buffer ${buffer.name}, which is released and freed`,
    touches: () => [
      buffer.dmaBuf,
      ...(pool !== undefined ? [pool] : []),
      ...context.queueReads,
      ...context.importReads(buffer.name),
    ],
    plan: (state) => {
      const snap = snapshotOf(state, buffer.dmaBuf);
      if (!bufferIsExported(snap)) return undefined;
      if (context.queued(state, buffer.name) || context.imported(state, buffer.name)) return undefined;
      const c = snap.context;
      const to = buffer.dmaBuf;
      return [
        ...c.mmaps.map((party) => send(to, { type: 'DMA_BUF_MUNMAP', party })),
        ...c.vmaps.map((party) => send(to, { type: 'DMA_BUF_VUNMAP', party })),
        ...c.attachments.flatMap((a) => [
          ...(a.direction !== null ? [send(to, { type: 'DMA_BUF_UNMAP_ATTACHMENT', device: a.device })] : []),
          send(to, { type: 'DMA_BUF_DETACH', device: a.device }),
        ]),
        ...c.fdHolders.map((party) => send(to, { type: 'DMA_BUF_CLOSE', party })),
        send(to, { type: 'DMA_BUF_RELEASE' }),
      ];
    },
  };
}

/**
 * `FFA_MEM_RETRIEVE_REQ` by OP-TEE for a lent pool (its `OPTEE_FFA_LEND_PROTMEM` handling): the
 * lend completes (`LEND_PROTMEM`) and the allocation that triggered it gets its buffer.
 */
export function retrievePool(
  context: HeapStepContext,
  pool: Pool,
  heap: string,
  pages: readonly number[],
): StepInput {
  const { heaps, ffa } = context;
  return {
    action: 'retrievePool',
    call: 'FFA_MEM_RETRIEVE_REQ',
    actor: 'secure',
    role: 'pipeline',
    args: { heap },
    text: `the secure world retrieves the ${heap} pool, completing the pending allocation`,
    touches: () => [
      pool,
      ...ffa.slots,
      ...heaps.buffers.flatMap((b) => (b.dmaBuf !== undefined && b.heap?.name === heap ? [b.dmaBuf] : [])),
    ],
    plan: (state) => {
      const slot = ffa.slotCovering(state, pages[0]!);
      if (slot === undefined || !heaps.lending(state, pool)) return undefined;
      const pending = pendingAllocation(heaps, state, pool);
      return [
        send(slot, {
          type: 'FFA_MEM_RETRIEVE_REQ',
          caller: 'secure',
          sender: 'host',
          transactionType: 'FFA_MEM_LEND',
          flags: 0,
          access: 'RW',
          requestValid: true,
        }),
        send(pool, { type: 'LEND_PROTMEM', ok: true, rollbackReclaimOk: true }),
        ...(pending ? [allocateDelivery(pending)] : []),
      ];
    },
  };
}

/**
 * `FFA_MEM_RECLAIM` of an emptied pool (`release_dyn_protmem()` → `optee_ffa_reclaim_protmem()`):
 * OP-TEE relinquishes the pages, zeroing them with FFA_MEMORY_REGION_FLAG_CLEAR when the heap
 * scrubs, and the host reclaims them through the proxy; or the reclaim fails and the secure
 * world keeps them (`ok: false`).
 */
export function reclaimPool(
  context: HeapStepContext,
  pool: Pool,
  heap: { readonly name: string; readonly scrub: string },
  pages: readonly number[],
  ok: boolean,
): StepInput {
  const { heaps, ffa, pkvm, content } = context;
  return {
    action: 'reclaimPool',
    call: 'FFA_MEM_RECLAIM',
    actor: 'host',
    role: ok ? 'adversary' : 'environment',
    args: { heap: heap.name, outcome: ok ? 'ok' : 'fails' },
    text: ok
      ? `the secure world relinquishes the ${heap.name} pool and the host reclaims it`
      : `reclaiming the ${heap.name} pool fails (the secure world keeps it)`,
    touches: [
      pool,
      ...ffa.slots,
      ...(ffa.proxy !== undefined ? [ffa.proxy] : []),
      ...(pkvm ? pages.map((pfn) => pkvm.pages[pfn]!) : []),
      ...pages.map((pfn) => content.contents[pfn]!),
    ],
    plan: (state) => {
      if (!heaps.reclaiming(state, pool)) return undefined;
      const slot = ffa.slotCovering(state, pages[0]!);
      if (slot === undefined) return undefined;
      if (!ok) return [send(pool, { type: 'RECLAIM_PROTMEM', ok: false })];
      const deliveries: Delivery[] = [
        send(slot, {
          type: 'FFA_MEM_RELINQUISH',
          caller: 'secure',
          endpoint: 'secure',
          flags: heap.scrub !== 'none' ? 0x1 : 0,
          requestValid: true,
        }),
      ];
      if (ffa.proxy !== undefined) {
        deliveries.push(
          send(ffa.proxy, { type: 'FFA_MEM_RECLAIM', handle: ffa.slots.indexOf(slot), flags: 0, pages }),
        );
      }
      deliveries.push(
        send(slot, { type: 'FFA_MEM_RECLAIM', caller: 'host', flags: 0 }),
        send(pool, { type: 'RECLAIM_PROTMEM', ok: true }),
      );
      return deliveries;
    },
  };
}

/** Every step of the heap family, in the order the world offers them. */
export function addHeapSteps(
  add: (step: StepInput) => void,
  context: HeapStepContext,
  parties: {
    readonly canHold: readonly string[];
    readonly trusted: (party: string) => boolean;
    readonly vmOf: (party: string) => string;
  },
): void {
  for (const buffer of context.heaps.buffers) {
    if (buffer.dmaBuf === undefined) continue;
    const served = buffer as Served;
    add(allocateBuffer(context, served));
    for (const from of parties.canHold) {
      for (const to of parties.canHold) {
        if (from === to || !(HOST_PARTIES.has(from) || from === buffer.allocatedBy)) continue;
        if (parties.vmOf(from) !== parties.vmOf(to)) continue;
        add(shareFd(served, from, to, parties.trusted(to)));
      }
    }
    for (const party of parties.canHold.filter((p) => !parties.trusted(p))) {
      add(mmapBuffer(served, party));
      if (HOST_PARTIES.has(party)) add(vmapBuffer(served, party));
    }
    add(releaseBuffer(context, served));
  }
}

/** The steps of each dynamic pool: the secure world's retrieve, and the reclaim that succeeds or fails. */
export function addPoolSteps(add: (step: StepInput) => void, context: HeapStepContext): void {
  for (const { component, heap, pages } of context.heaps.pools) {
    if (heap.kind !== 'protectedDynamic') continue;
    add(retrievePool(context, component, heap.name, pages));
    for (const ok of [true, false]) add(reclaimPool(context, component, heap, pages, ok));
  }
}

/**
 * The first allocation from each dynamic pool with a declared endpoint list, tried once at the
 * booted state (`BootProbe`): its lend carries one endpoint memory access descriptor per entry
 * (`optee_ffa_lend_protmem()`), and a proxy that refuses the descriptor's shape (pKVM's
 * `__do_ffa_mem_xfer()`: `ep_count != 1`) refuses it in every state, so the allocation, and
 * the design, fails with the proxy's code.
 */
export function lendProbes(context: HeapStepContext): BootProbe[] {
  return context.heaps.pools.flatMap(({ heap }) => {
    const endpoints = heap.memAttrs?.map((attr) => attr.endpoint);
    const first = context.heaps.buffers.find((b) => b.dmaBuf !== undefined && b.heap?.name === heap.name);
    if (heap.kind !== 'protectedDynamic' || endpoints === undefined || first === undefined) return [];
    const step = allocateBuffer(context, first as Served);
    return [
      {
        actor: first.allocatedBy,
        call: 'DMA_HEAP_IOCTL_ALLOC',
        subject: `buffer ${first.name}, whose FFA_MEM_LEND of heap ${heap.name} names ${endpoints.length} endpoint${endpoints.length === 1 ? '' : 's'} (${endpoints.join(', ')})`,
        text: step.text,
        deliveries: (state: WorldState) => step.plan(state),
      },
    ];
  });
}
