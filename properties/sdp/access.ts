/**
 * Who can read or write a physical page in a world state, and by which path: the CPU through
 * a stage-2 (or, with no hypervisor, the host kernel's own mappings) and a CPU mapping of a
 * buffer; DMA through an IOMMU or an unfiltered bus; the secure world through a firewall region
 * or an FF-A retrieve. Every path is subject to the firewall (TZASC) and to the physical address
 * space the SPMC may have moved the page into.
 *
 * This is the capability view the leak oracle needs: a party that *can* read plaintext is a
 * leak whether or not it has done so yet, because the untrusted parties (host kernel, VMM,
 * host-programmed DMA masters) choose what to read.
 */
import type { ContentLabel } from '../../machines/contentLabel.ts';
import type { DmaBufContext } from '../../machines/dmaBufState.ts';
import type { FfaTransactionContext } from '../../machines/ffaTransactionMachine.ts';
import type { IommuDomainContext } from '../../machines/iommuDomainMachine.ts';
import { grantsAccess, type PkvmPageContext } from '../../machines/pkvmPageState.ts';
import type { TzascRegionContext } from '../../machines/tzascRegionMachine.ts';
import { tzascAllows } from '../../machines/tzascRegionState.ts';
import type { ComponentSnapshot, WorldSnapshot } from '../model.ts';
import type { SdpModel, SdpPage } from './sdpModel.ts';

export type Access = 'read' | 'write';

export interface AccessPath {
  readonly party: string;
  readonly kind: 'cpu' | 'dma' | 'secure';
  /** In words: "CPU through host stage-2 (SHARED_OWNED)", "DMA with no IOMMU". */
  readonly via: string;
}

function part<C>(state: WorldSnapshot, index: number): ComponentSnapshot<C> {
  return state.parts[index] as ComponentSnapshot<C>;
}

/** The host's page state under pKVM: the first segment of the page machine's state path. */
function hostPageState(snapshot: ComponentSnapshot): string {
  const dot = snapshot.value.indexOf('.');
  return dot < 0 ? snapshot.value : snapshot.value.slice(0, dot);
}

/** The FF-A transactions (live) whose constituents include the page. */
function ffaCovering(
  model: SdpModel,
  state: WorldSnapshot,
  pfn: number,
): ComponentSnapshot<FfaTransactionContext>[] {
  const out: ComponentSnapshot<FfaTransactionContext>[] = [];
  for (const index of model.ffaTransactions) {
    const snap = part<FfaTransactionContext>(state, index);
    if (snap.context.shareFunc !== null && snap.context.pages.includes(pfn)) out.push(snap);
  }
  return out;
}

/** True iff the SPMC moved the page to the secure physical address space (no normal-world access). */
export function inSecurePas(model: SdpModel, state: WorldSnapshot, pfn: number): boolean {
  return ffaCovering(model, state, pfn).some((snap) => snap.context.memoryProtected);
}

function firewall(page: SdpPage, state: WorldSnapshot): TzascRegionContext | undefined {
  return page.tzasc === undefined ? undefined : part<TzascRegionContext>(state, page.tzasc).context;
}

/** The NSAID the interconnect stamps on the CPU's non-secure transactions. */
export const CPU_NSAID = 0;

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

/** The VM whose stage-2 governs a party's CPU accesses: a guest's own, the secure world, or the host's. */
export function cpuDomainOf(model: SdpModel, party: string): string {
  if (party === 'secure') return 'secure';
  return model.guests.some((guest) => guest.name === party) ? party : 'host';
}

/** Why the CPU of `domain` (host or a guest) can access the page, or undefined if it cannot. */
function cpuPath(
  model: SdpModel,
  state: WorldSnapshot,
  page: SdpPage,
  domain: string,
  access: Access,
): string | undefined {
  if (inSecurePas(model, state, page.pfn)) return undefined;
  if (!firewallAllows(page, state, CPU_NSAID, access, false)) return undefined;
  if (model.hypervisor === 'none')
    return domain === 'host' ? 'CPU (no hypervisor: the host kernel maps all memory)' : undefined;
  const snap = part<PkvmPageContext>(state, page.pkvm!);
  if (domain === 'host') {
    const host = hostPageState(snap);
    return grantsAccess(host as 'OWNED') ? `CPU through host stage-2 (${host})` : undefined;
  }
  const guest = model.guests.findIndex((g) => g.name === domain);
  const view = guest < 0 ? 'NOPAGE' : (snap.context.guests[guest] ?? 'NOPAGE');
  return grantsAccess(view) ? `CPU through ${domain} stage-2 (${view})` : undefined;
}

/** Why device `name` can reach the page by DMA, or undefined. */
function dmaPath(
  model: SdpModel,
  state: WorldSnapshot,
  page: SdpPage,
  deviceIndex: number,
  access: Access,
): string | undefined {
  const device = model.devices[deviceIndex]!;
  if (device.secureMaster) {
    return firewallAllows(page, state, device.nsaid, access, true) ? 'DMA as a secure master' : undefined;
  }
  if (inSecurePas(model, state, page.pfn)) return undefined;
  if (!firewallAllows(page, state, device.nsaid, access, false)) return undefined;
  const through = page.tzasc === undefined ? '' : ' (firewall allows this master)';
  if (device.iommu === 'bypass') return `DMA with no IOMMU translation${through}`;
  if (device.iommu === 'identity') {
    if (page.pkvm === undefined) return `DMA with no IOMMU translation${through}`;
    return part<PkvmPageContext>(state, page.pkvm).context.iommuIdmapMapped
      ? `DMA through the identity IOMMU domain${through}`
      : undefined;
  }
  if (device.domain === undefined) return undefined;
  const domain = part<IommuDomainContext>(state, device.domain).context;
  return domain.mapped.includes(page.pfn) ? `DMA through its IOMMU domain${through}` : undefined;
}

/** Every party that can make `access` to page `pfn`, with the path that allows it. */
export function accessPaths(
  model: SdpModel,
  state: WorldSnapshot,
  pfn: number,
  access: Access,
): AccessPath[] {
  const page = model.pages[pfn]!;
  const out: AccessPath[] = [];
  const host = cpuPath(model, state, page, 'host', access);
  if (host) out.push({ party: 'host', kind: 'cpu', via: host });
  for (const guest of model.guests) {
    const via = cpuPath(model, state, page, guest.name, access);
    if (via) out.push({ party: guest.name, kind: 'cpu', via });
  }
  // CPU mappings of buffers (mmap, vmap) by parties other than the kernels already listed.
  for (const buffer of model.buffers) {
    if (buffer.dmaBuf === undefined || !buffer.pages.includes(pfn)) continue;
    const context = part<DmaBufContext>(state, buffer.dmaBuf).context;
    for (const party of new Set([...context.mmaps, ...context.vmaps])) {
      if (out.some((path) => path.party === party)) continue;
      const via = cpuPath(model, state, page, cpuDomainOf(model, party), access);
      if (via) out.push({ party, kind: 'cpu', via: `CPU mapping of buffer ${buffer.name} (${via})` });
    }
  }
  // The VMM maps guest blobs whose addresses a virtio-gpu import handed it.
  for (const { component } of model.imports) {
    const snap = part<{ pages: readonly number[] }>(state, component);
    if (snap.value !== 'blobCreated' || !snap.context.pages.includes(pfn)) continue;
    if (out.some((path) => path.party === 'vmm')) continue;
    const via = cpuPath(model, state, page, 'host', access);
    if (via) out.push({ party: 'vmm', kind: 'cpu', via: `virtio-gpu blob handed to the VMM (${via})` });
  }
  if (page.pkvm !== undefined) {
    const hyp = part<PkvmPageContext>(state, page.pkvm).context.hyp;
    if (hyp === 'OWNED' || hyp === 'SHARED_BORROWED')
      out.push({ party: 'hyp', kind: 'cpu', via: `hyp stage-1 (${hyp})` });
  }
  const region = firewall(page, state);
  if (
    region &&
    firewallAllows(page, state, CPU_NSAID, access, true) &&
    !firewallAllows(page, state, CPU_NSAID, access, false)
  ) {
    out.push({ party: 'secure', kind: 'secure', via: 'secure world through the firewall region' });
  }
  for (const snap of ffaCovering(model, state, pfn)) {
    snap.context.receivers.forEach((receiver, i) => {
      if (
        (snap.context.retrievedFragmentCount[i] ?? 0) > 0 &&
        receiver.secure &&
        !out.some((p) => p.party === 'secure')
      ) {
        out.push({
          party: 'secure',
          kind: 'secure',
          via: `secure world through ${snap.context.shareFunc} (retrieved)`,
        });
      }
    });
  }
  model.devices.forEach((device, index) => {
    const via = dmaPath(model, state, page, index, access);
    if (via) out.push({ party: device.name, kind: 'dma', via });
  });
  return out;
}

/** The content label of a page. */
export function pageLabel(model: SdpModel, state: WorldSnapshot, pfn: number): ContentLabel {
  return part<ContentLabel>(state, model.pages[pfn]!.content).context;
}

/** True iff `party` may see the stream's plaintext: in its audience, or trusted by every design. */
export function inAudience(model: SdpModel, stream: string, party: string): boolean {
  if (model.trusted.includes(party)) return true;
  return model.streams.find((s) => s.name === stream)?.audience.includes(party) ?? false;
}
