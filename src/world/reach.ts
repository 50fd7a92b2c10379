/**
 * Who can reach a physical page, and by which path, as the platform decides it: the CPU of the
 * host or a guest through its stage-2 (or, with no hypervisor, the host kernel's own mappings)
 * and CPU mappings of buffers; DMA through an IOMMU or an unfiltered bus; the secure world
 * through a firewall region or an FF-A retrieve. Every normal-world path is subject to the
 * firewall (TZC-400, `tzc400_configure_region()` in TF-A `drivers/arm/tzc/tzc400.c`) and to the
 * physical address space the SPMC may have moved the page into (Hafnium `arch_memory_protect()`).
 *
 * The world decides with it which steps a party can take (a device runs only on pages it can
 * reach), and the properties judge its answers against each stream's audience
 * (docs/model.md#trust): one rule for both, in one place.
 */

import { deviceIsAssigned } from '../../machines/assignedDeviceMachine.ts';
import type { DmaBufContext } from '../../machines/dmaBufState.ts';
import type { FfaTransactionContext } from '../../machines/ffaTransactionMachine.ts';
import type { IommuDomainContext } from '../../machines/iommuDomainMachine.ts';
import { grantsAccess, hostPageState, type PkvmPageContext } from '../../machines/pkvmPageState.ts';
import type { MachineSnapshot } from '../../machines/snapshot.ts';
import type { TzascRegionContext } from '../../machines/tzascRegionMachine.ts';
import { tzascAllows } from '../../machines/tzascRegionState.ts';
import { blobIsCreated } from '../../machines/virtioGpuImportMachine.ts';
import type { WorldSnapshot } from '../../properties/model.ts';
import type { Access, AccessPath, Reach, SdpDevice, SdpPage } from '../../properties/sdp/sdpModel.ts';
import { type CcaReachLayout, ccaCpuPath, ccaDmaPath, ccaDmaRefusal, ccaReads } from './ccaReach.ts';
import { type GunyahReachLayout, gunyahCpuPath, gunyahReads } from './gunyahReach.ts';
import { type XenReachLayout, xenCpuPath, xenReads } from './xenReach.ts';

/** What reach is computed from: where each page's machines are, and who masters DMA through what. */
export interface ReachLayout {
  readonly hypervisor: 'none' | 'pkvm' | 'xen' | 'cca' | 'gunyah';
  /** Grant entries and page owners, with `hypervisor: 'xen'`. */
  readonly xen?: XenReachLayout;
  /** The granule machines of realm memory, with `hypervisor: 'cca'`. */
  readonly cca?: CcaReachLayout;
  /** Memory parcels and page owners, with `hypervisor: 'gunyah'`. */
  readonly gunyah?: GunyahReachLayout;
  readonly pages: readonly SdpPage[];
  /** Guest VM names, in VM index order (the index a page's guest views use). */
  readonly guests: readonly string[];
  readonly devices: readonly SdpDevice[];
  /** dma-bufs (their CPU mappings), with their pages. */
  readonly buffers: readonly {
    readonly name: string;
    readonly pages: readonly number[];
    readonly dmaBuf?: number;
  }[];
  /** virtio-gpu import machines: a created blob hands the pages' addresses to the VMM. */
  readonly imports: readonly number[];
  /** FF-A share-state machines. */
  readonly ffaSlots: readonly number[];
  /**
   * The secure world's parties, each with the pages the TEE maps into it (undefined: every
   * page the secure world reaches). Without it, one party `secure` reaching everything.
   */
  readonly secureApps?: readonly SecureAppReach[];
}

/** One secure-world party and the pages it can be handed (undefined: any). */
export interface SecureAppReach {
  readonly name: string;
  readonly pages?: ReadonlySet<number>;
}

const ONE_SECURE_WORLD: readonly SecureAppReach[] = [{ name: 'secure' }];

/** The NSAID the interconnect stamps on the CPU's non-secure transactions. */
export const CPU_NSAID = 0;

function part<C>(state: WorldSnapshot, index: number): MachineSnapshot<C> {
  return state.parts[index] as MachineSnapshot<C>;
}

/** Reach as the world's steps use it: the answers, plus what each answer reads. */
export interface WorldReach extends Reach {
  /** Every component the answer for a page reads (for the steps that ask it to declare). */
  reads(pfn: number): number[];
  /** True iff `party` can make the access to every page by the path kind (`cpu`, `dma`, or any). */
  reaches(
    state: WorldSnapshot,
    party: string,
    pages: readonly number[],
    access: Access,
    kind?: AccessPath['kind'],
  ): boolean;
  /** Why a device cannot make the access to some page by DMA, in words; undefined if it can. */
  dmaRefusal(
    state: WorldSnapshot,
    device: string,
    pages: readonly number[],
    access: Access,
  ): string | undefined;
}

/** What the rules below read: the layout, and each guest's VM index. */
interface Context {
  readonly layout: ReachLayout;
  readonly guestIndex: ReadonlyMap<string, number>;
}

/** The FF-A transactions (live) whose constituents include the page. */
function covering(
  context: Context,
  state: WorldSnapshot,
  pfn: number,
): MachineSnapshot<FfaTransactionContext>[] {
  const out: MachineSnapshot<FfaTransactionContext>[] = [];
  for (const index of context.layout.ffaSlots) {
    const snap = part<FfaTransactionContext>(state, index);
    if (snap.context.shareFunc !== null && snap.context.pages.includes(pfn)) out.push(snap);
  }
  return out;
}

/** True iff the SPMC moved the page to the secure physical address space. */
function inSecurePas(context: Context, state: WorldSnapshot, pfn: number): boolean {
  return covering(context, state, pfn).some((snap) => snap.context.memoryProtected);
}

function firewall(page: SdpPage, state: WorldSnapshot): TzascRegionContext | undefined {
  return page.tzasc === undefined ? undefined : part<TzascRegionContext>(state, page.tzasc).context;
}

/** Whether the firewall lets a master (the CPU, or a device by its NSAID) make the access. */
function firewallAllows(
  page: SdpPage,
  state: WorldSnapshot,
  nsaid: number,
  access: Access,
  secure: boolean,
): boolean {
  const region = firewall(page, state);
  return region === undefined ? true : tzascAllows(region, { name: `nsaid ${nsaid}`, secure, nsaid }, access);
}

/** Why the CPU of `domain` (host or a guest) can access the page, or undefined if it cannot. */
function cpuPath(
  context: Context,
  state: WorldSnapshot,
  page: SdpPage,
  domain: string,
  access: Access,
): string | undefined {
  if (inSecurePas(context, state, page.pfn)) return undefined;
  if (!firewallAllows(page, state, CPU_NSAID, access, false)) return undefined;
  if (context.layout.hypervisor === 'xen')
    return xenCpuPath(context.layout.xen!, state, page.pfn, domain, access);
  if (context.layout.hypervisor === 'cca') return ccaCpuPath(context.layout.cca!, state, page.pfn, domain);
  if (context.layout.hypervisor === 'gunyah')
    return gunyahCpuPath(context.layout.gunyah!, state, page.pfn, domain, access);
  if (context.layout.hypervisor === 'none') {
    return domain === 'host' ? 'CPU (no hypervisor: the host kernel maps all memory)' : undefined;
  }
  const snap = part<PkvmPageContext>(state, page.pkvm!);
  if (domain === 'host') {
    const host = hostPageState(snap);
    return grantsAccess(host) ? `CPU through host stage-2 (${host})` : undefined;
  }
  const view = snap.context.guests[context.guestIndex.get(domain) ?? -1] ?? 'NOPAGE';
  return grantsAccess(view) ? `CPU through ${domain} stage-2 (${view})` : undefined;
}

/** Why a device can reach the page by DMA, or undefined. */
function dmaPath(
  context: Context,
  state: WorldSnapshot,
  page: SdpPage,
  device: SdpDevice,
  access: Access,
): string | undefined {
  if (device.secureMaster) {
    return firewallAllows(page, state, device.nsaid, access, true) ? 'DMA as a secure master' : undefined;
  }
  if (inSecurePas(context, state, page.pfn)) return undefined;
  if (!firewallAllows(page, state, device.nsaid, access, false)) return undefined;
  const through = page.tzasc === undefined ? '' : ' (firewall allows this master)';
  if (context.layout.hypervisor === 'cca') {
    const via = ccaDmaPath(context.layout.cca!, state, page.pfn, device.controller);
    return via === undefined ? undefined : `${via}${through}`;
  }
  if (device.iommu === 'bypass') return `DMA with no IOMMU translation${through}`;
  if (context.layout.hypervisor === 'xen') {
    const via = xenCpuPath(context.layout.xen!, state, page.pfn, device.controller, access);
    return via === undefined
      ? undefined
      : `DMA through the IOMMU with ${device.controller}'s p2m (${via})${through}`;
  }
  if (context.layout.hypervisor === 'gunyah') {
    const via = gunyahCpuPath(context.layout.gunyah!, state, page.pfn, device.controller, access);
    return via === undefined
      ? undefined
      : `DMA through the SMMU with ${device.controller}'s stage-2 (${via})${through}`;
  }
  if (device.iommu === 'identity') {
    if (page.pkvm === undefined) return `DMA with no IOMMU translation${through}`;
    if (part<PkvmPageContext>(state, page.pkvm).context.iommuIdmapMapped)
      return `DMA through the identity IOMMU domain${through}`;
  } else if (device.domain !== undefined && domainMaps(state, device.domain, page.pfn)) {
    return `DMA through its IOMMU domain${through}`;
  }
  return groupPath(context, state, page, device, through);
}

function domainMaps(state: WorldSnapshot, domain: number, pfn: number): boolean {
  return part<IommuDomainContext>(state, domain).context.mapped.includes(pfn);
}

/**
 * Devices of one IOMMU group share the IOMMU's translation (one stream, or aliasing requester
 * ids): while a mate is assigned to a VM, the group's DMA goes through that VM's domain. pKVM
 * assigns a group whole (`__pkvm_group_assign()`), so only a flawed assignment leaves a mate
 * with another party.
 */
function groupPath(
  context: Context,
  state: WorldSnapshot,
  page: SdpPage,
  device: SdpDevice,
  through: string,
): string | undefined {
  if (device.group === undefined) return undefined;
  for (const mate of context.layout.devices) {
    if (mate === device || mate.group !== device.group || mate.domain === undefined) continue;
    if (mate.assignment === undefined || !deviceIsAssigned(part(state, mate.assignment))) continue;
    if (domainMaps(state, mate.domain, page.pfn))
      return `DMA through the IOMMU domain of ${mate.name}, in the same IOMMU group${through}`;
  }
  return undefined;
}

/** Who the host stage-2 says has the page, in words: `NOPAGE, donated to guest decrypt`. */
function hostView(context: Context, state: WorldSnapshot, page: SdpPage): string {
  const snap = part<PkvmPageContext>(state, page.pkvm!);
  const owner = snap.context.guests.findIndex((view) => view === 'OWNED');
  const guest = owner >= 0 ? `, donated to guest ${context.layout.guests[owner]}` : '';
  return `${hostPageState(snap)}${guest}`;
}

/** Why a device cannot reach the page by DMA, in words (`dmaPath` found no path). */
function dmaRefusal(
  context: Context,
  state: WorldSnapshot,
  page: SdpPage,
  device: SdpDevice,
  access: Access,
) {
  if (!device.secureMaster && inSecurePas(context, state, page.pfn)) {
    return `page ${page.label} is in the secure physical address space`;
  }
  if (!firewallAllows(page, state, device.nsaid, access, device.secureMaster)) {
    return `the firewall of region ${page.region} refuses ${access}s by NSAID ${device.nsaid} to page ${page.label}`;
  }
  if (context.layout.hypervisor === 'cca') {
    return ccaDmaRefusal(context.layout.cca!, state, page.pfn, device.controller);
  }
  if (context.layout.hypervisor === 'xen') {
    return `the IOMMU translates with ${device.controller}'s p2m, which maps page ${page.label} neither as its own nor through a grant mapping`;
  }
  if (context.layout.hypervisor === 'gunyah') {
    return `the SMMU translates with ${device.controller}'s stage-2, which maps page ${page.label} neither as its own nor through an accepted memory parcel`;
  }
  if (device.iommu === 'identity') {
    return `the identity IOMMU domain does not map page ${page.label}: it mirrors the host stage-2, where the page is ${hostView(context, state, page)} (kvm_iommu_host_stage2_idmap())`;
  }
  const host =
    page.pkvm === undefined
      ? ''
      : `; the host stage-2 has the page as ${hostView(context, state, page)}, and pKVM maps only host-owned pages into a DMA domain (__pkvm_host_use_dma())`;
  return `its IOMMU domain does not map page ${page.label}${host}`;
}

/** CPU mappings of buffers (mmap, vmap) by parties other than the kernels already listed. */
function mappingPaths(
  context: Context,
  state: WorldSnapshot,
  page: SdpPage,
  access: Access,
  out: AccessPath[],
): void {
  for (const buffer of context.layout.buffers) {
    if (buffer.dmaBuf === undefined || !buffer.pages.includes(page.pfn)) continue;
    const mappings = part<DmaBufContext>(state, buffer.dmaBuf).context;
    for (const party of new Set([...mappings.mmaps, ...mappings.vmaps])) {
      if (out.some((path) => path.party === party)) continue;
      const via = cpuPath(context, state, page, context.guestIndex.has(party) ? party : 'host', access);
      if (via) out.push({ party, kind: 'cpu', via: `CPU mapping of buffer ${buffer.name} (${via})` });
    }
  }
  // The VMM maps guest blobs whose addresses a virtio-gpu import handed it.
  for (const component of context.layout.imports) {
    const snap = part<{ pages: readonly number[] }>(state, component);
    if (!blobIsCreated(snap) || !snap.context.pages.includes(page.pfn)) continue;
    if (out.some((path) => path.party === 'vmm')) continue;
    const via = cpuPath(context, state, page, 'host', access);
    if (via) out.push({ party: 'vmm', kind: 'cpu', via: `virtio-gpu blob handed to the VMM (${via})` });
  }
}

/** The hypervisor's own mapping, and the secure world's reach through a firewall region or a retrieve. */
function privilegedPaths(
  context: Context,
  state: WorldSnapshot,
  page: SdpPage,
  access: Access,
  out: AccessPath[],
): void {
  if (page.pkvm !== undefined) {
    const hyp = part<PkvmPageContext>(state, page.pkvm).context.hyp;
    if (hyp === 'OWNED' || hyp === 'SHARED_BORROWED')
      out.push({ party: 'hyp', kind: 'cpu', via: `hyp stage-1 (${hyp})` });
  }
  const apps = (context.layout.secureApps ?? ONE_SECURE_WORLD).filter(
    (app) => app.pages === undefined || app.pages.has(page.pfn),
  );
  if (apps.length === 0) return;
  if (
    firewall(page, state) &&
    firewallAllows(page, state, CPU_NSAID, access, true) &&
    !firewallAllows(page, state, CPU_NSAID, access, false)
  ) {
    for (const app of apps)
      out.push({ party: app.name, kind: 'secure', via: secureVia(app, 'the firewall region') });
  }
  for (const snap of covering(context, state, page.pfn)) {
    snap.context.receivers.forEach((receiver, i) => {
      const retrieved = (snap.context.retrievedFragmentCount[i] ?? 0) > 0;
      if (!retrieved || !receiver.secure) return;
      for (const app of apps) {
        if (out.some((p) => p.party === app.name)) continue;
        out.push({
          party: app.name,
          kind: 'secure',
          via: secureVia(app, `${snap.context.shareFunc} (retrieved)`),
        });
      }
    });
  }
}

/**
 * How a secure-world party reaches a page, in words. An app the TEE maps only some heaps into
 * gets them as memory references the host passes it (`TEE_IOC_SHM_REGISTER_FD`, then
 * `TEE_IOC_INVOKE`), which the host, its untrusted client, chooses.
 */
function secureVia(app: SecureAppReach, through: string): string {
  if (app.pages === undefined && app.name === 'secure') return `secure world through ${through}`;
  const mapped = app.pages === undefined ? 'any buffer the host passes it' : 'buffers of its heaps';
  return `secure world through ${through}, mapped into ${app.name} (${mapped})`;
}

/** The reach of a layout. */
export function createReach(layout: ReachLayout): WorldReach {
  const context: Context = { layout, guestIndex: new Map(layout.guests.map((name, index) => [name, index])) };
  const paths = (state: WorldSnapshot, pfn: number, access: Access): AccessPath[] => {
    const page = layout.pages[pfn]!;
    const out: AccessPath[] = [];
    for (const domain of ['host', ...layout.guests]) {
      const via = cpuPath(context, state, page, domain, access);
      if (via) out.push({ party: domain, kind: 'cpu', via });
    }
    mappingPaths(context, state, page, access, out);
    privilegedPaths(context, state, page, access, out);
    for (const device of layout.devices) {
      const via = dmaPath(context, state, page, device, access);
      if (via) out.push({ party: device.name, kind: 'dma', via });
    }
    return out;
  };
  const reads = (pfn: number): number[] => {
    const page = layout.pages[pfn]!;
    return [
      ...(page.pkvm !== undefined ? [page.pkvm] : []),
      ...(page.tzasc !== undefined ? [page.tzasc] : []),
      ...layout.ffaSlots,
      ...layout.devices.flatMap((d) => (d.domain !== undefined ? [d.domain] : [])),
      ...layout.devices.flatMap((d) => (d.assignment !== undefined ? [d.assignment] : [])),
      ...layout.buffers.flatMap((b) => (b.dmaBuf !== undefined && b.pages.includes(pfn) ? [b.dmaBuf] : [])),
      ...layout.imports,
      ...(layout.xen !== undefined ? xenReads(layout.xen, pfn) : []),
      ...(layout.cca !== undefined ? ccaReads(layout.cca, pfn) : []),
      ...(layout.gunyah !== undefined ? gunyahReads(layout.gunyah, pfn) : []),
    ];
  };
  return {
    dmaRefusal: (state, name, pages, access) => {
      const device = layout.devices.find((d) => d.name === name);
      const pfn = pages.find(
        (p) => !paths(state, p, access).some((path) => path.party === name && path.kind === 'dma'),
      );
      if (device === undefined || pfn === undefined) return undefined;
      return dmaRefusal(context, state, layout.pages[pfn]!, device, access);
    },
    paths,
    inSecurePas: (state, pfn) => inSecurePas(context, state, pfn),
    reads,
    reaches: (state, party, pages, access, kind) =>
      pages.every((pfn) =>
        paths(state, pfn, access).some((p) => p.party === party && (kind === undefined || p.kind === kind)),
      ),
  };
}
