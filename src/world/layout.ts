/**
 * Resolves a topology into the static layout of its world: which physical pages exist and
 * which region each belongs to, which pages each buffer occupies, and who the parties are.
 * Component indices are filled in as families add their machines.
 */
import { secureAppNames } from '../topology/parties.ts';
import type { Topology } from '../topology/schema.ts';

export interface PageLayout {
  /** Global page number (the pfn the page machines and events use). */
  readonly pfn: number;
  /** `region:index`, how reports name the page. */
  readonly label: string;
  readonly region: string;
}

export interface BufferLayout {
  readonly name: string;
  readonly pages: readonly number[];
  readonly heap?: string;
  readonly region: string;
  /** Allocated from a protected heap: the dma-buf carries the secure/restricted attribute. */
  readonly protected: boolean;
  readonly allocatedBy: string;
}

export interface Layout {
  readonly pages: readonly PageLayout[];
  readonly regionPages: ReadonlyMap<string, readonly number[]>;
  readonly buffers: readonly BufferLayout[];
  /** Every party a report may name: host, vmm, hyp, the secure apps, guests, devices, back-ends. */
  readonly parties: readonly string[];
}

const PROTECTED_HEAPS = new Set(['protectedStatic', 'protectedDynamic']);

export function resolveLayout(topology: Topology): Layout {
  const pages: PageLayout[] = [];
  const regionPages = new Map<string, number[]>();
  for (const region of topology.memory) {
    const list: number[] = [];
    for (let i = 0; i < region.pages; i++) {
      list.push(pages.length);
      pages.push({ pfn: pages.length, label: `${region.name}:${i}`, region: region.name });
    }
    regionPages.set(region.name, list);
  }
  // Buffers take pages of their region in declaration order.
  const nextFree = new Map<string, number>();
  const buffers = topology.buffers.map((buffer) => {
    const heap = buffer.heap ? topology.heaps.find((h) => h.name === buffer.heap) : undefined;
    const region = heap ? heap.region : buffer.region!;
    const start = nextFree.get(region) ?? 0;
    const all = regionPages.get(region) ?? [];
    nextFree.set(region, start + buffer.pages);
    return {
      name: buffer.name,
      pages: all.slice(start, start + buffer.pages),
      ...(heap ? { heap: heap.name } : {}),
      region,
      protected: heap ? PROTECTED_HEAPS.has(heap.kind) : false,
      allocatedBy: buffer.allocatedBy,
    };
  });
  const parties = [
    'host',
    'vmm',
    ...(topology.hypervisor.kind === 'pkvm' ? ['hyp'] : []),
    ...(topology.secureWorld.tee || topology.secureWorld.spmc !== 'none' ? secureAppNames(topology) : []),
    ...topology.vms.map((vm) => vm.name),
    ...topology.devices.map((device) => device.name),
    ...topology.virtio.backends.map((backend) => backend.name),
  ];
  return { pages, regionPages, buffers, parties };
}
