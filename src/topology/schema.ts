/**
 * The topology file format: one candidate Secure Data Path design, written as YAML (or JSON).
 *
 * A topology says which hypervisor runs (and which of its variants), which guest VMs exist,
 * what the secure world offers, how physical memory is carved up and protected, which heaps
 * and buffers the pipeline uses, which devices master DMA and who controls them, how buffers
 * cross VMs (virtio-dmabuf, swiotlb bounce, FF-A), who may see each stream's plaintext, the
 * pipeline that must be able to run, and which named flaws are switched on.
 *
 * The schema checks shapes; `validateTopology` then checks references between sections.
 * `protmem schema` prints this schema as JSON Schema for editors.
 */
import { z } from 'zod';
import { Pipeline } from './pipelineSchema.ts';
import { Cca, RealmFlag } from './schemaCca.ts';
import { Gunyah } from './schemaGunyah.ts';
import { Hypervisor } from './schemaHypervisor.ts';
import { Name } from './schemaName.ts';
import { Xen } from './schemaXen.ts';

export { Name };

const SecureApp = z.strictObject({
  name: Name.describe(
    'The trusted app (or secure partition): a party of its own, as audiences, trusted sets and the decrypt stage name it.',
  ),
  heaps: z
    .array(Name)
    .optional()
    .describe(
      'The protected heaps (use cases, drivers/tee/tee_heap.c TEE_DMA_HEAP_*) whose buffers the TEE maps into this app when the host passes one as a memory reference. Without it the app takes any buffer, as OP-TEE maps every memref it is given (docs/model.md#parties-and-trust).',
    ),
});

const SecureWorld = z.strictObject({
  tee: z.boolean().default(true).describe('A TEE (OP-TEE) runs the decrypt trusted app.'),
  apps: z
    .array(SecureApp)
    .min(1)
    .optional()
    .describe(
      'The parties of the secure world: trusted apps sharing its memory, each judged on its own (docs/model.md#parties-and-trust). Without it, one app named secure that reaches everything the secure world reaches.',
    ),
  spmc: z
    .enum(['none', 'hafnium', 'optee', 'el3spmc'])
    .default('none')
    .describe(
      'The FF-A memory manager (SPMC) that arbitrates memory sharing with the secure world: hafnium (Hafnium at S-EL2), optee (OP-TEE as S-EL1 SPMC), el3spmc (the TF-A EL3 SPMC) (docs/model.md#ffa-managers).',
    ),
  protectsLentMemory: z
    .boolean()
    .default(false)
    .describe(
      'The SPMC moves lent or donated normal-world memory to the secure address space (arch_memory_protect, RME or dynamic TrustZone), so the lender can no longer read it.',
    ),
  protmemHook: z
    .boolean()
    .default(false)
    .describe(
      "With spmc: optee, the platform implements plat_set_protmem_range(): OP-TEE's protect_mem() reprograms the memory firewall when a protected-memory LEND is registered, so the lender can no longer read it. False is the CFG_INSECURE weak default, which protects nothing.",
    ),
  dumpCommand: z
    .boolean()
    .default(false)
    .describe('The trusted app offers a secure-to-clear copy (the OP-TEE sdp_basic test TA DUMP command).'),
});

const ProgramEntry = z.strictObject({
  call: z
    .enum(['memShare', 'memUnshare', 'memRelinquish', 'writeCiphertext', 'decrypt'])
    .describe(
      'A hypercall on the pages of a buffer of its own memory (memShare: MEM_SHARE, memUnshare: MEM_UNSHARE, memRelinquish: MEM_RELINQUISH), or one of its own pipeline stages (writeCiphertext, decrypt).',
    ),
  buffer: Name.optional().describe('The buffer whose pages a memShare, memUnshare or memRelinquish names.'),
});

const Vm = z.strictObject({
  name: Name.describe('The VM, as parties, owners and programs name it.'),
  protected: z.boolean().describe('A protected VM (pVM): the host cannot access its memory.'),
  realm: RealmFlag,
  program: z
    .array(ProgramEntry)
    .optional()
    .describe(
      "A protected VM's calls after boot, made in this order (docs/model.md#guest-programs): its hypercalls and its own pipeline stages. Without one, its stages happen in any order.",
    ),
});

const Tzasc = z.strictObject({
  configuredAt: z
    .enum(['boot', 'runtime'])
    .default('boot')
    .describe(
      'When firmware programs the region: before the host boots, or later as a step the explorer may take.',
    ),
  nsRead: z.array(Name).default([]).describe('Non-secure masters (devices) allowed to read the region.'),
  nsWrite: z.array(Name).default([]).describe('Non-secure masters (devices) allowed to write the region.'),
});

const Region = z.strictObject({
  name: Name.describe('The region, as heaps and buffers name it.'),
  pages: z.number().int().min(1).max(8).describe('Pages modelled in this region.'),
  type: z
    .enum(['memory', 'nomap', 'mmio'])
    .default('memory')
    .describe(
      'memory, a MEMBLOCK_NOMAP carveout the kernel never maps, or an MMIO range (device registers, not memory); check_range_allowed_memory refuses ownership changes of the last two (docs/model.md#mmio-and-no-map-ranges).',
    ),
  knownBy: z
    .enum(['deviceTree', 'runtimeQuery', 'dynamicLending'])
    .default('deviceTree')
    .describe(
      'How the OS learns of the region: a reserved-memory node in the device tree, a run-time query to the TEE (OPTEE_SMC_GET_PROTMEM_CONFIG), or CMA pages lent at run time.',
    ),
  protection: z
    .enum(['none', 'tzasc'])
    .default('none')
    .describe('Firmware protection of the region (a TZC-400 style address-space controller).'),
  tzasc: Tzasc.optional().describe(
    'The firewall region over these pages, with protection: tzasc (docs/model.md#tzasc-firewalls).',
  ),
  owner: z
    .string()
    .default('host')
    .describe(
      'Who owns the pages at boot: host, or a guest VM (pages donated to a pVM or shared with an np-VM).',
    ),
  sharedWithHost: z
    .boolean()
    .default(false)
    .describe(
      'A pVM region its guest shares back with the host at boot (MEM_SHARE), like a swiotlb bounce pool.',
    ),
  donatedAt: z
    .enum(['boot', 'fault'])
    .optional()
    .describe(
      "For a protected VM's region: when the host donates its pages. boot (the default): before the pipeline starts; fault: on the guest's first stage-2 fault after boot, so until then the host owns the pages and may use them (docs/model.md#host-hypercalls-after-boot).",
    ),
});

const Heap = z.strictObject({
  name: Name.describe('The heap, as buffers name it.'),
  kind: z
    .enum(['system', 'cma', 'protectedStatic', 'protectedDynamic'])
    .describe(
      'A dma-buf heap (docs/model.md#heaps): system or CMA memory, a protected static carveout, or a protected pool of CMA pages lent at run time.',
    ),
  region: Name.describe('The memory region backing the heap.'),
  exporter: z
    .enum(['system', 'teeHeap', 'mtkRestricted'])
    .default('system')
    .describe(
      'Whose dma_buf_ops apply: system/CMA heaps (CPU access allowed), drivers/tee/tee_heap.c (no mmap/vmap ops), or ChromeOS MediaTek restricted_heap.c (-EACCES).',
    ),
  scrub: z
    .enum(['zero', 'none', 'quarantine'])
    .default('zero')
    .describe(
      'What the free path does: zero the pages, nothing, or zero and quarantine pages whose reclaim failed.',
    ),
  memAttrs: z
    .array(
      z.strictObject({
        endpoint: Name.describe(
          'The FF-A endpoint the pool is lent to: secure (OP-TEE itself) or a secure app.',
        ),
      }),
    )
    .min(1)
    .max(2)
    .optional()
    .describe(
      "A protectedDynamic heap's endpoint list, as OP-TEE answers OPTEE_MSG_CMD_GET_PROTMEM_CONFIG (drivers/tee/optee/protmem.c optee_protmem_alloc_dyn_pool()): optee_ffa_lend_protmem() sends one endpoint memory access descriptor per entry. At most 2 (Hafnium's MAX_MEM_SHARE_RECIPIENTS). Without it, [{ endpoint: secure }] (docs/model.md#multi-endpoint-lends).",
    ),
});

const Buffer = z.strictObject({
  name: Name.describe('The buffer, as the pipeline, crossings and programs name it.'),
  heap: Name.optional().describe('The heap it is allocated from.'),
  region: Name.optional().describe("Or a region of a guest's own memory (no heap)."),
  pages: z.number().int().min(1).max(4).default(1).describe('How many pages the buffer spans.'),
  allocatedBy: z
    .string()
    .default('host')
    .describe('The party that allocates it and first holds it: host or a guest VM.'),
});

const Device = z.strictObject({
  name: Name.describe('The device: a party of its own, as audiences and firewall rules name it.'),
  role: z
    .enum(['decoder', 'display', 'gpu', 'dma'])
    .describe(
      'What the DMA master does (docs/model.md#devices): decode, scan out, render, or copy whatever its controller asks (a plain DMA engine).',
    ),
  controlledBy: z
    .string()
    .default('host')
    .describe('The party that programs the device: host, a guest VM, or secure.'),
  iommu: z
    .enum(['bypass', 'identity', 'domain'])
    .default('bypass')
    .describe(
      "How its DMA is translated: bypass (no IOMMU), identity (the pKVM identity domain), domain (an explicit pKVM DMA domain; under Xen, the IOMMU with its controlling domain's p2m).",
    ),
  secureMaster: z
    .boolean()
    .default(false)
    .describe('Its bus accesses are secure (a secure display or decoder).'),
  secureInImpliesSecureOut: z
    .boolean()
    .default(true)
    .describe('The device refuses to write output for protected input into a non-protected buffer.'),
  writeback: z
    .boolean()
    .default(false)
    .describe(
      "A display with a DRM writeback connector (drivers/gpu/drm/drm_writeback.c): its controller names a framebuffer (WRITEBACK_FB_ID) and the display writes the frame it shows into it (docs/model.md#display-writeback). With secureInImpliesSecureOut, a protected frame is written back only into a protected buffer (the design's declared rule).",
    ),
  assignedTo: Name.optional().describe(
    'A protected VM the device is assigned to (Android pKVM device assignment, docs/model.md#device-assignment): the host hands its MMIO to the hypervisor at boot, the VM claims it with its IOMMU group, and its DMA goes through an IOMMU domain the VM owns (pvIOMMU). Needs controlledBy: the same VM and iommu: domain.',
  ),
  iommuGroup: Name.optional().describe(
    'The IOMMU group the device is in: devices of one group share a stream translation, so pKVM assigns a group whole.',
  ),
  hostDriverBound: z
    .boolean()
    .optional()
    .describe(
      "With assignedTo: the host's driver is still bound when the VMM assigns the device, so the host's IOMMU driver keeps it attached to a host DMA domain (pkvm_devices_get_context(), dev->refcount) and pKVM refuses to take it (docs/model.md#device-assignment).",
    ),
});

const Virtio = z.strictObject({
  sharedObjects: z
    .strictObject({
      accessControl: z
        .boolean()
        .default(false)
        .describe(
          'Lookups are checked against an allow-list (not in QEMU today: any back-end that knows the UUID gets the fd).',
        ),
    })
    .default({ accessControl: false })
    .describe("The VMM's virtio-dmabuf shared-object table (docs/model.md#qemus-shared-object-table)."),
  backends: z
    .array(
      z.strictObject({
        name: Name.describe('The back-end process, a party of its own.'),
        servesVm: z.string().describe('The guest whose device this back-end serves.'),
      }),
    )
    .default([])
    .describe(
      'vhost-user back-ends: host processes serving a guest device (docs/model.md#vhost-user-back-ends).',
    ),
  exports: z
    .array(
      z.strictObject({
        buffer: Name.describe('The buffer exported.'),
        by: z
          .string()
          .describe(
            'Who exports the buffer with a UUID: a guest (virtio-gpu) or a vhost-user back-end (vhostUser).',
          ),
        via: z
          .enum(['virtioGpu', 'vhostUser'])
          .default('virtioGpu')
          .describe('Which device assigns the UUID: a guest virtio-gpu resource, or a vhost-user back-end.'),
        allow: z
          .array(Name)
          .default([])
          .describe('Back-ends allowed to look it up when access control is on.'),
        shareBacking: z
          .boolean()
          .default(true)
          .describe(
            "A protected guest shares the resource's backing pages with the host so the device can reach them (decrypted swiotlb or MEM_SHARE); false models a zero-copy path that passes addresses only.",
          ),
      }),
    )
    .default([])
    .describe('Buffers exported with a virtio-dmabuf UUID (docs/model.md#virtio-dmabuf-uuids).'),
  importChecksProtection: z
    .boolean()
    .default(false)
    .describe(
      'virtio-gpu refuses to import a protected dma-buf (a proposed fix; the kernel today imports it as an ordinary guest blob).',
    ),
  imports: z
    .array(
      z.strictObject({
        buffer: Name.describe('The exported buffer imported.'),
        into: z.string().describe('The guest that imports the buffer into its virtio-gpu device.'),
      }),
    )
    .default([])
    .describe('virtio-gpu imports of an exported buffer by UUID (docs/model.md#virtio-gpu-imports).'),
  bounce: z
    .array(
      z.strictObject({
        vm: z.string().describe('The guest that bounces the buffer.'),
        pool: Name.describe("The region holding the guest's swiotlb pool (shared with the host at boot)."),
        buffer: Name.describe(
          'The buffer whose contents the guest bounces through the pool to reach a host device.',
        ),
        direction: z
          .enum(['toDevice', 'fromDevice'])
          .default('toDevice')
          .describe(
            'toDevice (default): the guest sends the buffer out (DMA_TO_DEVICE). fromDevice: the guest maps its buffer to receive (DMA_FROM_DEVICE); the VMM writes into the slots and unmapping copies them back into the buffer.',
          ),
        deliverTo: Name.optional().describe(
          "Where the VMM copies a toDevice bounce: a host-side buffer (the virtio back-end receiving it), or a buffer a guest receives through a fromDevice bounce of its own, which the VMM then writes into that guest's slots.",
        ),
      }),
    )
    .default([])
    .describe('swiotlb bounce paths between a guest and the host (docs/model.md#swiotlb-bounce).'),
});

const FfaLend = z.strictObject({
  buffer: Name.describe('The buffer of its own memory the guest lends.'),
  by: z
    .string()
    .describe('The guest that lends its buffer to the secure world ([A] pVM FF-A through the pKVM proxy).'),
});

const Stream = z.strictObject({
  name: Name.describe('The stream, as the pipeline names it.'),
  audience: z
    .array(z.string())
    .min(1)
    .describe('Parties allowed to see the plaintext: secure apps, guests, devices.'),
  trusted: z
    .array(z.string())
    .optional()
    .describe(
      "The stream's trusted computing base besides its audience: hyp and secure apps it relies on (docs/model.md#parties-and-trust). Without it, hyp and every secure app.",
    ),
});

const CheckDefaults = z.strictObject({
  mode: z
    .enum(['random', 'exhaustive'])
    .default('exhaustive')
    .describe('Explore every reachable state breadth-first, or take random walks.'),
  maxDepth: z
    .number()
    .int()
    .min(1)
    .max(64)
    .default(10)
    .describe('Longest trace explored, in steps after boot.'),
  maxStates: z
    .number()
    .int()
    .min(1)
    .default(200_000)
    .describe('Exhaustive mode: stop after this many distinct states.'),
  runs: z.number().int().min(1).default(10_000).describe('Random mode: how many walks to take.'),
});

/**
 * The top-level fields, each a section the reference checks can use on its own when it parses
 * (`validateSections`). `$schema` lets an editor find the JSON Schema; the checker ignores it.
 */
export const TopologyFields = z
  .strictObject({
    $schema: z
      .string()
      .optional()
      .describe('Where editors find this JSON Schema (see `protmem schema`); ignored by protmem.'),
    name: Name.describe('The design, as reports and the manifest name it.'),
    description: z
      .string()
      .min(1)
      .describe('Which real system this stands for and why its verdict is what it is.'),
    references: z
      .array(z.string())
      .default([])
      .describe(
        'The sources the design rests on: a repository, path and function (torvalds/linux arch/arm64/kvm/hyp/nvhe/ffa.c __do_ffa_mem_xfer()), or a section of docs/model.md (docs/model.md#ffa).',
      ),
    hypervisor: Hypervisor.describe(
      'What runs at EL2: nothing, pKVM in one of its variants, Xen, KVM with the Arm CCA RMM, or Gunyah.',
    ),
    secureWorld: SecureWorld.describe('What the secure world offers (docs/model.md#secure-world).').default({
      tee: true,
      spmc: 'none',
      protectsLentMemory: false,
      protmemHook: false,
      dumpCommand: false,
    }),
    vms: z.array(Vm).default([]).describe('Guest VMs besides the host.'),
    memory: z.array(Region).min(1).describe('Physical memory, carved into regions of pages.'),
    heaps: z.array(Heap).default([]).describe('dma-buf heaps over the regions.'),
    buffers: z.array(Buffer).min(1).describe('The buffers the pipeline and the parties use.'),
    devices: z
      .array(Device)
      .default([])
      .describe('DMA masters: who programs each and how its DMA is translated.'),
    ffaLends: z
      .array(FfaLend)
      .default([])
      .describe(
        'Buffers a guest lends to the secure world over FF-A (with an FF-A SPMC in secureWorld.spmc).',
      ),
    xen: Xen.describe('Xen grant tables and gntdev dma-bufs, with hypervisor.kind: xen.').default({
      dom0Privileged: true,
      grants: [],
      gntdevExports: [],
    }),
    cca: Cca.optional().describe('Arm CCA realm memory, with hypervisor.kind: cca.'),
    gunyah: Gunyah.describe('Gunyah memory parcels, with hypervisor.kind: gunyah.').default({ parcels: [] }),
    virtio: Virtio.describe('How buffers cross VMs through virtio (docs/model.md#virtio).').default({
      sharedObjects: { accessControl: false },
      backends: [],
      exports: [],
      importChecksProtection: false,
      imports: [],
      bounce: [],
    }),
    streams: z.array(Stream).min(1).describe('The protected streams and who may see each.'),
    pipeline: Pipeline.describe('The legitimate pipeline that must be able to run.'),
    flaws: z.array(z.string()).default([]).describe('Named flaws switched on: see `protmem flaws`.'),
    check: CheckDefaults.describe('The default mode and bound of a check of this design.').default({
      mode: 'exhaustive',
      maxDepth: 10,
      maxStates: 200_000,
      runs: 10_000,
    }),
  })
  .describe('A protmem topology: one candidate Secure Data Path design.');

/** A topology file's content; the output leaves `$schema` out, so it is no part of the design. */
export const TopologySchema = TopologyFields.transform(({ $schema: _editorSchema, ...topology }) => topology);

export type Topology = z.output<typeof TopologySchema>;
export type TopologyInput = z.input<typeof TopologySchema>;
export type RegionSpec = Topology['memory'][number];
export type HeapSpec = Topology['heaps'][number];
export type BufferSpec = Topology['buffers'][number];
export type DeviceSpec = Topology['devices'][number];
export type VmSpec = Topology['vms'][number];
export type SecureAppSpec = NonNullable<Topology['secureWorld']['apps']>[number];
export type StreamSpec = Topology['streams'][number];
export type ProgramEntrySpec = NonNullable<VmSpec['program']>[number];

/** The `$id` of the topology format's JSON Schema. */
export const TOPOLOGY_SCHEMA_ID = 'urn:protmem:topology';

/** The JSON Schema of the topology format, for editors. */
export function topologyJsonSchema(): unknown {
  const { $schema, ...schema } = z.toJSONSchema(TopologyFields, { io: 'input' });
  return { $schema, $id: TOPOLOGY_SCHEMA_ID, ...schema };
}
