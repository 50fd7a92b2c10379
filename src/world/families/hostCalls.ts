/**
 * What the host does to memory ownership after boot, beyond reclaim and teardown: back a
 * protected VM's memory when the guest first faults on it (`memory[].donatedAt: fault`), and,
 * where the design lets the untrusted host try them (`hypervisor.hostCalls`), the ownership
 * hypercalls it may issue on any page it can name. The page and IOMMU domain machines decide
 * which of them the kernel accepts; nothing here checks a page state.
 *
 * Sources: `torvalds/linux` master `arch/arm64/kvm/hyp/nvhe/mem_protect.c` (`__pkvm_host_donate_guest()`,
 * `__pkvm_host_share_guest()`, `__pkvm_host_share_hyp()`, `__pkvm_host_unshare_hyp()`,
 * `__pkvm_host_donate_hyp()`), `nvhe/hyp-main.c` (their handlers); the Android Common Kernel's
 * `nvhe/iommu/iommu.c` (`kvm_iommu_map_pages()`, `kvm_iommu_unmap_pages()`) and
 * `nvhe/mem_protect.c` (`__pkvm_host_use_dma()`, `__pkvm_host_unuse_dma()`,
 * `__host_check_page_state_range()`), android16-6.12 read in `GrapheneOS/kernel_common-6.12`
 * at `0a68c948`.
 */
import type { PkvmPageEvent } from '../../../machines/pkvmPageMachine.ts';
import type { Topology } from '../../topology/schema.ts';
import { type StepInput, send, snapshotOf } from '../builder.ts';
import type { Layout } from '../layout.ts';
import type { Device, Domain } from './deviceFamily.ts';
import { GUEST_PAGE_CALLS, PAGE_CALLS } from './pkvmCalls.ts';
import { guestPageCall, hostPageCall, type PkvmFamily, type PkvmFamilySpec } from './pkvmFamily.ts';

export type HostCall = NonNullable<Extract<Topology['hypervisor'], { kind: 'pkvm' }>['hostCalls']>[number];

export interface HostCallContext {
  readonly pkvm: PkvmFamily;
  readonly topology: Topology;
  readonly layout: Layout;
  readonly devices: readonly Device[];
  readonly bounds: PkvmFamilySpec['bounds'];
}

/** The page calls each `hostCalls` entry stands for (`PAGE_CALLS` and `GUEST_PAGE_CALLS`). */
export const HOST_CALL_EVENTS = {
  donateGuest: ['HOST_DONATE_GUEST'],
  shareGuest: ['HOST_SHARE_GUEST'],
  shareHyp: ['HOST_SHARE_HYP', 'HOST_UNSHARE_HYP'],
  donateHyp: ['HOST_DONATE_HYP'],
  iommuMap: [],
} as const satisfies Record<HostCall, readonly string[]>;

/** The (page, VM) pairs the host backs on the guest's fault: the pages of `donatedAt: fault` regions. */
export function faultDonations(
  topology: Topology,
  layout: Layout,
): readonly { readonly pfn: number; readonly vm: number }[] {
  return topology.memory.flatMap((region) => {
    if (region.donatedAt !== 'fault') return [];
    const vm = topology.vms.findIndex((g) => g.name === region.owner);
    return layout.regionPages.get(region.name)!.map((pfn) => ({ pfn, vm }));
  });
}

/**
 * The pages the host's ownership calls name: every page outside the dma-buf heaps. A heap's
 * pages belong to its allocator, and the host reaches them through the buffers it allocates
 * (mapping a buffer for a device goes through its dma-buf attachment); a raw call on them
 * would only stand for the kernel misusing its own allocator.
 */
export function pagesTheHostNames(topology: Topology, layout: Layout): ReadonlySet<number> {
  const heapRegions = new Set(topology.heaps.map((heap) => heap.region));
  return new Set(
    topology.memory.flatMap((region) =>
      heapRegions.has(region.name) ? [] : layout.regionPages.get(region.name)!,
    ),
  );
}

/**
 * The host backs a guest page on the guest's stage-2 fault: the guest runs, touches an IPA the
 * host has not backed yet, and the host's fault handler (`pkvm_mem_abort()` in
 * `arch/arm64/kvm/mmu.c`, as the pKVM series on kvmarm and ACK have it) donates the page with
 * `__pkvm_host_donate_guest()`, from the loaded vCPU that faulted. The legitimate run needs it, so it is a pipeline step.
 */
export function faultDonation(
  pkvm: PkvmFamily,
  pfn: number,
  label: string,
  vm: number,
  name: string,
): StepInput {
  const page = pkvm.pages[pfn]!;
  return {
    action: 'faultDonation',
    call: 'HOST_DONATE_GUEST',
    actor: 'host',
    role: 'pipeline',
    args: { page: pfn, vm: name },
    text: `host donates ${label} to guest ${name} on its stage-2 fault`,
    touches: [page, pkvm.guests[vm]!],
    plan: (state) => {
      if (!pkvm.runs(state, vm)) return undefined;
      const facts = { ...pkvm.guestFacts(state, vm), vcpuLoaded: true };
      return [send(page, { ...facts, type: 'HOST_DONATE_GUEST' } as PkvmPageEvent)];
    },
  };
}

/**
 * `kvm_iommu_map_pages()` (hypercall `__pkvm_host_iommu_map_pages`) on one page the host names,
 * into the domain of a device it controls: the domain maps the page and `__pkvm_host_use_dma()`
 * raises its DMA refcount, refused unless the host owns the page. The model's DMA mapping bound
 * stops the refcount.
 */
export function hostIommuMap(
  context: HostCallContext,
  device: Device & { readonly domain: Domain },
  pfn: number,
  label: string,
): StepInput {
  const page = context.pkvm.pages[pfn]!;
  return {
    action: 'hostIommuMap',
    call: 'IOMMU_MAP_PAGES',
    actor: 'host',
    role: 'adversary',
    args: { page: pfn, device: device.name },
    text: `host maps ${label} into the IOMMU domain of ${device.name}`,
    touches: [device.domain, page],
    plan: (state) => {
      if (snapshotOf(state, page).context.dmaRefcount >= context.bounds.dmaMappings) return undefined;
      return [
        send(device.domain, { type: 'IOMMU_MAP_PAGES', pages: [pfn] }),
        send(page, { type: 'HOST_USE_DMA' }),
      ];
    },
  };
}

/** `kvm_iommu_unmap_pages()`: the domain unmaps the page and `__pkvm_host_unuse_dma()` drops its refcount. */
export function hostIommuUnmap(
  device: Device & { readonly domain: Domain },
  pkvm: PkvmFamily,
  pfn: number,
  label: string,
): StepInput {
  const page = pkvm.pages[pfn]!;
  return {
    action: 'hostIommuUnmap',
    call: 'IOMMU_UNMAP_PAGES',
    actor: 'host',
    role: 'adversary',
    args: { page: pfn, device: device.name },
    text: `host unmaps ${label} from the IOMMU domain of ${device.name}`,
    touches: [device.domain, page],
    plan: () => [
      send(device.domain, { type: 'IOMMU_UNMAP_PAGES', pages: [pfn] }),
      send(page, { type: 'HOST_UNUSE_DMA' }),
    ],
  };
}

/**
 * Every step of this file, in the order the world offers them: the fault donations, then per
 * page the host names the calls `hostCalls` lists, in the order it lists them. A donation to a
 * guest is offered to protected VMs and a share to non-protected ones (the handlers refuse the
 * others with -EINVAL before reading any page); a (page, VM) the guest's fault already backs is
 * not offered twice.
 */
export function addHostCallSteps(add: (step: StepInput) => void, context: HostCallContext): void {
  const { pkvm, topology, layout } = context;
  const faults = faultDonations(topology, layout);
  for (const { pfn, vm } of faults) {
    add(faultDonation(pkvm, pfn, layout.pages[pfn]!.label, vm, topology.vms[vm]!.name));
  }
  const hypervisor = topology.hypervisor;
  const calls = hypervisor.kind === 'pkvm' ? (hypervisor.hostCalls ?? []) : [];
  const mappable = context.devices.filter(
    (d): d is Device & { readonly domain: Domain } =>
      d.domain !== undefined && d.assignment === undefined && d.controller === 'host',
  );
  const named = pagesTheHostNames(topology, layout);
  layout.pages.forEach(({ label }, pfn) => {
    if (!named.has(pfn)) return;
    for (const call of calls) {
      if (call === 'iommuMap') {
        for (const device of mappable) {
          add(hostIommuMap(context, device, pfn, label));
          add(hostIommuUnmap(device, pkvm, pfn, label));
        }
        continue;
      }
      for (const event of HOST_CALL_EVENTS[call]) {
        const pageCall = PAGE_CALLS.find((c) => c.call === event);
        if (pageCall) add(hostPageCall(pkvm, context, pfn, label, pageCall));
        const guestCall = GUEST_PAGE_CALLS.find((c) => c.call === event);
        if (!guestCall) continue;
        topology.vms.forEach((vm, index) => {
          if (vm.protected !== (event === 'HOST_DONATE_GUEST')) return;
          if (faults.some((f) => f.pfn === pfn && f.vm === index)) return;
          add(guestPageCall(pkvm, pfn, label, index, vm.name, guestCall));
        });
      }
    }
  });
}
