/**
 * The swiotlb data path of a protected guest's virtio device: the guest bounces a buffer page by
 * page into slots of a pool it shared with the host (`swiotlb_tbl_map_single()`), and the VMM's back-end
 * copies the bounced data out into a buffer of its own (`virtqueue_pop()`), or into the slots a
 * receiving guest mapped for a buffer of its own (DMA_FROM_DEVICE), which that guest's unmap
 * copies back into the buffer (`swiotlb_tbl_unmap_single()`).
 */
import { hostBorrowsFromGuest } from '../../../machines/pkvmPageState.ts';
import { slotBounces, slotIsFree } from '../../../machines/swiotlbBounceMachine.ts';
import { type StepInput, send, snapshotOf } from '../builder.ts';
import type { WorldState } from '../world.ts';
import type { HeapBuffer } from './dmaHeapFamily.ts';
import type { SwiotlbSlot } from './virtioFamily.ts';
import type { VirtioStepContext } from './virtioSteps.ts';

/** The pool's lowest free slot, if any. */
function freeSlot(state: WorldState, slots: readonly SwiotlbSlot[]): SwiotlbSlot | undefined {
  return slots.find((slot) => slotIsFree(snapshotOf(state, slot.component)));
}

/** The slot that holds `origPage`'s bounced data, if it is mapped. */
function slotOf(state: WorldState, slots: readonly SwiotlbSlot[], origPage: number): SwiotlbSlot | undefined {
  return slots.find((slot) => slotBounces(snapshotOf(state, slot.component), origPage));
}

/**
 * `swiotlb_tbl_map_single()`: the guest's virtio driver maps a page of its buffer for the device,
 * and swiotlb copies it into a free slot of the pool the guest shared with the host at boot
 * (`set_memory_decrypted()` → MEM_SHARE): the lowest free one here (the kernel's search,
 * `swiotlb_search_pool_area()`, starts after its last allocation, which only renames slots).
 * With every slot busy the map fails (-ENOMEM). The guest's CPU copies: it must still reach
 * both pages. A page already mapped is not mapped again.
 */
export function bouncePage(
  context: VirtioStepContext,
  vm: string,
  source: HeapBuffer,
  index: number,
  slots: readonly SwiotlbSlot[],
  dir: 'DMA_TO_DEVICE' | 'DMA_FROM_DEVICE' = 'DMA_TO_DEVICE',
): StepInput {
  const { content, reach, pkvm, layout } = context;
  const origPage = source.pages[index]!;
  const pool = layout.pages[slots[0]!.bouncePage]!.region;
  return {
    action: 'bouncePage',
    call: 'SWIOTLB_TBL_MAP_SINGLE',
    actor: vm,
    role: 'pipeline',
    args: { buffer: source.name, page: index },
    text:
      dir === 'DMA_TO_DEVICE'
        ? `${vm} maps ${source.name} for a virtio device: swiotlb bounces page ${index} into a free slot of ${pool}`
        : `${vm} maps ${source.name} to receive from a virtio device: swiotlb takes a free slot of ${pool} for page ${index}`,
    touches: () => [
      content.contents[origPage]!,
      ...reach.reads(origPage),
      ...slots.flatMap((slot) => [
        slot.component,
        content.contents[slot.bouncePage]!,
        ...(pkvm ? [pkvm.pages[slot.bouncePage]!] : []),
        ...reach.reads(slot.bouncePage),
      ]),
    ],
    plan: (state) => {
      if (slotOf(state, slots, origPage) !== undefined) return undefined;
      // A full pool: the map is sent to a busy slot, which refuses it as swiotlb does (-ENOMEM).
      const slot = freeSlot(state, slots) ?? slots[0]!;
      const { bouncePage } = slot;
      if (
        !reach.reaches(state, vm, [origPage], 'read', 'cpu') ||
        !reach.reaches(state, vm, [bouncePage], 'write', 'cpu')
      ) {
        return undefined;
      }
      const shared = pkvm ? hostBorrowsFromGuest(snapshotOf(state, pkvm.pages[bouncePage]!)) : true;
      return [
        send(slot.component, {
          type: 'SWIOTLB_TBL_MAP_SINGLE',
          origPage,
          dir,
          bouncePageSharedWithHost: shared,
        }),
      ];
    },
  };
}

/** `swiotlb_tbl_unmap_single()`: the guest unmaps the page; its slot is free again. */
export function unbouncePage(
  context: VirtioStepContext,
  vm: string,
  source: HeapBuffer,
  index: number,
  slots: readonly SwiotlbSlot[],
): StepInput {
  const origPage = source.pages[index]!;
  return {
    action: 'unbouncePage',
    call: 'SWIOTLB_TBL_UNMAP_SINGLE',
    actor: vm,
    role: 'pipeline',
    args: { buffer: source.name, page: index },
    text: `${vm} unmaps ${source.name} page ${index} from swiotlb`,
    touches: [
      context.content.contents[origPage]!,
      ...slots.flatMap((slot) => [slot.component, context.content.contents[slot.bouncePage]!]),
    ],
    plan: (state) => {
      const slot = slotOf(state, slots, origPage);
      return slot ? [send(slot.component, { type: 'SWIOTLB_TBL_UNMAP_SINGLE' })] : undefined;
    },
  };
}

/**
 * `virtqueue_pop()` in the VMM's virtio back-end: it reads the bounced data out of the slots
 * that hold the source buffer's pages (every page must be mapped, as the descriptor the device
 * pops names them) and copies it, with the host's CPU, into a host-side buffer it holds; or,
 * when the target is a buffer its guest receives through a bounce of its own (`receiveSlots`),
 * into the slots that guest mapped for it (DMA_FROM_DEVICE): the buffers the guest posted on
 * its receive queue, which the VMM writes before `virtqueue_push()` hands them back.
 */
export function copyOutOfBounce(
  context: VirtioStepContext,
  source: HeapBuffer,
  target: HeapBuffer,
  slots: readonly SwiotlbSlot[],
  receiveSlots?: readonly SwiotlbSlot[],
): StepInput {
  const { content, reach, holdings, layout } = context;
  const pool = layout.pages[slots[0]!.bouncePage]!.region;
  const receivePool = receiveSlots && layout.pages[receiveSlots[0]!.bouncePage]!.region;
  const slotPages = (list: readonly SwiotlbSlot[]) =>
    list.flatMap((slot) => [
      slot.component,
      content.contents[slot.bouncePage]!,
      ...reach.reads(slot.bouncePage),
    ]);
  /** The pages the VMM writes: the target's own, or the receive slots mapped for them. */
  const writtenPages = (state: WorldState): readonly number[] | undefined => {
    if (!receiveSlots) return target.pages;
    const pages: number[] = [];
    for (const pfn of target.pages) {
      const slot = slotOf(state, receiveSlots, pfn);
      if (slot === undefined) return undefined;
      pages.push(slot.bouncePage);
    }
    return pages;
  };
  return {
    action: 'copyOutOfBounce',
    call: 'VIRTQUEUE_POP',
    actor: 'vmm',
    role: 'pipeline',
    args: { buffer: source.name, into: target.name },
    text: receivePool
      ? `the VMM copies the bounced ${source.name} out of ${pool} into the slots of ${receivePool} posted for ${target.name}`
      : `the VMM copies the bounced ${source.name} out of ${pool} into ${target.name}`,
    touches: () => [
      ...(receiveSlots ? slotPages(receiveSlots) : holdings.holdsReads(target)),
      ...slotPages(slots),
      ...(receiveSlots ? [] : target.pages.flatMap((pfn) => [content.contents[pfn]!, ...reach.reads(pfn)])),
    ],
    plan: (state) => {
      if (!receiveSlots && !holdings.holds(state, 'vmm', target) && !holdings.holds(state, 'host', target))
        return undefined;
      const bouncePages: number[] = [];
      for (const pfn of source.pages) {
        const slot = slotOf(state, slots, pfn);
        if (slot === undefined) return undefined;
        bouncePages.push(slot.bouncePage);
      }
      if (!bouncePages.every((pfn) => reach.paths(state, pfn, 'read').some((p) => p.party === 'host')))
        return undefined;
      const written = writtenPages(state);
      if (!written?.every((pfn) => reach.paths(state, pfn, 'write').some((p) => p.party === 'host')))
        return undefined;
      return content.copy(written, content.label(state, bouncePages));
    },
  };
}

/** Every swiotlb step: each page's bounce and unmap, then the VMM's copy out. */
export function addSwiotlbSteps(add: (step: StepInput) => void, context: VirtioStepContext): void {
  const { virtio, heaps } = context;
  for (const { spec, slots } of virtio.bounces) {
    const source = heaps.bufferByName.get(spec.buffer)!;
    const dir = spec.direction === 'fromDevice' ? 'DMA_FROM_DEVICE' : 'DMA_TO_DEVICE';
    source.pages.forEach((_, index) => {
      add(bouncePage(context, spec.vm, source, index, slots, dir));
      add(unbouncePage(context, spec.vm, source, index, slots));
    });
    if (spec.deliverTo) {
      const receive = virtio.bounces.find(
        (b) => b.spec.direction === 'fromDevice' && b.spec.buffer === spec.deliverTo,
      );
      add(copyOutOfBounce(context, source, heaps.bufferByName.get(spec.deliverTo)!, slots, receive?.slots));
    }
  }
}
