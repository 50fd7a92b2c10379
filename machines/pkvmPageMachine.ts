/**
 * One physical page under pKVM: its ownership as the host's stage-2 sees it, with the
 * hypervisor's and each guest's view, the `hyp_page` counters and the Android identity IOMMU
 * mapping kept in context.
 *
 * The states are the host's `enum pkvm_page_state` for the page (`struct hyp_page.__host_state`),
 * and `NOPAGE` is split by the owner annotation the kernel writes into the invalid host PTE
 * (`KVM_HOST_INVALID_PTE_TYPE_DONATION`, owner id HYP or GUEST; Android's `PKVM_ID_FFA`).
 * Every transition is one function of `torvalds/linux: arch/arm64/kvm/hyp/nvhe/mem_protect.c`
 * (mainline) or of the Android Common Kernel's copy of it ([A]), named in its guard's comment.
 * Where ACK branches differ the variant names its branch: `androidPkvmPageMachine` is
 * android16-6.12, `android15PkvmPageMachine` android15-6.6.
 * The host-side state check of each function is the state the transition leaves from; the
 * other side's checks are the guards, in the kernel's order, and each guard's failure code is
 * in `pkvmPageRefusals`.
 *
 * Modelling choices:
 * - One page per machine, one IPA per (page, VM): a guest's view of this page is its PTE at
 *   that IPA. Ranges (`nr_pages`, block mappings) are not modelled, so -E2BIG and the
 *   range-crossing -EINVAL of `check_range_allowed_memory()` cannot occur.
 * - The hypercall handler checks of `nvhe/hyp-main.c` (loaded vCPU, protected or not) read the
 *   VM facts carried by the event, which the world fills from the guest VM machine.
 * - Memcache top-ups (-ENOMEM) are not modelled: the host can always refill them.
 * - Zeroing by `hyp_poison_page()` is emitted as `PAGE_POISONED`, which the world routes to the
 *   page's content label.
 */
import { and, assign, emit, setup } from 'xstate';
import type { MachineFlaw } from './flaws.ts';
import {
  type GuestPageState,
  guestView,
  HOST_SHARE_GUEST_COUNT_MAX,
  hypPageCount,
  initialPageContext,
  type MemoryType,
  type PkvmPageContext,
  type VmIndex,
  withGuestView,
} from './pkvmPageState.ts';
import type { ErrorCode, RefusalTable } from './refusals.ts';

/** What the hypercall handler finds about the VM an event names (`nvhe/hyp-main.c`, `nvhe/pkvm.c`). */
export interface GuestFacts {
  readonly vm: VmIndex;
  /** `pkvm_hyp_vm_is_protected()`. */
  readonly vmProtected: boolean;
  /** A vCPU of this VM is loaded on the calling CPU (`pkvm_get_loaded_hyp_vcpu()` is non-NULL). */
  readonly vcpuLoaded: boolean;
  /** `hyp_vm->is_dying`, set by `__pkvm_start_teardown_vm()`. */
  readonly vmDying: boolean;
}

export type PkvmPageEvent =
  | { readonly type: 'HOST_SHARE_HYP' }
  | { readonly type: 'HOST_UNSHARE_HYP' }
  | { readonly type: 'HYP_PIN_SHARED_MEM' }
  | { readonly type: 'HYP_UNPIN_SHARED_MEM' }
  | { readonly type: 'HOST_DONATE_HYP' }
  | { readonly type: 'HYP_DONATE_HOST' }
  | { readonly type: 'HOST_SHARE_FFA' }
  | { readonly type: 'HOST_UNSHARE_FFA' }
  | { readonly type: 'HOST_DONATE_FFA' }
  | { readonly type: 'HOST_RECLAIM_FFA' }
  | ({ readonly type: 'HOST_DONATE_GUEST' } & GuestFacts)
  | ({ readonly type: 'HOST_SHARE_GUEST' } & GuestFacts)
  | ({ readonly type: 'HOST_UNSHARE_GUEST' } & GuestFacts)
  | ({ readonly type: 'GUEST_SHARE_HOST' } & GuestFacts)
  | ({ readonly type: 'GUEST_UNSHARE_HOST' } & GuestFacts)
  | ({ readonly type: 'GUEST_RELINQUISH_TO_HOST' } & GuestFacts)
  | ({ readonly type: 'GUEST_SHARE_FFA' } & GuestFacts)
  | ({ readonly type: 'GUEST_UNSHARE_FFA' } & GuestFacts)
  | ({ readonly type: 'RECLAIM_DYING_GUEST_PAGE' } & GuestFacts)
  | { readonly type: 'FORCE_RECLAIM_GUEST_PAGE' }
  | { readonly type: 'HOST_USE_DMA' }
  | { readonly type: 'HOST_UNUSE_DMA' };

export type PkvmPageEventType = PkvmPageEvent['type'];

/** Emitted when the hypervisor zeroes the page (`hyp_poison_page()`: memset 0 and clean to PoC). */
export interface PagePoisonedEvent {
  readonly type: 'PAGE_POISONED';
  readonly by: 'hyp_poison_page';
}

export interface PkvmPageInput {
  readonly pfn: number;
  readonly memoryType?: MemoryType;
  /** Number of guest VMs in the world (the length of the guest-view array). */
  readonly guestCount: number;
}

type Args = { context: PkvmPageContext; event: PkvmPageEvent };

/** The VM an event names; -1 for events that name none. */
function eventVm(event: PkvmPageEvent): VmIndex {
  return 'vm' in event ? event.vm : -1;
}

function eventGuest({ context, event }: Args): GuestPageState {
  return guestView(context, eventVm(event));
}

export const pkvmPageMachine = setup({
  types: {
    context: {} as PkvmPageContext,
    events: {} as PkvmPageEvent,
    input: {} as PkvmPageInput,
    emitted: {} as PagePoisonedEvent,
  },
  guards: {
    /**
     * `check_range_allowed_memory()` in mem_protect.c: the page is in a memblock region and not
     * `MEMBLOCK_NOMAP`; MMIO or no-map memory gives -EPERM.
     */
    pageIsMemory: ({ context }) => context.memoryType === 'memory',
    /**
     * What `__pkvm_host_share_ffa()` accepts. Mainline calls `__host_check_page_state_range()`,
     * hence `check_range_allowed_memory()`: memory only, -EPERM for no-map and MMIO. ACK
     * android16-6.12 passes `HOST_CHECK_ALLOW_NO_MAP` (`androidPkvmPageMachine`); ACK
     * android15-6.6 does not (`android15PkvmPageMachine`).
     */
    pageAcceptedForFfa: ({ context }) => context.memoryType === 'memory',
    /**
     * [A] `___host_check_page_state_range()` with `HOST_CHECK_NULL_REFCNT`, set for every
     * `OWNED` check ("OWNED pages may be used for DMA"): -EINVAL while an IOMMU maps the page.
     * Mainline has no DMA refcount, so an `OWNED` page always passes.
     */
    refcountIsZero: ({ context }) => hypPageCount(context) === 0,
    /** `__hyp_check_page_state_range(..., PKVM_NOPAGE)`: -EPERM. */
    hypPageIsNoPage: ({ context }) => context.hyp === 'NOPAGE',
    /** `__hyp_check_page_state_range(..., PKVM_PAGE_SHARED_BORROWED)`: -EPERM. */
    hypPageIsSharedBorrowed: ({ context }) => context.hyp === 'SHARED_BORROWED',
    /** `__hyp_check_page_state_range(..., PKVM_PAGE_OWNED)` in `__pkvm_hyp_donate_host()`: -EPERM. */
    hypPageIsOwned: ({ context }) => context.hyp === 'OWNED',
    /** `__pkvm_host_unshare_hyp()`: `hyp_page_count()` non-zero gives -EBUSY, checked after both states. */
    hypPageNotPinned: ({ context }) => hypPageCount(context) === 0,
    /** `hyp_unpin_shared_mem()` → `hyp_page_ref_dec()` BUG()s on a zero refcount. */
    hypPageIsPinned: ({ context }) => context.hypPinCount > 0,
    /**
     * `handle___pkvm_host_donate_guest()` in nvhe/hyp-main.c: -EINVAL unless a vCPU is loaded
     * and its VM is protected (only pVMs receive donations).
     */
    loadedVcpuIsProtected: ({ event }) => 'vm' in event && event.vcpuLoaded && event.vmProtected,
    /**
     * `handle___pkvm_host_share_guest()` in nvhe/hyp-main.c: -EINVAL unless a vCPU is loaded
     * and its VM is not protected (the host shares into non-protected VMs only).
     */
    loadedVcpuIsNotProtected: ({ event }) => 'vm' in event && event.vcpuLoaded && !event.vmProtected,
    /** `handle___pkvm_host_unshare_guest()` → `get_np_pkvm_hyp_vm()`: NULL for a pVM, -EINVAL. */
    vmIsNotProtected: ({ event }) => 'vm' in event && !event.vmProtected,
    /** `__guest_check_page_state_range(..., PKVM_NOPAGE)`: -EPERM (a POISON PTE is not NOPAGE either). */
    guestPageIsNoPage: (args) => eventGuest(args) === 'NOPAGE',
    /**
     * `__pkvm_host_share_guest()`: a `SHARED_OWNED` page may gain a guest only if it is already
     * shared with guests ("Only host to np-guest multi-sharing is tolerated"); count 0 means it
     * is shared with hyp or FF-A: -EPERM.
     */
    sharedOnlyWithGuests: ({ context }) => context.hostShareGuestCount > 0,
    /** `__pkvm_host_share_guest()`: `host_share_guest_count == U32_MAX` gives -EBUSY. */
    shareGuestCountBelowMax: ({ context }) => context.hostShareGuestCount < HOST_SHARE_GUEST_COUNT_MAX,
    /** `get_valid_guest_pte()`: a poisoned guest PTE gives -EHWPOISON. */
    guestPteNotPoisoned: (args) => eventGuest(args) !== 'POISON',
    /**
     * `__pkvm_host_reclaim_page_guest()`: `get_valid_guest_pte()` gives -EHWPOISON for a PTE
     * `__pkvm_host_force_reclaim_page_guest()` poisoned, which the function returns as 0 ("the
     * page was forcefully reclaimed already"): the call succeeds and changes nothing.
     */
    dyingGuestPteNotPoisoned: (args) => eventGuest(args) !== 'POISON',
    /** `get_valid_guest_pte()` / `__check_host_shared_guest()`: an invalid guest PTE gives -ENOENT. */
    guestPteIsMapped: (args) => eventGuest(args) !== 'NOPAGE' && eventGuest(args) !== 'POISON',
    /** `__check_host_shared_guest()`: guest state must be `SHARED_BORROWED`, else -EPERM. */
    guestPageIsSharedBorrowed: (args) => eventGuest(args) === 'SHARED_BORROWED',
    /** Guest state `OWNED` (`__pkvm_guest_share_host()`, reclaim, relinquish): -EPERM. */
    guestPageIsOwned: (args) => eventGuest(args) === 'OWNED',
    /** Guest state `SHARED_OWNED` (`__pkvm_guest_unshare_host()`, reclaim of a shared page): -EPERM. */
    guestPageIsSharedOwned: (args) => eventGuest(args) === 'SHARED_OWNED',
    /** `__check_host_shared_guest()`: a zero `host_share_guest_count` WARNs and gives -EINVAL. */
    shareGuestCountPositive: ({ context }) => context.hostShareGuestCount > 0,
    /** `__pkvm_host_unshare_guest()`: the host gets the page back when the count drops to 0. */
    lastGuestShare: ({ context }) => context.hostShareGuestCount === 1,
    /** `__pkvm_reclaim_dying_guest_page()` in nvhe/pkvm.c: -EINVAL unless `hyp_vm->is_dying`. */
    vmIsDying: ({ event }) => 'vm' in event && event.vmDying,
    /**
     * The reclaim of a dying guest's page, case guest `SHARED_OWNED`: the host must be
     * `SHARED_BORROWED`, i.e. the guest shared the page with the host, not with the secure world.
     * The only way the model reaches guest `SHARED_OWNED` with the host `NOPAGE` is [A]
     * `__pkvm_guest_share_ffa_page()`, so the check reads `sharedWithFfa`.
     * - [A] android16-6.12 `__pkvm_host_reclaim_page()`: "Presumably a page shared via FF-A, will
     *   be handled separately": -EBUSY (`androidPkvmPageRefusals`).
     * - Mainline `__pkvm_host_reclaim_page_guest()` and android15-6.6 `__pkvm_host_reclaim_page()`
     *   only WARN_ON() and hand the page to the host unzeroed; neither tree lets a guest share a
     *   page with FF-A, so the model refuses with KERNEL_BUG.
     */
    sharedGuestPageIsHostBorrowed: (args) =>
      !(eventGuest(args) === 'SHARED_OWNED' && args.context.sharedWithFfa),
    /** [A] `__pkvm_host_unuse_dma()` → `hyp_page_ref_dec()` BUG()s on a zero refcount. */
    pageIsDmaMapped: ({ context }) => context.dmaRefcount > 0,
    /**
     * [A] 6.12 `__pkvm_guest_relinquish_to_host()`: a non-protected vCPU gets 0 at once and
     * nothing changes (older ACK released np-VM `SHARED_BORROWED` pages instead).
     */
    relinquishFromProtectedVm: ({ event }) => 'vm' in event && event.vmProtected,
    /** [A] `__pkvm_guest_relinquish_to_host()`: `hyp_page_count()` non-zero (DMA pin) gives -EBUSY. */
    pageNotDmaPinned: ({ context }) => hypPageCount(context) === 0,
    /**
     * `__pkvm_host_force_reclaim_page_guest()`: the guest named by the host annotation must
     * hold the page `OWNED` (else -EPERM), after `get_valid_guest_pte()` (-EHWPOISON, -ENOENT).
     */
    annotatedGuestPageIsOwned: ({ context }) => guestView(context, context.guestOwner) === 'OWNED',
    /**
     * The pKVM FF-A proxy unshares only the constituents the SPMC returns for a reclaimed
     * handle (`do_ffa_mem_reclaim()` → `ffa_host_unshare_ranges()` in nvhe/ffa.c), so
     * `__pkvm_host_unshare_ffa()` only ever sees pages it shared with the secure world.
     */
    pageSharedWithFfa: ({ context }) => context.sharedWithFfa,
  },
  actions: {
    hypBorrows: assign({ hyp: 'SHARED_BORROWED' }),
    hypReturnsBorrowed: assign({ hyp: 'NOPAGE' }),
    pin: assign(({ context }) => ({ hypPinCount: context.hypPinCount + 1 })),
    unpin: assign(({ context }) => ({ hypPinCount: context.hypPinCount - 1 })),
    /** `host_stage2_set_owner_locked(PKVM_ID_HYP)`: [A] also unmaps the IOMMU identity domain. */
    hypTakesOwnership: assign({ hyp: 'OWNED', iommuIdmapMapped: false }),
    /** `host_stage2_set_owner_locked(PKVM_ID_HOST)`: idmap restored, [A] IOMMU mapped again. */
    hypGivesOwnershipBack: assign({ hyp: 'NOPAGE', iommuIdmapMapped: true }),
    ffaBorrows: assign({ sharedWithFfa: true }),
    ffaReturnsBorrowed: assign({ sharedWithFfa: false }),
    guestTakesOwnership: assign(({ context, event }) => ({
      guests: withGuestView(context.guests, eventVm(event), 'OWNED'),
      guestOwner: eventVm(event),
      iommuIdmapMapped: false,
    })),
    guestBorrows: assign(({ context, event }) => ({
      guests: withGuestView(context.guests, eventVm(event), 'SHARED_BORROWED'),
      hostShareGuestCount: context.hostShareGuestCount + 1,
    })),
    guestReturnsBorrowed: assign(({ context, event }) => ({
      guests: withGuestView(context.guests, eventVm(event), 'NOPAGE'),
      hostShareGuestCount: context.hostShareGuestCount - 1,
    })),
    /** `__pkvm_guest_share_host()`: host idmap re-established ([A] and its IOMMU too). */
    guestSharesWithHost: assign(({ context, event }) => ({
      guests: withGuestView(context.guests, eventVm(event), 'SHARED_OWNED'),
      guestOwner: -1,
      iommuIdmapMapped: true,
    })),
    guestSharesWithFfa: assign(({ context, event }) => ({
      guests: withGuestView(context.guests, eventVm(event), 'SHARED_OWNED'),
      sharedWithFfa: true,
    })),
    guestUnsharesFromFfa: assign(({ context, event }) => ({
      guests: withGuestView(context.guests, eventVm(event), 'OWNED'),
      sharedWithFfa: false,
    })),
    /** `__pkvm_guest_unshare_host()`: host annotated owner GUEST again (handle, gfn). */
    guestUnsharesFromHost: assign(({ context, event }) => ({
      guests: withGuestView(context.guests, eventVm(event), 'OWNED'),
      guestOwner: eventVm(event),
      iommuIdmapMapped: false,
    })),
    /** Guest PTE removed, host owner HOST (`host_stage2_set_owner_locked(PKVM_ID_HOST)`). */
    guestUnmapsForHost: assign(({ context, event }) => ({
      guests: withGuestView(context.guests, eventVm(event), 'NOPAGE'),
      guestOwner: -1,
      iommuIdmapMapped: true,
    })),
    /** `__pkvm_host_force_reclaim_page_guest()`: guest PTE annotated POISONED, host owner HOST. */
    poisonAnnotatedGuestPte: assign(({ context }) => ({
      guests: withGuestView(context.guests, context.guestOwner, 'POISON'),
      guestOwner: -1,
      iommuIdmapMapped: true,
    })),
    hypPoisonPage: emit({ type: 'PAGE_POISONED', by: 'hyp_poison_page' } as const),
    /**
     * `__pkvm_host_reclaim_page_guest()` calls `hyp_poison_page()` on a guest-owned page before
     * the host gets it back: the guarantee the `teardownWithoutPoison` flaw removes.
     */
    poisonReclaimedGuestPage: emit({ type: 'PAGE_POISONED', by: 'hyp_poison_page' } as const),
    /**
     * [A] `__pkvm_host_donate_ffa()` passes `HOST_SET_NO_IOMMU_UPDATE`: the identity IOMMU domain
     * keeps mapping the lent page. `unmapAllOnLendPkvmPageMachine` is the fix that unmaps it.
     */
    iommuOnFfaLend: assign({}),
    /** [A] `__pkvm_host_reclaim_ffa()`: no IOMMU update either (nothing was unmapped). */
    iommuOnFfaReclaim: assign({}),
    useDma: assign(({ context }) => ({ dmaRefcount: context.dmaRefcount + 1 })),
    unuseDma: assign(({ context }) => ({ dmaRefcount: context.dmaRefcount - 1 })),
  },
}).createMachine({
  id: 'pkvmPage',
  description:
    "One physical page under pKVM: its ownership as the host's stage-2 sees it, with the hypervisor's and each guest's view.",
  context: ({ input }) => initialPageContext(input),
  initial: 'OWNED',
  states: {
    OWNED: {
      description: 'The host owns the page and only the host (and its DMA masters) can access it',
      on: {
        /** `__pkvm_host_share_hyp()`: host OWNED, hyp NOPAGE; mainline maps it at EL2 on first pin. */
        HOST_SHARE_HYP: {
          guard: and(['pageIsMemory', 'refcountIsZero', 'hypPageIsNoPage']),
          target: 'SHARED_OWNED',
          actions: 'hypBorrows',
        },
        /** `__pkvm_host_donate_hyp()`: host OWNED, hyp NOPAGE; no zeroing on entry. */
        HOST_DONATE_HYP: {
          guard: and(['pageIsMemory', 'refcountIsZero', 'hypPageIsNoPage']),
          target: 'NOPAGE.ownedByHyp',
          actions: 'hypTakesOwnership',
        },
        /** `__pkvm_host_share_ffa()` (FF-A MEM_SHARE, and MEM_LEND in mainline): host keeps its mapping. */
        HOST_SHARE_FFA: {
          guard: and(['pageAcceptedForFfa', 'refcountIsZero']),
          target: 'SHARED_OWNED',
          actions: 'ffaBorrows',
        },
        /**
         * [A] `__pkvm_host_donate_ffa()` (MEM_LEND with `kvm_ffa_unmap_on_lend`): host loses its
         * stage-2 mapping, owner `PKVM_ID_FFA`; "does not update the IOMMU".
         */
        HOST_DONATE_FFA: {
          guard: and(['pageAcceptedForFfa', 'refcountIsZero']),
          target: 'NOPAGE.ownedByFfa',
          actions: 'iommuOnFfaLend',
        },
        /** `__pkvm_host_donate_guest()`: host OWNED, guest NOPAGE; [A] unmaps the IOMMU idmap first. */
        HOST_DONATE_GUEST: {
          guard: and(['loadedVcpuIsProtected', 'pageIsMemory', 'refcountIsZero', 'guestPageIsNoPage']),
          target: 'NOPAGE.ownedByGuest',
          actions: 'guestTakesOwnership',
        },
        /** `__pkvm_host_share_guest()` from host OWNED: guest NOPAGE; count 0 → 1. */
        HOST_SHARE_GUEST: {
          guard: and(['loadedVcpuIsNotProtected', 'pageIsMemory', 'guestPageIsNoPage', 'refcountIsZero']),
          target: 'SHARED_OWNED',
          actions: 'guestBorrows',
        },
        /** [A] `__pkvm_host_use_dma()`: only host-`OWNED` pages may be mapped for DMA; refcount +1. */
        HOST_USE_DMA: { guard: 'pageIsMemory', actions: 'useDma' },
        /** [A] `__pkvm_host_unuse_dma()`: refcount −1 (`hyp_page_ref_dec` BUG()s at 0). */
        HOST_UNUSE_DMA: { guard: 'pageIsDmaMapped', actions: 'unuseDma' },
      },
    },
    SHARED_OWNED: {
      description: 'The host owns the page and has granted access to hyp, the secure world, or guests',
      on: {
        /** `__pkvm_host_unshare_hyp()`: host SHARED_OWNED, hyp SHARED_BORROWED, then refcount 0 (-EBUSY). */
        HOST_UNSHARE_HYP: {
          guard: and(['hypPageIsSharedBorrowed', 'hypPageNotPinned']),
          target: 'OWNED',
          actions: 'hypReturnsBorrowed',
        },
        /** `hyp_pin_shared_mem()`: host SHARED_OWNED, hyp SHARED_BORROWED; refcount +1 (mapped at 1). */
        HYP_PIN_SHARED_MEM: { guard: 'hypPageIsSharedBorrowed', actions: 'pin' },
        /** `hyp_unpin_shared_mem()`: no state check; refcount −1 (unmapped at 0). */
        HYP_UNPIN_SHARED_MEM: { guard: 'hypPageIsPinned', actions: 'unpin' },
        /** `__pkvm_host_unshare_ffa()`: host SHARED_OWNED → OWNED. */
        HOST_UNSHARE_FFA: { guard: 'pageSharedWithFfa', target: 'OWNED', actions: 'ffaReturnsBorrowed' },
        /** `__pkvm_host_share_guest()` to one more non-protected guest: count > 0 and < U32_MAX. */
        HOST_SHARE_GUEST: {
          guard: and([
            'loadedVcpuIsNotProtected',
            'pageIsMemory',
            'guestPageIsNoPage',
            'sharedOnlyWithGuests',
            'shareGuestCountBelowMax',
          ]),
          actions: 'guestBorrows',
        },
        /** `__pkvm_host_unshare_guest()`: count −1; the host owns the page again at 0. */
        HOST_UNSHARE_GUEST: [
          {
            guard: and([
              'vmIsNotProtected',
              'guestPteIsMapped',
              'guestPageIsSharedBorrowed',
              'shareGuestCountPositive',
              'lastGuestShare',
            ]),
            target: 'OWNED',
            actions: 'guestReturnsBorrowed',
          },
          {
            guard: and([
              'vmIsNotProtected',
              'guestPteIsMapped',
              'guestPageIsSharedBorrowed',
              'shareGuestCountPositive',
            ]),
            actions: 'guestReturnsBorrowed',
          },
        ],
      },
    },
    SHARED_BORROWED: {
      description: 'A protected guest owns the page and shares it with the host (MEM_SHARE)',
      on: {
        /** `__pkvm_guest_unshare_host()` (guest HVC MEM_UNSHARE): guest SHARED_OWNED, host SHARED_BORROWED. */
        GUEST_UNSHARE_HOST: {
          guard: and(['guestPteNotPoisoned', 'guestPteIsMapped', 'guestPageIsSharedOwned']),
          target: 'NOPAGE.ownedByGuest',
          actions: 'guestUnsharesFromHost',
        },
        /**
         * `__pkvm_reclaim_dying_guest_page()` → `__pkvm_host_reclaim_page_guest()` on a page the
         * guest shared: returned to the host without zeroing.
         */
        RECLAIM_DYING_GUEST_PAGE: {
          guard: and(['vmIsDying', 'dyingGuestPteNotPoisoned', 'guestPteIsMapped', 'guestPageIsSharedOwned']),
          target: 'OWNED',
          actions: 'guestUnmapsForHost',
        },
      },
    },
    NOPAGE: {
      description: 'The host has no access; its stage-2 PTE records who owns the page',
      initial: 'ownedByHyp',
      states: {
        ownedByHyp: {
          description: 'Donated to the hypervisor (owner id PKVM_ID_HYP)',
          on: {
            /** `__pkvm_hyp_donate_host()`: hyp OWNED, host NOPAGE; callers zero what they give back. */
            HYP_DONATE_HOST: {
              guard: 'hypPageIsOwned',
              target: '#pkvmPage.OWNED',
              actions: 'hypGivesOwnershipBack',
            },
          },
        },
        ownedByGuest: {
          description: 'Owned by a guest (owner id PKVM_ID_GUEST with VM handle and gfn)',
          on: {
            /**
             * [A] `__pkvm_guest_share_ffa_page()` (the pVM's FF-A MEM_SHARE/LEND through the pKVM
             * proxy, page by page): guest OWNED → SHARED_OWNED; the host stays NOPAGE, so the
             * pVM reaches the secure world without the host ever mapping the page.
             */
            GUEST_SHARE_FFA: {
              guard: and(['guestPteNotPoisoned', 'guestPteIsMapped', 'guestPageIsOwned']),
              actions: 'guestSharesWithFfa',
            },
            /** [A] `__pkvm_guest_unshare_ffa_page()` on reclaim: guest SHARED_OWNED → OWNED. */
            GUEST_UNSHARE_FFA: {
              guard: and([
                'guestPteNotPoisoned',
                'guestPteIsMapped',
                'guestPageIsSharedOwned',
                'pageSharedWithFfa',
              ]),
              actions: 'guestUnsharesFromFfa',
            },
            /** `__pkvm_guest_share_host()` (guest HVC MEM_SHARE): guest OWNED, host NOPAGE. */
            GUEST_SHARE_HOST: {
              guard: and(['guestPteNotPoisoned', 'guestPteIsMapped', 'guestPageIsOwned']),
              target: '#pkvmPage.SHARED_BORROWED',
              actions: 'guestSharesWithHost',
            },
            /**
             * `__pkvm_reclaim_dying_guest_page()` → `__pkvm_host_reclaim_page_guest()` on a page
             * the guest owns: `hyp_poison_page()` zeroes it before the host gets it back.
             */
            RECLAIM_DYING_GUEST_PAGE: {
              guard: and([
                'vmIsDying',
                'dyingGuestPteNotPoisoned',
                'guestPteIsMapped',
                'sharedGuestPageIsHostBorrowed',
                'guestPageIsOwned',
              ]),
              target: '#pkvmPage.OWNED',
              actions: ['poisonReclaimedGuestPage', 'guestUnmapsForHost'],
            },
            /**
             * `__pkvm_host_force_reclaim_page_guest()` (host fault path, any live VM): zero the
             * page, poison the guest PTE, host owner HOST.
             */
            FORCE_RECLAIM_GUEST_PAGE: {
              guard: 'annotatedGuestPageIsOwned',
              target: '#pkvmPage.OWNED',
              actions: ['hypPoisonPage', 'poisonAnnotatedGuestPte'],
            },
            /**
             * [A] `__pkvm_guest_relinquish_to_host()` (guest HVC MEM_RELINQUISH, balloon): pVM
             * page OWNED and not DMA-pinned; zeroed, host OWNED.
             */
            GUEST_RELINQUISH_TO_HOST: {
              guard: and(['relinquishFromProtectedVm', 'guestPageIsOwned', 'pageNotDmaPinned']),
              target: '#pkvmPage.OWNED',
              actions: ['hypPoisonPage', 'guestUnmapsForHost'],
            },
          },
        },
        ownedByFfa: {
          description: '[A] Lent to the secure world with unmap-on-lend (owner id PKVM_ID_FFA)',
          on: {
            /** [A] `__pkvm_host_reclaim_ffa()`: host NOPAGE → owner HOST; no IOMMU update either way. */
            HOST_RECLAIM_FFA: { target: '#pkvmPage.OWNED', actions: 'iommuOnFfaReclaim' },
          },
        },
      },
    },
  },
});

/**
 * The Android Common Kernel android16-6.12: `__pkvm_host_share_ffa()` and
 * `__pkvm_host_donate_ffa()` pass `HOST_CHECK_ALLOW_NO_MAP` to `___host_check_page_state_range()`,
 * so no-map carveouts may be shared or lent to the secure world; MMIO still fails (-EINVAL
 * through `HOST_CHECK_IS_MEMORY`). Read in GrapheneOS/kernel_common-6.12 at 0a68c948.
 */
export const androidPkvmPageMachine = pkvmPageMachine.provide({
  guards: { pageAcceptedForFfa: ({ context }) => context.memoryType !== 'mmio' },
});

/**
 * The Android Common Kernel android15-6.6 (read in GrapheneOS/kernel_common-6.6 at bfb7423b):
 * `__pkvm_host_share_ffa()` goes through `do_share()` → `host_request_owned_transition()` →
 * `__host_check_page_state_range()`, whose `___host_check_page_state_range()` refuses a
 * `MEMBLOCK_NOMAP` region with -EPERM (there is no `HOST_CHECK_ALLOW_NO_MAP`); MMIO passes the
 * page-table check and fails in `host_initiate_share()` → `__host_set_page_state_range()`
 * (`!range_is_memory`, -EPERM). Only what was read for these calls differs from
 * `androidPkvmPageMachine`: the 6.6 tree has neither `__pkvm_host_donate_ffa()` nor
 * `__pkvm_guest_share_ffa_page()`, so a world on this variant issues neither call.
 */
export const android15PkvmPageMachine = androidPkvmPageMachine.provide({
  guards: { pageAcceptedForFfa: ({ context }) => context.memoryType === 'memory' },
});

type PageGuard = keyof typeof pkvmPageMachine.implementations.guards;

/** Code when a guest-side PTE check precedes the host-state check (`get_valid_guest_pte()` order). */
function guestPteFirst(context: PkvmPageContext, event: PkvmPageEvent): ErrorCode {
  const view = guestView(context, eventVm(event));
  if (view === 'POISON') return 'EHWPOISON';
  if (view === 'NOPAGE') return 'ENOENT';
  return 'EPERM';
}

/**
 * Refusal codes. Host-state mismatches are -EPERM (`__host_check_page_state_range()`); events
 * whose source checks the guest PTE first take the guest's code.
 */
export const pkvmPageRefusals: RefusalTable<PageGuard, PkvmPageContext, PkvmPageEvent> = {
  unhandled: {
    default: 'EPERM',
    /** The handler's loaded-pVM check (-EINVAL) comes before any page state (-EPERM). */
    HOST_DONATE_GUEST: (_context, event) =>
      'vm' in event && event.vcpuLoaded && event.vmProtected ? 'EPERM' : 'EINVAL',
    /** The handler's loaded-np-VM check (-EINVAL) comes before any page state (-EPERM). */
    HOST_SHARE_GUEST: (_context, event) =>
      'vm' in event && event.vcpuLoaded && !event.vmProtected ? 'EPERM' : 'EINVAL',
    /** `__check_host_shared_guest()` reads the guest PTE (-ENOENT) before the host state. */
    HOST_UNSHARE_GUEST: (context, event) => {
      if ('vm' in event && event.vmProtected) return 'EINVAL';
      const view = guestView(context, eventVm(event));
      return view === 'NOPAGE' || view === 'POISON' ? 'ENOENT' : 'EPERM';
    },
    GUEST_SHARE_HOST: guestPteFirst,
    GUEST_UNSHARE_HOST: guestPteFirst,
    /** `__pkvm_host_reclaim_page_guest()` returns 0 for -EHWPOISON (see `dyingGuestPteNotPoisoned`). */
    RECLAIM_DYING_GUEST_PAGE: (context, event) => {
      if (!('vm' in event) || !event.vmDying) return 'EINVAL';
      const code = guestPteFirst(context, event);
      return code === 'EHWPOISON' ? 'NO_EFFECT' : code;
    },
    /** `host_stage2_get_guest_info()`: the host can already access the page (-EAGAIN), or MMIO (-EFAULT). */
    FORCE_RECLAIM_GUEST_PAGE: (context, _event, state) => {
      if (context.memoryType === 'mmio') return 'EFAULT';
      return state.startsWith('NOPAGE') ? 'EPERM' : 'EAGAIN';
    },
    GUEST_RELINQUISH_TO_HOST: (context, event) => guestPteFirst(context, event),
    GUEST_SHARE_FFA: guestPteFirst,
    GUEST_UNSHARE_FFA: guestPteFirst,
  },
  guards: {
    pageIsMemory: 'EPERM',
    pageAcceptedForFfa: 'EPERM',
    refcountIsZero: 'EINVAL',
    hypPageIsNoPage: 'EPERM',
    hypPageIsSharedBorrowed: 'EPERM',
    hypPageIsOwned: 'EPERM',
    hypPageNotPinned: 'EBUSY',
    hypPageIsPinned: 'KERNEL_BUG',
    pageIsDmaMapped: 'KERNEL_BUG',
    loadedVcpuIsProtected: 'EINVAL',
    loadedVcpuIsNotProtected: 'EINVAL',
    vmIsNotProtected: 'EINVAL',
    guestPageIsNoPage: 'EPERM',
    sharedOnlyWithGuests: 'EPERM',
    shareGuestCountBelowMax: 'EBUSY',
    guestPteNotPoisoned: 'EHWPOISON',
    dyingGuestPteNotPoisoned: 'NO_EFFECT',
    guestPteIsMapped: 'ENOENT',
    guestPageIsSharedBorrowed: 'EPERM',
    guestPageIsOwned: 'EPERM',
    guestPageIsSharedOwned: 'EPERM',
    shareGuestCountPositive: 'EINVAL',
    lastGuestShare: 'EPERM',
    vmIsDying: 'EINVAL',
    sharedGuestPageIsHostBorrowed: 'KERNEL_BUG',
    relinquishFromProtectedVm: 'NO_EFFECT',
    pageNotDmaPinned: 'EBUSY',
    annotatedGuestPageIsOwned: 'EPERM',
    pageSharedWithFfa: 'FFA_RET_INVALID_PARAMETERS',
  },
};

/**
 * The fix neither kernel has: unmap-on-lend that removes the page from the IOMMU identity
 * domain as well as from the host stage-2, and maps it back on reclaim.
 */
export const unmapAllOnLendPkvmPageMachine = androidPkvmPageMachine.provide({
  actions: {
    iommuOnFfaLend: assign({ iommuIdmapMapped: false }),
    iommuOnFfaReclaim: assign({ iommuIdmapMapped: true }),
  },
});

type PkvmPageProvide = Parameters<typeof pkvmPageMachine.provide>[0];

/** Named flaws of this machine (see `flaws.ts`). */
export const pkvmPageFlaws = {
  unmapOnLendWithoutIommu: {
    summary:
      'Unmap-on-lend removes the host CPU mapping but not the IOMMU identity mapping, so host DMA ' +
      'masters still reach lent memory: Android __pkvm_host_donate_ffa() (nvhe/mem_protect.c) passes ' +
      'HOST_SET_NO_IOMMU_UPDATE. This is the Android behaviour; the switch turns the unmapAll fix back into it.',
    provide: { actions: { iommuOnFfaLend: assign({}), iommuOnFfaReclaim: assign({}) } },
  },
  teardownWithoutPoison: {
    summary:
      "Reclaiming a dying guest's page gives it to the host without zeroing it: " +
      '__pkvm_host_reclaim_page_guest() (nvhe/mem_protect.c) without its hyp_poison_page() call.',
    provide: { actions: { poisonReclaimedGuestPage: assign({}) } },
  },
} as const satisfies Record<string, MachineFlaw<PkvmPageProvide>>;

/**
 * Android android16-6.12: `HOST_CHECK_IS_MEMORY` turns an MMIO page into -EINVAL for the FF-A
 * calls, and `__pkvm_host_reclaim_page()` refuses a guest page shared with FF-A with -EBUSY.
 */
export const androidPkvmPageRefusals: typeof pkvmPageRefusals = {
  ...pkvmPageRefusals,
  guards: {
    ...pkvmPageRefusals.guards,
    pageAcceptedForFfa: 'EINVAL',
    sharedGuestPageIsHostBorrowed: 'EBUSY',
  },
};

/** Android android15-6.6: no-map and MMIO pages are -EPERM for `__pkvm_host_share_ffa()`. */
export const android15PkvmPageRefusals: typeof pkvmPageRefusals = {
  ...androidPkvmPageRefusals,
  guards: {
    ...androidPkvmPageRefusals.guards,
    pageAcceptedForFfa: 'EPERM',
    sharedGuestPageIsHostBorrowed: 'KERNEL_BUG',
  },
};
