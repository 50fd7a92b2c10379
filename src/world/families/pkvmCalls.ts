/**
 * The pKVM calls a world offers, as tables: who makes each, what it names (a page, a page and a
 * VM, a VM), the words a trace prints, and the kernel variants that have it. Each call keeps the
 * name of its `mem_protect.c` / `pkvm.c` function in MACRO_CASE (`__pkvm_host_share_hyp()` →
 * `HOST_SHARE_HYP`); the page and VM machines hold the rules.
 */
import type { PkvmPageEventType } from '../../../machines/pkvmPageMachine.ts';

/** The host page calls with no VM argument, the actor that makes each, and its words. */
export const PAGE_CALLS: readonly {
  call: PkvmPageEventType;
  actor: 'host' | 'hyp';
  words: (page: string) => string;
  android?: boolean;
  ffa?: boolean;
  dma?: boolean;
}[] = [
  { call: 'HOST_SHARE_HYP', actor: 'host', words: (p) => `host shares ${p} with hyp` },
  { call: 'HOST_UNSHARE_HYP', actor: 'host', words: (p) => `host unshares ${p} from hyp` },
  { call: 'HYP_PIN_SHARED_MEM', actor: 'hyp', words: (p) => `hyp pins ${p}` },
  { call: 'HYP_UNPIN_SHARED_MEM', actor: 'hyp', words: (p) => `hyp unpins ${p}` },
  { call: 'HOST_DONATE_HYP', actor: 'host', words: (p) => `host donates ${p} to hyp` },
  { call: 'HYP_DONATE_HOST', actor: 'hyp', words: (p) => `hyp donates ${p} back to host` },
  {
    call: 'HOST_SHARE_FFA',
    actor: 'host',
    words: (p) => `host shares ${p} with the secure world over FF-A`,
    ffa: true,
  },
  {
    call: 'HOST_UNSHARE_FFA',
    actor: 'host',
    words: (p) => `host reclaims ${p} from the secure world`,
    ffa: true,
  },
  {
    call: 'HOST_DONATE_FFA',
    actor: 'host',
    words: (p) => `host lends ${p} to the secure world with unmap-on-lend`,
    android: true,
    ffa: true,
  },
  {
    call: 'HOST_RECLAIM_FFA',
    actor: 'host',
    words: (p) => `host reclaims lent ${p} from the secure world`,
    android: true,
    ffa: true,
  },
  {
    call: 'FORCE_RECLAIM_GUEST_PAGE',
    actor: 'host',
    words: (p) => `host force-reclaims ${p} from its guest`,
  },
  {
    call: 'HOST_USE_DMA',
    actor: 'host',
    words: (p) => `host maps ${p} for DMA in an IOMMU domain`,
    android: true,
    dma: true,
  },
  {
    call: 'HOST_UNUSE_DMA',
    actor: 'host',
    words: (p) => `host unmaps ${p} from an IOMMU domain`,
    android: true,
    dma: true,
  },
];

/** Calls that name a page and a VM, who makes them, and their words. */
export const GUEST_PAGE_CALLS: readonly {
  call: PkvmPageEventType;
  actor: 'host' | 'guest';
  words: (page: string, vm: string) => string;
  android?: boolean;
}[] = [
  { call: 'HOST_DONATE_GUEST', actor: 'host', words: (p, vm) => `host donates ${p} to guest ${vm}` },
  { call: 'HOST_SHARE_GUEST', actor: 'host', words: (p, vm) => `host shares ${p} with guest ${vm}` },
  { call: 'HOST_UNSHARE_GUEST', actor: 'host', words: (p, vm) => `host unshares ${p} from guest ${vm}` },
  {
    call: 'GUEST_SHARE_HOST',
    actor: 'guest',
    words: (p, vm) => `guest ${vm} shares ${p} with the host (MEM_SHARE)`,
  },
  {
    call: 'GUEST_UNSHARE_HOST',
    actor: 'guest',
    words: (p, vm) => `guest ${vm} unshares ${p} from the host (MEM_UNSHARE)`,
  },
  {
    call: 'GUEST_RELINQUISH_TO_HOST',
    actor: 'guest',
    words: (p, vm) => `guest ${vm} relinquishes ${p} to the host (MEM_RELINQUISH)`,
    android: true,
  },
  {
    call: 'RECLAIM_DYING_GUEST_PAGE',
    actor: 'host',
    words: (p, vm) => `host reclaims ${p} from dying guest ${vm}`,
  },
];

/** The calls a Secure Data Path world explores after boot (`scope: 'sdp'`). */
export const SDP_CALLS: ReadonlySet<string> = new Set([
  'FORCE_RECLAIM_GUEST_PAGE',
  'HOST_UNSHARE_GUEST',
  'RECLAIM_DYING_GUEST_PAGE',
  'VCPU_LOAD',
  'VCPU_PUT',
  'START_TEARDOWN_VM',
  'FINALIZE_TEARDOWN_VM',
]);

export const VM_CALLS = [
  { call: 'INIT_VCPU', words: (vm: string) => `host initialises a vCPU of guest ${vm}` },
  { call: 'VCPU_LOAD', words: (vm: string) => `host loads a vCPU of guest ${vm}` },
  { call: 'VCPU_PUT', words: (vm: string) => `host puts the vCPU of guest ${vm}` },
  { call: 'START_TEARDOWN_VM', words: (vm: string) => `host starts tearing down guest ${vm}` },
  { call: 'FINALIZE_TEARDOWN_VM', words: (vm: string) => `host finalizes the teardown of guest ${vm}` },
] as const;
