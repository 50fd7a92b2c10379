/**
 * The swiotlb data path of a protected guest's virtio device: the guest bounces a buffer page by
 * page into pages it shared with the host (`swiotlb_tbl_map_single()`), and the VMM's back-end
 * copies the bounced data out into a buffer of its own (`virtqueue_pop()`).
 */
import { hostBorrowsFromGuest } from '../../../machines/pkvmPageState.ts';
import { type StepInput, send, snapshotOf } from '../builder.ts';
import type { HeapBuffer } from './dmaHeapFamily.ts';
import type { BounceSlot } from './virtioFamily.ts';
import type { VirtioStepContext } from './virtioSteps.ts';

/**
 * `swiotlb_tbl_map_single()`: the guest's virtio driver maps a page of its buffer for the device,
 * and swiotlb copies it into a bounce page the guest shared with the host at boot
 * (`set_memory_decrypted()` → MEM_SHARE). The guest's CPU copies: it must still reach both pages.
 */
export function bouncePage(
  context: VirtioStepContext,
  vm: string,
  source: HeapBuffer,
  index: number,
  slot: { readonly component: BounceSlot; readonly origPage: number; readonly bouncePage: number },
): StepInput {
  const { content, reach, pkvm, layout } = context;
  const { component, origPage, bouncePage } = slot;
  return {
    action: 'bouncePage',
    call: 'SWIOTLB_TBL_MAP_SINGLE',
    actor: vm,
    role: 'pipeline',
    args: { buffer: source.name, page: index },
    text: `${vm} maps ${source.name} for a virtio device: swiotlb bounces page ${index} into ${layout.pages[bouncePage]!.label}`,
    touches: () => [
      component,
      content.contents[origPage]!,
      content.contents[bouncePage]!,
      ...(pkvm ? [pkvm.pages[bouncePage]!] : []),
      ...reach.reads(origPage),
      ...reach.reads(bouncePage),
    ],
    plan: (state) => {
      if (
        !reach.reaches(state, vm, [origPage], 'read', 'cpu') ||
        !reach.reaches(state, vm, [bouncePage], 'write', 'cpu')
      ) {
        return undefined;
      }
      const shared = pkvm ? hostBorrowsFromGuest(snapshotOf(state, pkvm.pages[bouncePage]!)) : true;
      return [
        send(component, {
          type: 'SWIOTLB_TBL_MAP_SINGLE',
          origPage,
          dir: 'DMA_TO_DEVICE',
          bouncePageSharedWithHost: shared,
        }),
      ];
    },
  };
}

/** `swiotlb_tbl_unmap_single()`: the guest unmaps the page; the bounce slot is free again. */
export function unbouncePage(
  context: VirtioStepContext,
  vm: string,
  source: string,
  index: number,
  slot: { readonly component: BounceSlot; readonly origPage: number; readonly bouncePage: number },
): StepInput {
  return {
    action: 'unbouncePage',
    call: 'SWIOTLB_TBL_UNMAP_SINGLE',
    actor: vm,
    role: 'pipeline',
    args: { buffer: source, page: index },
    text: `${vm} unmaps ${source} page ${index} from swiotlb`,
    touches: [
      slot.component,
      context.content.contents[slot.origPage]!,
      context.content.contents[slot.bouncePage]!,
    ],
    plan: () => [send(slot.component, { type: 'SWIOTLB_TBL_UNMAP_SINGLE' })],
  };
}

/**
 * `virtqueue_pop()` in the VMM's virtio back-end: it reads the bounced data out of the bounce
 * pages and copies it into a host-side buffer it holds, with the host's CPU.
 */
export function copyOutOfBounce(
  context: VirtioStepContext,
  source: HeapBuffer,
  target: HeapBuffer,
  bouncePages: readonly number[],
): StepInput {
  const { content, reach, holdings, layout } = context;
  return {
    action: 'copyOutOfBounce',
    call: 'VIRTQUEUE_POP',
    actor: 'vmm',
    role: 'pipeline',
    args: { buffer: source.name, into: target.name },
    text: `the VMM copies the bounced ${source.name} out of ${bouncePages.map((pfn) => layout.pages[pfn]!.label).join(', ')} into ${target.name}`,
    touches: () => [
      ...holdings.holdsReads(target),
      ...bouncePages.flatMap((pfn) => [content.contents[pfn]!, ...reach.reads(pfn)]),
      ...target.pages.flatMap((pfn) => [content.contents[pfn]!, ...reach.reads(pfn)]),
    ],
    plan: (state) => {
      if (!holdings.holds(state, 'vmm', target) && !holdings.holds(state, 'host', target)) return undefined;
      if (!bouncePages.every((pfn) => reach.paths(state, pfn, 'read').some((p) => p.party === 'host')))
        return undefined;
      if (!target.pages.every((pfn) => reach.paths(state, pfn, 'write').some((p) => p.party === 'host')))
        return undefined;
      return content.copy(target.pages, content.label(state, bouncePages));
    },
  };
}

/** Every swiotlb step: each page's bounce and unmap, then the VMM's copy out. */
export function addSwiotlbSteps(add: (step: StepInput) => void, context: VirtioStepContext): void {
  const { virtio, heaps } = context;
  for (const { spec, slots } of virtio.bounces) {
    const source = heaps.bufferByName.get(spec.buffer)!;
    slots.forEach((slot, index) => {
      add(bouncePage(context, spec.vm, source, index, slot));
      add(unbouncePage(context, spec.vm, source.name, index, slot));
    });
    if (spec.deliverTo) {
      const target = heaps.bufferByName.get(spec.deliverTo)!;
      add(
        copyOutOfBounce(
          context,
          source,
          target,
          slots.map((slot) => slot.bouncePage),
        ),
      );
    }
  }
}
