/**
 * Pure helpers for the pKVM per-page ownership model: the kernel's page states, the context
 * the page machine keeps, and the small updates its actions wire.
 *
 * Source: `torvalds/linux: arch/arm64/kvm/hyp/include/nvhe/memory.h` (`enum pkvm_page_state`,
 * `struct hyp_page`) and `arch/arm64/kvm/hyp/nvhe/mem_protect.c`.
 */
import type { MachineSnapshot } from './snapshot.ts';

/** `enum pkvm_page_state` as the host and the hypervisor see a page. */
export type PageState = 'OWNED' | 'SHARED_OWNED' | 'SHARED_BORROWED' | 'NOPAGE';

/** The guest's view adds `POISON`: an invalid PTE of type `KVM_GUEST_INVALID_PTE_TYPE_POISONED`. */
export type GuestPageState = PageState | 'POISON';

/**
 * What `check_range_allowed_memory()` finds for the page: plain memory, a memblock region
 * marked `MEMBLOCK_NOMAP` (typical for firmware carveouts), or MMIO.
 */
export type MemoryType = 'memory' | 'nomap' | 'mmio';

/** Index of a guest VM in the world (the model's stand-in for a `pkvm_handle_t`). */
export type VmIndex = number;

export interface PkvmPageContext {
  /** Physical page number in the model, for messages only. */
  readonly pfn: number;
  readonly memoryType: MemoryType;
  /** The hypervisor's view (`__hyp_state_comp` in `struct hyp_page`). */
  readonly hyp: PageState;
  /**
   * Each guest's stage-2 view of this page at the IPA the topology assigns to it (one gfn per
   * page and VM, so the guest PTE at that IPA and the guest's view of this page are the same).
   */
  readonly guests: readonly GuestPageState[];
  /**
   * The host stage-2 owner annotation while the host is `NOPAGE` because a guest owns the page
   * (`host_stage2_encode_gfn_meta`: VM handle and gfn); -1 otherwise.
   */
  readonly guestOwner: VmIndex;
  /**
   * The kernel keeps one `hyp_page.refcount` (u16) for two uses, which the model splits so that
   * `pinnedPageStaysShared` and `dmaMappedPageStaysHostOwned` can tell them apart;
   * `hyp_page_count()` is their sum.
   * `hypPinCount`: hypervisor pins of a page shared with it (`hyp_pin_shared_mem()`).
   */
  readonly hypPinCount: number;
  /** [A] IOMMU DMA mappings of a host-owned page (`__pkvm_host_use_dma()`), the other use of `refcount`. */
  readonly dmaRefcount: number;
  /** `hyp_page.host_share_guest_count`: non-protected guests the page is shared with. */
  readonly hostShareGuestCount: number;
  /**
   * The secure world borrows the page through FF-A (`__pkvm_host_share_ffa`). EL2 does not
   * record the borrower; the model does, to check `sharedPageHasOneBorrower` and to know who
   * can read.
   */
  readonly sharedWithFfa: boolean;
  /**
   * Whether an Android identity IOMMU domain (`KVM_IOMMU_DOMAIN_IDMAP_ID`) maps the page. It
   * follows the host stage-2 on every ownership change (`__host_stage2_set_owner_locked` calls
   * `kvm_iommu_host_stage2_idmap`) except where the kernel passes `HOST_SET_NO_IOMMU_UPDATE`.
   * Only meaningful when the topology's IOMMU is the identity domain.
   */
  readonly iommuIdmapMapped: boolean;
}

/** `hyp_page.host_share_guest_count` is a u32: `__pkvm_host_share_guest` refuses at U32_MAX. */
export const HOST_SHARE_GUEST_COUNT_MAX = 0xffff_ffff;

export function initialPageContext(input: {
  pfn: number;
  memoryType?: MemoryType;
  guestCount: number;
}): PkvmPageContext {
  return {
    pfn: input.pfn,
    memoryType: input.memoryType ?? 'memory',
    hyp: 'NOPAGE',
    guests: Array.from({ length: input.guestCount }, () => 'NOPAGE' as const),
    guestOwner: -1,
    hypPinCount: 0,
    dmaRefcount: 0,
    hostShareGuestCount: 0,
    sharedWithFfa: false,
    // The identity domain is snapshotted from the host stage-2 at init: host-owned memory is mapped.
    iommuIdmapMapped: input.memoryType !== 'mmio',
  };
}

/** `hyp_page_count()`: the kernel's single refcount, pins and DMA mappings together. */
export function hypPageCount(context: PkvmPageContext): number {
  return context.hypPinCount + context.dmaRefcount;
}

/** The guest's view of the page, `NOPAGE` for a VM index the page does not know. */
export function guestView(context: PkvmPageContext, vm: VmIndex): GuestPageState {
  return context.guests[vm] ?? 'NOPAGE';
}

/** A copy of the guest views with one VM's view replaced. */
export function withGuestView(
  guests: readonly GuestPageState[],
  vm: VmIndex,
  state: GuestPageState,
): readonly GuestPageState[] {
  const next = guests.slice();
  next[vm] = state;
  return next;
}

/** True iff the guest PTE is valid (mapped): `get_valid_guest_pte()` neither -ENOENT nor -EHWPOISON. */
export function guestPteIsMapped(state: GuestPageState): boolean {
  return state !== 'NOPAGE' && state !== 'POISON';
}

/** True iff a component whose view is `state` owns the page: OWNED, or SHARED_OWNED (it lent access). */
export function ownsPage(state: GuestPageState): boolean {
  return state === 'OWNED' || state === 'SHARED_OWNED';
}

/** The component states that give CPU access to the page. */
export function grantsAccess(state: GuestPageState): boolean {
  return state === 'OWNED' || state === 'SHARED_OWNED' || state === 'SHARED_BORROWED';
}

/** The host's `enum pkvm_page_state` for the page: the first part of the page machine's state. */
export function hostPageState(snapshot: MachineSnapshot): PageState {
  const dot = snapshot.value.indexOf('.');
  return (dot < 0 ? snapshot.value : snapshot.value.slice(0, dot)) as PageState;
}

/** True iff the host borrows the page from a protected guest that shared it (MEM_SHARE). */
export function hostBorrowsFromGuest(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'SHARED_BORROWED';
}

/** True iff the page is donated to the hypervisor: the host PTE is annotated with owner id HYP. */
export function pageIsOwnedByHyp(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'NOPAGE.ownedByHyp';
}

/** True iff a guest owns the page: the host PTE is annotated with the guest (owner id GUEST). */
export function pageIsOwnedByGuest(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'NOPAGE.ownedByGuest';
}

/** True iff the page is lent to the secure world with unmap-on-lend (owner id `PKVM_ID_FFA`). */
export function pageIsOwnedByFfa(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'NOPAGE.ownedByFfa';
}
