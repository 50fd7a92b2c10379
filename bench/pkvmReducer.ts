/**
 * A hand-written pure reducer with the semantics of the pKVM world `buildPkvmWorld(spec)` builds
 * (the page and guest VM machines, the world's steps in the same order with the same arguments,
 * its routing rules and bounds), written the way one writes a reducer for speed: no XState, a
 * state packed into a short one-byte string, guards as plain `if`s, and the string itself as
 * the fingerprint.
 *
 * It exists to measure the world against: `npm run bench` runs the same `breadthFirstSearch`
 * over both, and `test/bench/pkvmReducer.test.ts` proves the two explore the same space. It
 * supports the stock machines only (`spec.pageMachine` and `spec.vmMachine` are refused).
 *
 * State layout (char codes, all below 256):
 * - per page, `PAGE_FIXED + guests` bytes from `page * stride`:
 *   [0] host state | hyp state << 3 | sharedWithFfa << 5 | iommuIdmapMapped << 6
 *   [1] guestOwner + 1   [2] hypPinCount   [3] dmaRefcount   [4] hostShareGuestCount
 *   [5 + vm] the guest's view of the page
 * - per VM, one byte after the pages: VM state | initialisedVcpus << 3
 */

import type { GuestVmContext } from '../machines/guestVmMachine.ts';
import type { PkvmPageContext } from '../machines/pkvmPageState.ts';
import type { ExplorableModel } from '../src/engine/bfs.ts';
import type { PkvmFamilySpec } from '../src/world/families/pkvmFamily.ts';
import type { World, WorldState } from '../src/world/world.ts';

/** Host states: `enum pkvm_page_state` with `NOPAGE` split by owner annotation, as the machine's leaf paths. */
export const HOST_STATES = [
  'OWNED',
  'SHARED_OWNED',
  'SHARED_BORROWED',
  'NOPAGE.ownedByHyp',
  'NOPAGE.ownedByGuest',
  'NOPAGE.ownedByFfa',
] as const;
const OWNED = 0;
const SHARED_OWNED = 1;
const SHARED_BORROWED = 2;
const NOPAGE_HYP = 3;
const NOPAGE_GUEST = 4;
const NOPAGE_FFA = 5;

/** The hypervisor's view (`SHARED_OWNED` is never reached but kept for a total decoding). */
export const HYP_STATES = ['NOPAGE', 'SHARED_BORROWED', 'OWNED', 'SHARED_OWNED'] as const;
const H_NOPAGE = 0;
const H_SHARED_BORROWED = 1;
const H_OWNED = 2;
const H_SHARED_OWNED = 3;

/** A guest's view of the page. */
export const GUEST_STATES = ['NOPAGE', 'OWNED', 'SHARED_OWNED', 'SHARED_BORROWED', 'POISON'] as const;
const G_NOPAGE = 0;
const G_OWNED = 1;
const G_SHARED_OWNED = 2;
const G_SHARED_BORROWED = 3;
const G_POISON = 4;

/** Guest VM states, as the VM machine's leaf paths. */
export const VM_STATES = ['created', 'running.vcpuPut', 'running.vcpuLoaded', 'dying', 'destroyed'] as const;
const VM_CREATED = 0;
const VM_PUT = 1;
const VM_LOADED = 2;
const VM_DYING = 3;
const VM_DESTROYED = 4;

const FFA_BIT = 1 << 5;
const IOMMU_BIT = 1 << 6;
const PAGE_FIXED = 5;

/** Step opcodes, in the order the world declares its calls; page-and-VM calls from `OP_HOST_DONATE_GUEST`, VM calls from `OP_INIT_VCPU`. */
const OP_HOST_SHARE_HYP = 0;
const OP_HOST_UNSHARE_HYP = 1;
const OP_HYP_PIN_SHARED_MEM = 2;
const OP_HYP_UNPIN_SHARED_MEM = 3;
const OP_HOST_DONATE_HYP = 4;
const OP_HYP_DONATE_HOST = 5;
const OP_HOST_SHARE_FFA = 6;
const OP_HOST_UNSHARE_FFA = 7;
const OP_HOST_DONATE_FFA = 8;
const OP_HOST_RECLAIM_FFA = 9;
const OP_FORCE_RECLAIM_GUEST_PAGE = 10;
const OP_HOST_USE_DMA = 11;
const OP_HOST_UNUSE_DMA = 12;
const OP_HOST_DONATE_GUEST = 13;
const OP_HOST_SHARE_GUEST = 14;
const OP_HOST_UNSHARE_GUEST = 15;
const OP_GUEST_SHARE_HOST = 16;
const OP_GUEST_UNSHARE_HOST = 17;
const OP_GUEST_RELINQUISH_TO_HOST = 18;
const OP_RECLAIM_DYING_GUEST_PAGE = 19;
const OP_INIT_VCPU = 20;
const OP_VCPU_LOAD = 21;
const OP_VCPU_PUT = 22;
const OP_START_TEARDOWN_VM = 23;
const OP_FINALIZE_TEARDOWN_VM = 24;

/** What a step is, in the world's terms: its call and arguments (page pfn, VM name). */
export interface ReducerStepInfo {
  readonly call: string;
  readonly args: Readonly<Record<string, string | number>>;
}

/** The decoded state, one entry per page and per VM, in the world's vocabulary. */
export interface PkvmProjection {
  readonly pages: readonly {
    readonly host: string;
    readonly hyp: string;
    readonly guests: readonly string[];
    readonly guestOwner: number;
    readonly hypPinCount: number;
    readonly dmaRefcount: number;
    readonly hostShareGuestCount: number;
    readonly sharedWithFfa: boolean;
    readonly iommuIdmapMapped: boolean;
  }[];
  readonly vms: readonly { readonly state: string; readonly initialisedVcpus: number }[];
}

export interface PkvmReducer extends ExplorableModel<string, number> {
  /** `steps[i] === i`: a step is its index. */
  readonly steps: readonly number[];
  readonly stepInfo: readonly ReducerStepInfo[];
  /** Names of the invariants I1–I9 the state violates, page by page, in `pkvmInvariants` order. */
  violated(state: string): string[];
  decode(state: string): PkvmProjection;
}

const PAGE_CALLS: readonly { op: number; call: string; android?: boolean; ffa?: boolean; dma?: boolean }[] = [
  { op: OP_HOST_SHARE_HYP, call: 'HOST_SHARE_HYP' },
  { op: OP_HOST_UNSHARE_HYP, call: 'HOST_UNSHARE_HYP' },
  { op: OP_HYP_PIN_SHARED_MEM, call: 'HYP_PIN_SHARED_MEM' },
  { op: OP_HYP_UNPIN_SHARED_MEM, call: 'HYP_UNPIN_SHARED_MEM' },
  { op: OP_HOST_DONATE_HYP, call: 'HOST_DONATE_HYP' },
  { op: OP_HYP_DONATE_HOST, call: 'HYP_DONATE_HOST' },
  { op: OP_HOST_SHARE_FFA, call: 'HOST_SHARE_FFA', ffa: true },
  { op: OP_HOST_UNSHARE_FFA, call: 'HOST_UNSHARE_FFA', ffa: true },
  { op: OP_HOST_DONATE_FFA, call: 'HOST_DONATE_FFA', android: true, ffa: true },
  { op: OP_HOST_RECLAIM_FFA, call: 'HOST_RECLAIM_FFA', android: true, ffa: true },
  { op: OP_FORCE_RECLAIM_GUEST_PAGE, call: 'FORCE_RECLAIM_GUEST_PAGE' },
  { op: OP_HOST_USE_DMA, call: 'HOST_USE_DMA', android: true, dma: true },
  { op: OP_HOST_UNUSE_DMA, call: 'HOST_UNUSE_DMA', android: true, dma: true },
];

const GUEST_PAGE_CALLS: readonly { op: number; call: string; android?: boolean }[] = [
  { op: OP_HOST_DONATE_GUEST, call: 'HOST_DONATE_GUEST' },
  { op: OP_HOST_SHARE_GUEST, call: 'HOST_SHARE_GUEST' },
  { op: OP_HOST_UNSHARE_GUEST, call: 'HOST_UNSHARE_GUEST' },
  { op: OP_GUEST_SHARE_HOST, call: 'GUEST_SHARE_HOST' },
  { op: OP_GUEST_UNSHARE_HOST, call: 'GUEST_UNSHARE_HOST' },
  { op: OP_GUEST_RELINQUISH_TO_HOST, call: 'GUEST_RELINQUISH_TO_HOST', android: true },
  { op: OP_RECLAIM_DYING_GUEST_PAGE, call: 'RECLAIM_DYING_GUEST_PAGE' },
];

const VM_CALLS: readonly { op: number; call: string }[] = [
  { op: OP_INIT_VCPU, call: 'INIT_VCPU' },
  { op: OP_VCPU_LOAD, call: 'VCPU_LOAD' },
  { op: OP_VCPU_PUT, call: 'VCPU_PUT' },
  { op: OP_START_TEARDOWN_VM, call: 'START_TEARDOWN_VM' },
  { op: OP_FINALIZE_TEARDOWN_VM, call: 'FINALIZE_TEARDOWN_VM' },
];

/** Replaces `length` bytes at `at` (one-byte strings: every code is below 256). */
function put(s: string, at: number, bytes: string): string {
  return s.slice(0, at) + bytes + s.slice(at + bytes.length);
}
const chr = String.fromCharCode;

export function pkvmReducer(spec: PkvmFamilySpec): PkvmReducer {
  if (spec.pageMachine || spec.vmMachine) throw new Error('the reducer models the stock machines only');
  const android = spec.kernel === 'android';
  const pageCount = spec.pages.length;
  const guestCount = spec.guests.length;
  const { hypPins, dmaMappings, vcpus } = spec.bounds;
  if (guestCount > 254 || hypPins > 255 || dmaMappings > 255 || vcpus > 31) {
    throw new Error('the reducer packs counters in bytes: bounds too large');
  }
  const stride = PAGE_FIXED + guestCount;
  const vmBase = pageCount * stride;
  const isMemory = spec.pages.map((page) => page.memoryType === 'memory');
  /** `pageAcceptedForFfa`: memory only upstream; Android also takes no-map (`HOST_CHECK_ALLOW_NO_MAP`). */
  const ffaOk = spec.pages.map((page) =>
    android ? page.memoryType !== 'mmio' : page.memoryType === 'memory',
  );
  const isNomap = spec.pages.map((page) => page.memoryType === 'nomap');
  const isProtected = spec.guests.map((guest) => guest.protected);

  // Step table, in the world's order: per page its page calls then per VM its guest-page calls;
  // then per VM its lifecycle calls.
  const ops: number[] = [];
  const stepPage: number[] = [];
  const stepVm: number[] = [];
  const stepInfo: ReducerStepInfo[] = [];
  for (let p = 0; p < pageCount; p++) {
    for (const c of PAGE_CALLS) {
      if (c.android && !android) continue;
      if (c.ffa && !spec.rawFfaCalls) continue;
      if (c.dma && spec.iommu !== 'dmaDomains') continue;
      ops.push(c.op);
      stepPage.push(p);
      stepVm.push(-1);
      stepInfo.push({ call: c.call, args: { page: p } });
    }
    for (let vm = 0; vm < guestCount; vm++) {
      for (const c of GUEST_PAGE_CALLS) {
        if (c.android && !android) continue;
        ops.push(c.op);
        stepPage.push(p);
        stepVm.push(vm);
        stepInfo.push({ call: c.call, args: { page: p, vm: spec.guests[vm]!.name } });
      }
    }
  }
  for (let vm = 0; vm < guestCount; vm++) {
    for (const c of VM_CALLS) {
      ops.push(c.op);
      stepPage.push(-1);
      stepVm.push(vm);
      stepInfo.push({ call: c.call, args: { vm: spec.guests[vm]!.name } });
    }
  }
  const opOf = Int32Array.from(ops);
  const pageOf = Int32Array.from(stepPage);
  const vmOf = Int32Array.from(stepVm);

  let initial = '';
  for (let p = 0; p < pageCount; p++) {
    const iommu = spec.pages[p]!.memoryType !== 'mmio' ? IOMMU_BIT : 0;
    initial += chr(OWNED | (H_NOPAGE << 3) | iommu, 0, 0, 0, 0) + chr(G_NOPAGE).repeat(guestCount);
  }
  for (let vm = 0; vm < guestCount; vm++) initial += chr(VM_CREATED);

  /** The page's flags byte with host, hyp and the IOMMU bit replaced; FF-A bit kept. */
  const flags = (old: number, host: number, hyp: number, iommu: number) =>
    host | (hyp << 3) | (old & FFA_BIT) | (iommu ? IOMMU_BIT : 0);

  function apply(s: string, step: number): string | undefined {
    const op = opOf[step]!;
    const vm = vmOf[step]!;
    if (op >= OP_INIT_VCPU) {
      const at = vmBase + vm;
      const v = s.charCodeAt(at);
      const state = v & 7;
      const n = v >> 3;
      switch (op) {
        case OP_INIT_VCPU:
          if (n >= vcpus) return undefined;
          if (state === VM_CREATED) return put(s, at, chr(VM_PUT | ((n + 1) << 3)));
          if (state === VM_PUT || state === VM_LOADED) return put(s, at, chr(state | ((n + 1) << 3)));
          return undefined;
        case OP_VCPU_LOAD:
          return state === VM_PUT && n > 0 ? put(s, at, chr(VM_LOADED | (n << 3))) : undefined;
        case OP_VCPU_PUT:
          return state === VM_LOADED ? put(s, at, chr(VM_PUT | (n << 3))) : undefined;
        case OP_START_TEARDOWN_VM:
          return state === VM_CREATED || state === VM_PUT ? put(s, at, chr(VM_DYING | (n << 3))) : undefined;
        default: {
          // FINALIZE_TEARDOWN_VM: dying, and none of its pages still mapped (pagesStillMapped 0).
          if (state !== VM_DYING) return undefined;
          for (let p = 0, g = PAGE_FIXED + vm; p < pageCount; p++, g += stride) {
            const view = s.charCodeAt(g);
            if (view !== G_NOPAGE && view !== G_POISON) return undefined;
          }
          return put(s, at, chr(VM_DESTROYED | (n << 3)));
        }
      }
    }
    const page = pageOf[step]!;
    const base = page * stride;
    const f = s.charCodeAt(base);
    const host = f & 7;
    const hyp = (f >> 3) & 3;
    const pins = s.charCodeAt(base + 2);
    const dma = s.charCodeAt(base + 3);
    const refcount = pins + dma;
    if (op < OP_HOST_DONATE_GUEST) {
      switch (op) {
        case OP_HOST_SHARE_HYP:
          if (host !== OWNED || !isMemory[page] || refcount !== 0 || hyp !== H_NOPAGE) return undefined;
          return put(s, base, chr(flags(f, SHARED_OWNED, H_SHARED_BORROWED, f & IOMMU_BIT)));
        case OP_HOST_UNSHARE_HYP:
          if (host !== SHARED_OWNED || hyp !== H_SHARED_BORROWED || refcount !== 0) return undefined;
          return put(s, base, chr(flags(f, OWNED, H_NOPAGE, f & IOMMU_BIT)));
        case OP_HYP_PIN_SHARED_MEM:
          if (pins >= hypPins) return undefined;
          if (host !== SHARED_OWNED || hyp !== H_SHARED_BORROWED) return undefined;
          return put(s, base + 2, chr(pins + 1));
        case OP_HYP_UNPIN_SHARED_MEM:
          if (host !== SHARED_OWNED || pins === 0) return undefined;
          return put(s, base + 2, chr(pins - 1));
        case OP_HOST_DONATE_HYP:
          if (host !== OWNED || !isMemory[page] || refcount !== 0 || hyp !== H_NOPAGE) return undefined;
          return put(s, base, chr(flags(f, NOPAGE_HYP, H_OWNED, 0)));
        case OP_HYP_DONATE_HOST:
          if (host !== NOPAGE_HYP || hyp !== H_OWNED) return undefined;
          return put(s, base, chr(flags(f, OWNED, H_NOPAGE, 1)));
        case OP_HOST_SHARE_FFA:
          if (host !== OWNED || !ffaOk[page] || refcount !== 0) return undefined;
          return put(s, base, chr(flags(f, SHARED_OWNED, hyp, f & IOMMU_BIT) | FFA_BIT));
        case OP_HOST_UNSHARE_FFA:
          if (host !== SHARED_OWNED || !(f & FFA_BIT)) return undefined;
          return put(s, base, chr(flags(f, OWNED, hyp, f & IOMMU_BIT) & ~FFA_BIT));
        case OP_HOST_DONATE_FFA:
          if (host !== OWNED || !ffaOk[page] || refcount !== 0) return undefined;
          return put(s, base, chr(flags(f, NOPAGE_FFA, hyp, f & IOMMU_BIT)));
        case OP_HOST_RECLAIM_FFA:
          if (host !== NOPAGE_FFA) return undefined;
          return put(s, base, chr(flags(f, OWNED, hyp, f & IOMMU_BIT)));
        case OP_FORCE_RECLAIM_GUEST_PAGE: {
          // The annotated guest must hold the page OWNED; its PTE is poisoned.
          const owner = s.charCodeAt(base + 1) - 1;
          if (host !== NOPAGE_GUEST || owner < 0) return undefined;
          const g = base + PAGE_FIXED + owner;
          if (s.charCodeAt(g) !== G_OWNED) return undefined;
          const t = put(s, base, chr(flags(f, OWNED, hyp, 1), 0));
          return put(t, g, chr(G_POISON));
        }
        case OP_HOST_USE_DMA:
          if (dma >= dmaMappings) return undefined;
          if (host !== OWNED || !isMemory[page]) return undefined;
          return put(s, base + 3, chr(dma + 1));
        default:
          // HOST_UNUSE_DMA
          if (host !== OWNED || dma === 0) return undefined;
          return put(s, base + 3, chr(dma - 1));
      }
    }
    // Calls naming a page and a VM: the handler reads the VM facts from the VM's state.
    const vmState = s.charCodeAt(vmBase + vm) & 7;
    const loaded = vmState === VM_LOADED;
    const prot = isProtected[vm]!;
    const g = base + PAGE_FIXED + vm;
    const view = s.charCodeAt(g);
    const count = s.charCodeAt(base + 4);
    switch (op) {
      case OP_HOST_DONATE_GUEST:
        if (host !== OWNED || !loaded || !prot || !isMemory[page] || refcount !== 0 || view !== G_NOPAGE)
          return undefined;
        return put(put(s, base, chr(flags(f, NOPAGE_GUEST, hyp, 0), vm + 1)), g, chr(G_OWNED));
      case OP_HOST_SHARE_GUEST:
        if (!loaded || prot || !isMemory[page] || view !== G_NOPAGE) return undefined;
        if (host === OWNED) {
          if (refcount !== 0) return undefined;
          const t = put(s, base, chr(flags(f, SHARED_OWNED, hyp, f & IOMMU_BIT)));
          return put(put(t, base + 4, chr(count + 1)), g, chr(G_SHARED_BORROWED));
        }
        // From SHARED_OWNED only if already shared with guests; the u32 count never reaches U32_MAX here.
        if (host !== SHARED_OWNED || count === 0) return undefined;
        return put(put(s, base + 4, chr(count + 1)), g, chr(G_SHARED_BORROWED));
      case OP_HOST_UNSHARE_GUEST: {
        if (host !== SHARED_OWNED || prot || view !== G_SHARED_BORROWED || count === 0) return undefined;
        const t = count === 1 ? put(s, base, chr(flags(f, OWNED, hyp, f & IOMMU_BIT))) : s;
        return put(put(t, base + 4, chr(count - 1)), g, chr(G_NOPAGE));
      }
      case OP_GUEST_SHARE_HOST:
        // A guest hypercall is issued only by a loaded vCPU.
        if (!loaded || host !== NOPAGE_GUEST || view !== G_OWNED) return undefined;
        return put(put(s, base, chr(flags(f, SHARED_BORROWED, hyp, 1), 0)), g, chr(G_SHARED_OWNED));
      case OP_GUEST_UNSHARE_HOST:
        if (!loaded || host !== SHARED_BORROWED || view !== G_SHARED_OWNED) return undefined;
        return put(put(s, base, chr(flags(f, NOPAGE_GUEST, hyp, 0), vm + 1)), g, chr(G_OWNED));
      case OP_GUEST_RELINQUISH_TO_HOST:
        if (!loaded || host !== NOPAGE_GUEST || !prot || view !== G_OWNED || refcount !== 0) return undefined;
        return put(put(s, base, chr(flags(f, OWNED, hyp, 1), 0)), g, chr(G_NOPAGE));
      default:
        // RECLAIM_DYING_GUEST_PAGE: a shared page goes back as is, an owned one is poisoned first.
        if (vmState !== VM_DYING) return undefined;
        if (
          !(
            (host === SHARED_BORROWED && view === G_SHARED_OWNED) ||
            (host === NOPAGE_GUEST && view === G_OWNED)
          )
        )
          return undefined;
        return put(put(s, base, chr(flags(f, OWNED, hyp, 1), 0)), g, chr(G_NOPAGE));
    }
  }

  /** I1–I9 on one page, as `properties/pkvm` states them, names appended in `pkvmInvariants` order. */
  function pageViolations(s: string, p: number, out: string[]): void {
    const base = p * stride;
    const f = s.charCodeAt(base);
    const host = f & 7;
    const hyp = (f >> 3) & 3;
    const ffa = (f & FFA_BIT) !== 0;
    const owner = s.charCodeAt(base + 1) - 1;
    const pins = s.charCodeAt(base + 2);
    const dma = s.charCodeAt(base + 3);
    const count = s.charCodeAt(base + 4);
    let guestOwners = 0;
    let mapped = 0;
    let borrowers = 0;
    let protectedBorrowers = 0;
    let lenders = 0;
    let lender = -1;
    for (let vm = 0; vm < guestCount; vm++) {
      const view = s.charCodeAt(base + PAGE_FIXED + vm);
      if (view === G_OWNED || view === G_SHARED_OWNED) guestOwners++;
      if (view === G_OWNED || view === G_SHARED_OWNED || view === G_SHARED_BORROWED) mapped++;
      if (view === G_SHARED_BORROWED) {
        borrowers++;
        if (isProtected[vm]) protectedBorrowers++;
      }
      if (view === G_SHARED_OWNED) {
        lenders++;
        lender = vm;
      }
    }
    // I1 pageHasSingleOwner
    const owners =
      (host === OWNED || host === SHARED_OWNED ? 1 : 0) +
      (host === NOPAGE_FFA ? 1 : 0) +
      (hyp === H_OWNED || hyp === H_SHARED_OWNED ? 1 : 0) +
      guestOwners;
    if (owners !== 1) out.push('pageHasSingleOwner');
    // I2 hostOwnedPageIsExclusive
    if (host === OWNED && (hyp !== H_NOPAGE || mapped > 0 || ffa || count !== 0 || pins !== 0))
      out.push('hostOwnedPageIsExclusive');
    // I3 sharedPageHasOneBorrower
    if (host === SHARED_OWNED && count === 0 && (hyp === H_SHARED_BORROWED ? 1 : 0) + (ffa ? 1 : 0) !== 1)
      out.push('sharedPageHasOneBorrower');
    // I4 guestSharesMatchCount
    if (
      borrowers !== count ||
      protectedBorrowers > 0 ||
      (count > 0 && (host !== SHARED_OWNED || hyp !== H_NOPAGE || ffa))
    )
      out.push('guestSharesMatchCount');
    // I5 hostBorrowsFromOneProtectedGuest
    if (host === SHARED_BORROWED && !(lenders === 1 && isProtected[lender] && hyp === H_NOPAGE))
      out.push('hostBorrowsFromOneProtectedGuest');
    // I6 lostPageIsAnnotated ([A] a pVM page shared with the secure world stays guest SHARED_OWNED)
    const ownerView = owner >= 0 ? s.charCodeAt(base + PAGE_FIXED + owner) : -1;
    if (
      (host === NOPAGE_HYP && hyp !== H_OWNED) ||
      (host === NOPAGE_GUEST &&
        (owner < 0 || !(ownerView === G_OWNED || (ownerView === G_SHARED_OWNED && ffa)) || mapped !== 1)) ||
      (host === NOPAGE_FFA && (hyp !== H_NOPAGE || mapped > 0)) ||
      (host !== NOPAGE_GUEST && owner >= 0)
    )
      out.push('lostPageIsAnnotated');
    // I7 pinnedPageStaysShared
    if (pins > 0 && !(host === SHARED_OWNED && hyp === H_SHARED_BORROWED)) out.push('pinnedPageStaysShared');
    // I8 dmaMappedPageStaysHostOwned
    if (dma > 0 && host !== OWNED) out.push('dmaMappedPageStaysHostOwned');
    // I9 onlyAllowedMemoryChangesHands
    if (!isMemory[p] && !(host === OWNED && dma === 0)) {
      const viaFfa = (host === SHARED_OWNED && ffa && hyp === H_NOPAGE && count === 0) || host === NOPAGE_FFA;
      if (!(android && isNomap[p] && viaFfa)) out.push('onlyAllowedMemoryChangesHands');
    }
  }

  function violated(s: string): string[] {
    const out: string[] = [];
    for (let p = 0; p < pageCount; p++) pageViolations(s, p, out);
    return out;
  }

  function decode(s: string): PkvmProjection {
    const pages = [];
    for (let p = 0; p < pageCount; p++) {
      const base = p * stride;
      const f = s.charCodeAt(base);
      const guests: string[] = [];
      for (let vm = 0; vm < guestCount; vm++)
        guests.push(GUEST_STATES[s.charCodeAt(base + PAGE_FIXED + vm)]!);
      pages.push({
        host: HOST_STATES[f & 7]!,
        hyp: HYP_STATES[(f >> 3) & 3]!,
        guests,
        guestOwner: s.charCodeAt(base + 1) - 1,
        hypPinCount: s.charCodeAt(base + 2),
        dmaRefcount: s.charCodeAt(base + 3),
        hostShareGuestCount: s.charCodeAt(base + 4),
        sharedWithFfa: (f & FFA_BIT) !== 0,
        iommuIdmapMapped: (f & IOMMU_BIT) !== 0,
      });
    }
    const vms = [];
    for (let vm = 0; vm < guestCount; vm++) {
      const v = s.charCodeAt(vmBase + vm);
      vms.push({ state: VM_STATES[v & 7]!, initialisedVcpus: v >> 3 });
    }
    return { pages, vms };
  }

  return {
    initial,
    steps: Array.from(opOf, (_op, index) => index),
    stepInfo,
    apply,
    fingerprint: (s) => s,
    violated,
    decode,
  };
}

/**
 * Encodes a projection back into a reducer state (the inverse of `decode`), so tests can
 * build arbitrary, even ill-formed, states and hold the reducer's invariants to
 * `properties/pkvm`'s.
 */
export function encodePkvmState(projection: PkvmProjection): string {
  let s = '';
  for (const page of projection.pages) {
    s += chr(
      HOST_STATES.indexOf(page.host as (typeof HOST_STATES)[number]) |
        (HYP_STATES.indexOf(page.hyp as (typeof HYP_STATES)[number]) << 3) |
        (page.sharedWithFfa ? FFA_BIT : 0) |
        (page.iommuIdmapMapped ? IOMMU_BIT : 0),
      page.guestOwner + 1,
      page.hypPinCount,
      page.dmaRefcount,
      page.hostShareGuestCount,
    );
    for (const view of page.guests) s += chr(GUEST_STATES.indexOf(view as (typeof GUEST_STATES)[number]));
  }
  for (const vm of projection.vms) {
    s += chr(VM_STATES.indexOf(vm.state as (typeof VM_STATES)[number]) | (vm.initialisedVcpus << 3));
  }
  return s;
}

/** The same projection read from a world state of `buildPkvmWorld`. */
export function projectWorldState(world: World, state: WorldState): PkvmProjection {
  const pages = (world.byKind.pkvmPage ?? []).map((index) => {
    const part = state.parts[index]!;
    const c = part.context as PkvmPageContext;
    return {
      host: part.value,
      hyp: c.hyp,
      guests: [...c.guests],
      guestOwner: c.guestOwner,
      hypPinCount: c.hypPinCount,
      dmaRefcount: c.dmaRefcount,
      hostShareGuestCount: c.hostShareGuestCount,
      sharedWithFfa: c.sharedWithFfa,
      iommuIdmapMapped: c.iommuIdmapMapped,
    };
  });
  const vms = (world.byKind.guestVm ?? []).map((index) => {
    const part = state.parts[index]!;
    return { state: part.value, initialisedVcpus: (part.context as GuestVmContext).initialisedVcpus };
  });
  return { pages, vms };
}
