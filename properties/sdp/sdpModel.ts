/**
 * The static facts of a Secure Data Path world that its properties read: where each page
 * lives, which machine holds each part of its story (ownership, content, firewall, FF-A),
 * which devices master DMA and through what, which buffers exist, and who may see each stream.
 * `src/world/compose.ts` builds it from a topology; properties only read it.
 *
 * Who can reach a page is platform semantics, not a judgement: the world computes it from its
 * machines (`reach`, `src/world/reach.ts`) and uses the same answer to decide which steps a
 * party can take; the properties judge those answers against each stream's audience.
 */
import type { WorldModel, WorldSnapshot } from '../model.ts';

export type Access = 'read' | 'write';

/** One way a party can reach a page. */
export interface AccessPath {
  readonly party: string;
  readonly kind: 'cpu' | 'dma' | 'secure';
  /** In words: "CPU through host stage-2 (SHARED_OWNED)", "DMA with no IOMMU". */
  readonly via: string;
}

/** Who can reach pages, as the platform decides it. */
export interface Reach {
  /** Every party that can make `access` to page `pfn` in `state`, with the path that allows it. */
  paths(state: WorldSnapshot, pfn: number, access: Access): readonly AccessPath[];
  /** True iff the SPMC moved the page to the secure physical address space (no normal-world access). */
  inSecurePas(state: WorldSnapshot, pfn: number): boolean;
}

export interface SdpPage {
  readonly pfn: number;
  /** `region:index`. */
  readonly label: string;
  readonly region: string;
  /** The pKVM page machine, when a hypervisor runs. */
  readonly pkvm?: number;
  /** The page's content-label machine. */
  readonly content: number;
  /** The firewall region machine protecting the page, if any. */
  readonly tzasc?: number;
  /** The Arm CCA granule machine of a page of realm memory, with `hypervisor: 'cca'`. */
  readonly cca?: number;
}

export interface SdpDevice {
  readonly name: string;
  readonly role: 'decoder' | 'display' | 'gpu' | 'dma';
  readonly controller: string;
  /** bypass: no IOMMU translation; identity: pKVM's identity domain; domain: an explicit pKVM DMA domain. */
  readonly iommu: 'bypass' | 'identity' | 'domain';
  readonly secureMaster: boolean;
  /** The non-secure access ID its transactions carry (the firewall's per-master enables). */
  readonly nsaid: number;
  /** Its explicit IOMMU domain machine, for `domain`. */
  readonly domain?: number;
  /** Its media device machine (decoder, display, GPU). */
  readonly machine?: number;
  /** The protected VM it is assigned to (pKVM device assignment), if any. */
  readonly assignedTo?: string;
  /** Its assignment machine, for a device assigned to a VM. */
  readonly assignment?: number;
  /** Its IOMMU group: devices of one group share the IOMMU's translation. */
  readonly group?: string;
}

export interface SdpBuffer {
  readonly name: string;
  readonly pages: readonly number[];
  /** Allocated from a protected heap. */
  readonly protected: boolean;
  /** Its dma-buf machine (heap buffers); guest-memory buffers have none. */
  readonly dmaBuf?: number;
  readonly allocatedBy: string;
}

export interface SdpGuest {
  readonly name: string;
  readonly protected: boolean;
  readonly component: number;
}

export interface SdpStream {
  readonly name: string;
  /** The parties allowed to see the stream's plaintext. */
  readonly audience: readonly string[];
  /**
   * The stream's trusted computing base besides its audience: by default the hypervisor and
   * the secure world's apps (the TEE, EL3 and the SPMC, whose firewall configuration the design
   * relies on; docs/model.md#parties-and-trust).
   */
  readonly trusted: readonly string[];
}

export interface SdpModel extends WorldModel {
  readonly hypervisor: 'none' | 'pkvm' | 'xen' | 'cca' | 'gunyah';
  readonly pages: readonly SdpPage[];
  readonly devices: readonly SdpDevice[];
  readonly buffers: readonly SdpBuffer[];
  readonly guests: readonly SdpGuest[];
  /** Xen domUs, CCA realms and Gunyah VMs: live for the whole run (their lifecycle is not modelled). */
  readonly domains?: readonly string[];
  /** Xen grant entry machines, with the page each grants. */
  readonly grants?: readonly { readonly component: number; readonly page: number; readonly ref: number }[];
  readonly streams: readonly SdpStream[];
  /** Who can reach each page (see `Reach`). */
  readonly reach: Reach;
  /** FF-A share-state machines. */
  readonly ffaTransactions: readonly number[];
  /** virtio-gpu import machines, with the guest that imports. */
  readonly imports: readonly { readonly component: number; readonly guest: string }[];
  /** Shared-object table entries, with the owner and allow-list the design intends. */
  readonly sharedObjects: readonly {
    readonly component: number;
    readonly buffer: string;
    readonly exporter: string;
    readonly allowed: readonly string[];
    /** The virtio-gpu object that exports the buffer with this UUID (none for a back-end's own export). */
    readonly gpuExport?: number;
  }[];
  /** Protected heaps' pool machines, with the pages each can hand out. */
  readonly pools: readonly {
    readonly component: number;
    readonly heap: string;
    readonly pages: readonly number[];
  }[];
  /** vhost-user back-end machines. */
  readonly backends: readonly { readonly component: number; readonly name: string }[];
  readonly pipeline: {
    readonly stream: string;
    readonly display: string;
    /** Buffers that carry plaintext in the legitimate pipeline (decrypt and decode outputs). */
    readonly plaintextBuffers: readonly string[];
  };
}

/** True iff a world model is an SDP world (has the page layout). */
export function isSdpModel(model: WorldModel): model is SdpModel {
  return 'pages' in model && 'streams' in model;
}
