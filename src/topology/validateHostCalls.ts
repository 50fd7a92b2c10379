/**
 * The checks of what the host may do to memory after boot, and of the memory it may not do it
 * to: MMIO ranges hold no heap and no host buffer, a region donated on the guest's fault belongs
 * to a protected VM, and the host's IOMMU map calls need explicit DMA domains.
 */
import { quote } from './issues.ts';
import type { Problems } from './problems.ts';
import type { Topology } from './schema.ts';

type MemoryTopology = Pick<Topology, 'memory' | 'heaps' | 'buffers'>;

/**
 * An MMIO range is device registers, not memory: a dma-buf heap allocates pages with a
 * `struct page` (CMA, the page allocator, a reserved-memory pool checked with `pfn_valid()`),
 * so no heap can sit on one, and a host buffer in one is not a buffer. A guest's region of MMIO
 * is left to boot, where pKVM's own check refuses it (`check_range_allowed_memory()`).
 */
export function checkMmio(topology: MemoryTopology, problems: Problems): void {
  const mmio = new Set(topology.memory.filter((region) => region.type === 'mmio').map((r) => r.name));
  topology.heaps.forEach((heap, index) => {
    if (!mmio.has(heap.region)) return;
    problems.add(
      'incompatible',
      ['heaps', index, 'region'],
      `a heap allocates memory, and region ${quote(heap.region)} is MMIO`,
      'a region of type memory or nomap',
      `region ${quote(heap.region)} with type: mmio`,
    );
  });
  topology.buffers.forEach((buffer, index) => {
    if (buffer.region === undefined || !mmio.has(buffer.region)) return;
    const region = topology.memory.find((r) => r.name === buffer.region)!;
    if (region.owner !== 'host') return;
    problems.add(
      'incompatible',
      ['buffers', index, 'region'],
      `a buffer is memory, and region ${quote(region.name)} is MMIO`,
      'a region of type memory or nomap',
      `region ${quote(region.name)} with type: mmio`,
    );
  });
}

type DonationTopology = Pick<Topology, 'memory' | 'vms' | 'hypervisor'>;

/**
 * `donatedAt` is when the host backs a protected VM's memory: only a pVM receives donations
 * (`__pkvm_host_donate_guest()`), and a page the guest shares back at boot (`sharedWithHost`)
 * must have been donated at boot.
 */
export function checkDonation(topology: DonationTopology, problems: Problems): void {
  topology.memory.forEach((region, index) => {
    if (region.donatedAt === undefined) return;
    const path = ['memory', index, 'donatedAt'];
    const owner = topology.vms.find((vm) => vm.name === region.owner);
    if (topology.hypervisor.kind !== 'pkvm' || !owner?.protected) {
      problems.add(
        'incompatible',
        path,
        'donatedAt is when the host donates a protected VM its memory (__pkvm_host_donate_guest())',
        'a region owned by a protected VM, under pKVM',
        topology.hypervisor.kind !== 'pkvm'
          ? `hypervisor.kind: ${topology.hypervisor.kind}`
          : `a region owned by ${quote(region.owner)}, which is not a protected VM`,
      );
      return;
    }
    if (region.donatedAt === 'fault' && region.sharedWithHost) {
      problems.add(
        'incompatible',
        path,
        'a region the guest shares back at boot must be donated at boot',
        'donatedAt: boot, or sharedWithHost: false',
        'donatedAt: fault with sharedWithHost: true',
      );
    }
  });
}

/** `iommuMap` is `kvm_iommu_map_pages()`, which exists only with Android's explicit DMA domains. */
export function checkHostCalls(topology: Pick<Topology, 'hypervisor'>, problems: Problems): void {
  const hypervisor = topology.hypervisor;
  if (hypervisor.kind !== 'pkvm') return;
  hypervisor.hostCalls?.forEach((call, index) => {
    if (call !== 'iommuMap') return;
    if (hypervisor.kernel === 'android' && hypervisor.iommu === 'dmaDomains') return;
    problems.add(
      'requiresFeature',
      ['hypervisor', 'hostCalls', index],
      'iommuMap is the host mapping pages into a DMA domain (kvm_iommu_map_pages()), which needs explicit pKVM DMA domains',
      'hypervisor kernel: android with iommu: dmaDomains',
      `kernel: ${hypervisor.kernel} with iommu: ${hypervisor.iommu}`,
    );
  });
}
