/**
 * Small hand-made Secure Data Path worlds for the SDP property tests: an `SdpModel` of a few
 * pages, guests, buffers and devices, with a stub `Reach` whose answers the test gives per page
 * and access, and world states made of one snapshot per component in the machines' own context
 * shapes, starting from each machine's initial context. A test edits the few parts its claim
 * reads (`edit`, `labelled`), so each case shows exactly the state that breaks or keeps it.
 * Nothing here runs the composer or calls `expect`.
 */
import type { AnyStateMachine } from 'xstate';
import {
  type ContentLabel,
  holdsCiphertext,
  holdsPlaintext,
  ZERO_LABEL,
} from '../../machines/contentLabel.ts';
import { type DmaBufContext, type HeapKind, initialDmaBufContext } from '../../machines/dmaBufState.ts';
import { type FfaTransactionContext, ffaTransactionMachine } from '../../machines/ffaTransactionMachine.ts';
import { type GuestVmContext, guestVmMachine } from '../../machines/guestVmMachine.ts';
import { type IommuDomainContext, iommuDomainMachine } from '../../machines/iommuDomainMachine.ts';
import { initialPageContext, type PkvmPageContext } from '../../machines/pkvmPageState.ts';
import {
  initialProtectedHeapContext,
  type PoolKind,
  type ProtectedHeapContext,
} from '../../machines/protectedHeapState.ts';
import {
  type SharedObjectEntryContext,
  sharedObjectEntryMachine,
} from '../../machines/sharedObjectEntryMachine.ts';
import type { MachineSnapshot } from '../../machines/snapshot.ts';
import { type VhostBackendContext, vhostBackendMachine } from '../../machines/vhostBackendMachine.ts';
import {
  type VirtioDmabufExportContext,
  virtioDmabufExportMachine,
} from '../../machines/virtioDmabufExportMachine.ts';
import {
  type VirtioGpuImportContext,
  virtioGpuImportMachine,
} from '../../machines/virtioGpuImportMachine.ts';
import type {
  ComponentInfo,
  ComponentKind,
  Invariant,
  Violation,
  WorldModel,
  WorldSnapshot,
} from '../../properties/model.ts';
import type {
  Access,
  AccessPath,
  Reach,
  SdpBuffer,
  SdpDevice,
  SdpModel,
  SdpPage,
  SdpStream,
} from '../../properties/sdp/sdpModel.ts';
import { compileMachine } from '../../src/engine/stepper.ts';

/** What the stub reach answers: per page frame and access, the paths; no answer is no path. */
export type ReachAnswers = Readonly<Record<number, Partial<Record<Access, readonly AccessPath[]>>>>;

/**
 * A `Reach` that gives the same answers in every state: the test decides who can reach what.
 * No SDP property asks `inSecurePas` (the world's steps do); the stub answers false.
 */
export function stubReach(answers: ReachAnswers = {}): Reach {
  return {
    paths: (_state, pfn, access) => answers[pfn]?.[access] ?? [],
    inSecurePas: () => false,
  };
}

/** A CPU path of `party`. */
export function cpu(party: string, via = `CPU of ${party}`): AccessPath {
  return { party, kind: 'cpu', via };
}

/** A DMA path of device `party`. */
export function dma(party: string, via = `DMA by ${party}`): AccessPath {
  return { party, kind: 'dma', via };
}

/** The secure world's path. */
export function secure(via = 'secure world through the firewall region'): AccessPath {
  return { party: 'secure', kind: 'secure', via };
}

export interface BufferSpec {
  readonly name: string;
  readonly pages: readonly number[];
  /** A dma-buf of a heap of this kind (with its buffer machine); guest memory when absent. */
  readonly heap?: HeapKind;
  /** Default: true for a protected heap kind, false otherwise. */
  readonly protected?: boolean;
  /** Default `host`. */
  readonly allocatedBy?: string;
}

export interface DeviceSpec {
  readonly name: string;
  readonly role?: SdpDevice['role'];
  /** Default `bypass`; `domain` gives the device an IOMMU domain machine. */
  readonly iommu?: SdpDevice['iommu'];
  readonly secureMaster?: boolean;
  /** A protected VM the device is assigned to: its domain is that VM's own (pvIOMMU). */
  readonly assignedTo?: string;
}

export interface PoolSpec {
  readonly heap: string;
  readonly pool: PoolKind;
  /** The pages the heap can hand out. */
  readonly pages: readonly number[];
}

export interface SharedObjectSpec {
  readonly buffer: string;
  readonly exporter: string;
  readonly allowed?: readonly string[];
  /** Also a virtio-gpu export machine for the buffer (`export:<buffer>`), as a guest export has. */
  readonly gpuExport?: boolean;
}

export interface SdpSpec {
  /** Default `none`; `pkvm` gives every page a pKVM page machine. */
  readonly hypervisor?: 'none' | 'pkvm';
  readonly kernel?: WorldModel['kernel'];
  /** The region of each page, by page frame: `['carveout', 'carveout', 'dram']`. */
  readonly pages: readonly string[];
  readonly guests?: readonly { readonly name: string; readonly protected?: boolean }[];
  readonly buffers?: readonly BufferSpec[];
  readonly devices?: readonly DeviceSpec[];
  /** Default: one stream `movie` seen by `vdec` and `dpu`. */
  readonly streams?: readonly SdpStream[];
  /** Default: the first stream, shown by `dpu`, with no plaintext buffers. */
  readonly pipeline?: Partial<SdpModel['pipeline']>;
  readonly pools?: readonly PoolSpec[];
  /** Number of FF-A share-state slots (`ffa:<handle>`). */
  readonly ffaSlots?: number;
  /** virtio-gpu imports: `import:<buffer>:<guest>`. */
  readonly imports?: readonly { readonly buffer: string; readonly guest: string }[];
  readonly sharedObjects?: readonly SharedObjectSpec[];
  /** vhost-user back-ends (`backend:<name>`). */
  readonly backends?: readonly string[];
  readonly reach?: ReachAnswers;
}

/** A component of the world whose machine keeps a context of type `C`. */
export interface Part<C> {
  readonly index: number;
  /** Type only: the context of the component's machine. */
  readonly context?: C;
}

export interface SdpWorld {
  readonly model: SdpModel;
  /** Every machine in its initial state. */
  readonly initial: WorldSnapshot;
  content(pfn: number): Part<ContentLabel>;
  pkvm(pfn: number): Part<PkvmPageContext>;
  guest(name: string): Part<GuestVmContext>;
  buffer(name: string): Part<DmaBufContext>;
  pool(heap: string): Part<ProtectedHeapContext>;
  ffa(handle: number): Part<FfaTransactionContext>;
  domain(device: string): Part<IommuDomainContext>;
  import(buffer: string, guest: string): Part<VirtioGpuImportContext>;
  entry(buffer: string): Part<SharedObjectEntryContext>;
  gpuExport(buffer: string): Part<VirtioDmabufExportContext>;
  backend(name: string): Part<VhostBackendContext>;
}

/** The default stream: `movie`, for the decoder and the display. */
export const MOVIE: SdpStream = { name: 'movie', audience: ['vdec', 'dpu'], trusted: ['hyp', 'secure'] };

/** A world model that is not an SDP world (no page layout): the SDP properties have nothing to judge. */
export const NOT_SDP_MODEL: WorldModel = {
  components: [],
  guestNames: [],
  guestProtected: [],
  byKind: {},
  kernel: 'upstream',
};

const PROTECTED_HEAPS: ReadonlySet<HeapKind> = new Set(['protectedStatic', 'protectedDynamic']);

const steppers = new Map<AnyStateMachine, ReturnType<typeof compileMachine>>();

/** A machine's initial snapshot for `input`, for machines with no initial-context helper. */
function initialOf<C>(machine: AnyStateMachine, input: unknown): MachineSnapshot<C> {
  let stepper = steppers.get(machine);
  if (!stepper) {
    stepper = compileMachine(machine);
    steppers.set(machine, stepper);
  }
  return stepper.initial(input) as MachineSnapshot<C>;
}

/** The model and initial state of a hand-made SDP world. */
export function sdpWorld(spec: SdpSpec): SdpWorld {
  const components: ComponentInfo[] = [];
  const parts: MachineSnapshot[] = [];
  const add = (id: string, kind: ComponentKind, label: string, snapshot: MachineSnapshot): number => {
    const index = components.length;
    components.push({ index, id, kind, label });
    parts.push(snapshot);
    return index;
  };
  const hypervisor = spec.hypervisor ?? 'none';
  const guestSpecs = spec.guests ?? [];

  const inRegion = new Map<string, number>();
  const pages: SdpPage[] = spec.pages.map((region, pfn) => {
    const n = inRegion.get(region) ?? 0;
    inRegion.set(region, n + 1);
    const label = `${region}:${n}`;
    const pkvm =
      hypervisor === 'pkvm'
        ? add(`page:${pfn}`, 'pkvmPage', `page ${label}`, {
            value: 'OWNED',
            context: initialPageContext({ pfn, guestCount: guestSpecs.length }),
          })
        : undefined;
    const content = add(`content:${pfn}`, 'pageContent', `content of page ${label}`, {
      value: 'zero',
      context: ZERO_LABEL,
    });
    return { pfn, label, region, content, ...(pkvm !== undefined ? { pkvm } : {}) };
  });

  const guests = guestSpecs.map((g) => ({
    name: g.name,
    protected: g.protected ?? false,
    component: add(
      `vm:${g.name}`,
      'guestVm',
      `VM ${g.name}`,
      initialOf(guestVmMachine, { protected: g.protected ?? false }),
    ),
  }));

  const buffers: SdpBuffer[] = (spec.buffers ?? []).map((b) => {
    const base = {
      name: b.name,
      pages: b.pages,
      protected: b.protected ?? (b.heap !== undefined && PROTECTED_HEAPS.has(b.heap)),
      allocatedBy: b.allocatedBy ?? 'host',
    };
    if (b.heap === undefined) return base;
    const dmaBuf = add(`buffer:${b.name}`, 'dmaHeapBuffer', `buffer ${b.name}`, {
      value: 'free',
      context: initialDmaBufContext({ heapKind: b.heap }),
    });
    return { ...base, dmaBuf };
  });

  const pools = (spec.pools ?? []).map((p) => ({
    heap: p.heap,
    pages: p.pages,
    component: add(`pool:${p.heap}`, 'protectedPool', `protected pool of heap ${p.heap}`, {
      value: 'unprobed',
      context: initialProtectedHeapContext({ pool: p.pool, heapName: `protected,${p.heap}` }),
    }),
  }));

  const ffaTransactions = Array.from({ length: spec.ffaSlots ?? 0 }, (_, handle) =>
    add(
      `ffa:${handle}`,
      'ffaTransaction',
      `FF-A handle ${handle}`,
      initialOf(ffaTransactionMachine, { handle }),
    ),
  );

  const devices: SdpDevice[] = (spec.devices ?? []).map((d, i) => {
    const iommu = d.iommu ?? 'bypass';
    const domain =
      iommu === 'domain'
        ? add(
            `iommu:${d.name}`,
            'iommuDomain',
            `IOMMU domain of ${d.name}`,
            initialOf(iommuDomainMachine, { domainId: i + 1 }),
          )
        : undefined;
    return {
      name: d.name,
      role: d.role ?? 'dma',
      controller: 'host',
      iommu,
      secureMaster: d.secureMaster ?? false,
      nsaid: i + 1,
      ...(domain !== undefined ? { domain } : {}),
      ...(d.assignedTo !== undefined ? { assignedTo: d.assignedTo } : {}),
    };
  });

  const imports = (spec.imports ?? []).map((imp, resource) => ({
    guest: imp.guest,
    component: add(
      `import:${imp.buffer}:${imp.guest}`,
      'virtioGpuImport',
      `virtio-gpu import of ${imp.buffer} by ${imp.guest}`,
      initialOf(virtioGpuImportMachine, { guest: imp.guest, resource: resource + 1, hasResourceBlob: true }),
    ),
  }));

  const sharedObjects = (spec.sharedObjects ?? []).map((s, resource) => {
    const component = add(
      `uuid:${s.buffer}`,
      'sharedObjectEntry',
      `shared-object entry of ${s.buffer}`,
      initialOf(sharedObjectEntryMachine, { uuid: `uuid-${s.buffer}` }),
    );
    const gpuExport = !s.gpuExport
      ? undefined
      : add(
          `export:${s.buffer}`,
          'virtioDmabufExport',
          `virtio-gpu export of ${s.buffer}`,
          initialOf(virtioDmabufExportMachine, {
            resource: resource + 1,
            blob: true,
            useCrossDevice: true,
            hasResourceAssignUuid: true,
          }),
        );
    return {
      component,
      buffer: s.buffer,
      exporter: s.exporter,
      allowed: s.allowed ?? [],
      ...(gpuExport !== undefined ? { gpuExport } : {}),
    };
  });

  const backends = (spec.backends ?? []).map((name) => ({
    name,
    component: add(
      `backend:${name}`,
      'vhostBackend',
      `back-end ${name}`,
      initialOf(vhostBackendMachine, { backend: name }),
    ),
  }));

  const byKind: Partial<Record<ComponentKind, number[]>> = {};
  for (const c of components) byKind[c.kind] = [...(byKind[c.kind] ?? []), c.index];
  const streams = spec.streams ?? [MOVIE];
  const model: SdpModel = {
    components,
    guestNames: guests.map((g) => g.name),
    guestProtected: guests.map((g) => g.protected),
    byKind,
    kernel: spec.kernel ?? 'upstream',
    hypervisor,
    pages,
    devices,
    buffers,
    guests,
    streams,
    reach: stubReach(spec.reach),
    ffaTransactions,
    imports,
    sharedObjects,
    pools,
    backends,
    pipeline: {
      stream: spec.pipeline?.stream ?? streams[0]?.name ?? 'movie',
      display: spec.pipeline?.display ?? 'dpu',
      plaintextBuffers: spec.pipeline?.plaintextBuffers ?? [],
    },
  };

  const find = <C>(id: string): Part<C> => {
    const found = components.find((c) => c.id === id);
    if (!found) throw new Error(`no component ${id} in this world`);
    return { index: found.index };
  };
  return {
    model,
    initial: { parts },
    content: (pfn) => find(`content:${pfn}`),
    pkvm: (pfn) => find(`page:${pfn}`),
    guest: (name) => find(`vm:${name}`),
    buffer: (name) => find(`buffer:${name}`),
    pool: (heap) => find(`pool:${heap}`),
    ffa: (handle) => find(`ffa:${handle}`),
    domain: (device) => find(`iommu:${device}`),
    import: (buffer, guest) => find(`import:${buffer}:${guest}`),
    entry: (buffer) => find(`uuid:${buffer}`),
    gpuExport: (buffer) => find(`export:${buffer}`),
    backend: (name) => find(`backend:${name}`),
  };
}

/** `state` with one part moved to state `value` and `context` spread over its context. */
export function edit<C>(
  state: WorldSnapshot,
  part: Part<C>,
  value: string,
  context: Partial<C> = {},
): WorldSnapshot {
  const parts = state.parts.slice();
  const old = parts[part.index];
  if (!old) throw new Error(`no part ${part.index} in this state`);
  parts[part.index] = { value, context: { ...(old.context as object), ...context } };
  return { parts };
}

/** `state` with a page's content label replaced, in the content machine's state for that label. */
export function labelled(state: WorldSnapshot, part: Part<ContentLabel>, label: ContentLabel): WorldSnapshot {
  const value = holdsPlaintext(label) ? 'plaintext' : holdsCiphertext(label) ? 'ciphertext' : 'zero';
  return edit(state, part, value, label);
}

/** The violations of a world property in `state`. */
export function violationsOf(
  invariant: Invariant,
  world: SdpWorld,
  state: WorldSnapshot,
): readonly Violation[] {
  if (!invariant.world) throw new Error(`${invariant.name} is not a world property`);
  return invariant.world(state, world.model);
}
