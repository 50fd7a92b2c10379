/**
 * Checks a topology makes sense as a whole, once its shape is right: names are unique, every
 * name refers to something declared (with a "did you mean" for near misses), features are only
 * used where the design has what they need (pKVM, an SPMC, a TEE, an IOMMU mode), and the
 * buffers fit in their memory. Each problem points at the offending field.
 */
import { FLAW_NAMES } from './flaws.ts';
import { clip, type FieldPath, listWords, quote, type TopologyProblem } from './issues.ts';
import { BUILT_IN_PARTIES } from './parties.ts';
import { declared, names, Problems, partyOf } from './problems.ts';
import { type RegionSpec, type Topology, TopologyFields } from './schema.ts';
import { checkCca } from './validateCca.ts';
import { checkDevices } from './validateDevices.ts';
import { checkGunyah } from './validateGunyah.ts';
import { checkDonation, checkHostCalls, checkMmio } from './validateHostCalls.ts';
import { checkMemAttrs } from './validateMemAttrs.ts';
import { checkPipeline } from './validatePipeline.ts';
import { checkPrograms } from './validatePrograms.ts';
import { checkSecureApps, checkStreamAudiences, checkStreamTrust } from './validateTrust.ts';
import { checkVirtio } from './validateVirtio.ts';
import { checkXen } from './validateXen.ts';

/** Pages the model holds across all memory regions. */
export const MAX_TOTAL_PAGES = 16;

export { BUILT_IN_PARTIES };

const PROTECTED_HEAP_KINDS: ReadonlySet<string> = new Set(['protectedStatic', 'protectedDynamic']);
const PROTECTION_AWARE_EXPORTERS: ReadonlySet<string> = new Set(['teeHeap', 'mtkRestricted']);

type Section = keyof Topology;

/** One check: the sections it reads, and the check itself, which reads nothing else. */
interface Check {
  readonly needs: readonly Section[];
  readonly run: (topology: Topology, problems: Problems) => void;
}

function check<K extends Section>(
  needs: readonly K[],
  run: (topology: Pick<Topology, NoInfer<K>>, problems: Problems) => void,
): Check {
  return { needs, run };
}

const NAMED_SECTIONS = [
  ['VM', 'vms'],
  ['region', 'memory'],
  ['heap', 'heaps'],
  ['buffer', 'buffers'],
  ['device', 'devices'],
  ['stream', 'streams'],
] as const satisfies readonly (readonly [string, Section])[];

/** Every check, in the order their problems are listed when they fall on one spot. */
const CHECKS: readonly Check[] = [
  ...NAMED_SECTIONS.map(([what, section]) =>
    check([section], (topology, problems) => uniqueNames(what, [section], topology[section], problems)),
  ),
  check(['virtio'], (topology, problems) =>
    uniqueNames('back-end', ['virtio', 'backends'], topology.virtio.backends, problems),
  ),
  check(['vms'], checkVmNames),
  check(['vms', 'devices'], checkDeviceNames),
  check(['hypervisor', 'vms'], checkVms),
  check(['vms', 'devices', 'memory', 'hypervisor'], checkMemory),
  check(['memory', 'heaps', 'hypervisor', 'secureWorld'], checkHeaps),
  check(['heaps', 'secureWorld'], checkMemAttrs),
  check(['vms', 'heaps', 'memory', 'buffers'], checkBuffers),
  check(['vms', 'hypervisor', 'devices'], checkDevices),
  check(['vms', 'buffers', 'heaps', 'memory', 'pipeline', 'hypervisor'], checkPrograms),
  check(['vms', 'buffers', 'memory', 'virtio', 'ffaLends'], checkVirtio),
  check(['secureWorld', 'vms', 'devices', 'heaps'], checkSecureApps),
  check(['vms', 'devices', 'streams', 'secureWorld'], checkStreamAudiences),
  check(['streams', 'secureWorld', 'vms', 'devices'], checkStreamTrust),
  check(['streams', 'buffers', 'vms', 'pipeline', 'secureWorld', 'devices'], checkPipeline),
  check(['hypervisor', 'xen', 'vms', 'buffers', 'devices', 'ffaLends', 'virtio', 'memory'], checkXen),
  check(['hypervisor', 'cca', 'vms', 'buffers', 'devices', 'ffaLends', 'virtio', 'memory'], checkCca),
  check(['hypervisor', 'gunyah', 'vms', 'buffers', 'devices', 'ffaLends', 'virtio', 'memory'], checkGunyah),
  check(['secureWorld'], checkSecureWorld),
  check(['flaws'], checkFlaws),
  check(['memory', 'buffers', 'heaps'], checkCapacity),
  check(['memory', 'heaps', 'buffers'], checkMmio),
  check(['memory', 'vms', 'hypervisor'], checkDonation),
  check(['hypervisor'], checkHostCalls),
];

/** Every problem with references between the sections of a (shape-checked) topology. */
export function validateTopology(topology: Topology): TopologyProblem[] {
  const problems = new Problems();
  for (const { run } of CHECKS) run(topology, problems);
  return problems.list;
}

/**
 * The reference problems of a document whose shape is wrong somewhere: each top-level section
 * whose own shape is right is taken as the schema reads it, and each check whose sections all
 * are is run. A section the document leaves out counts as its default only when no top-level
 * key is unknown, so a misspelt section is not taken for an empty one.
 */
export function validateSections(document: unknown): TopologyProblem[] {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) return [];
  const fields: Readonly<
    Record<string, { safeParse(value: unknown): { success: boolean; data?: unknown } }>
  > = TopologyFields.shape;
  const present = (key: string) => Object.hasOwn(document, key);
  const unknownKeys = Object.keys(document).some((key) => !Object.hasOwn(fields, key));
  const sections: Partial<Record<Section, unknown>> = {};
  for (const key of Object.keys(fields)) {
    if (key === '$schema' || (!present(key) && unknownKeys)) continue;
    const result = fields[key]!.safeParse(
      present(key) ? (document as Record<string, unknown>)[key] : undefined,
    );
    if (result.success) sections[key as Section] = result.data;
  }
  const problems = new Problems();
  for (const { needs, run } of CHECKS) {
    // Safe: `run` reads only the sections in `needs`, and each of them parsed.
    if (needs.every((section) => Object.hasOwn(sections, section))) run(sections as Topology, problems);
  }
  return problems.list;
}

function uniqueNames(
  what: string,
  sectionPath: FieldPath,
  entries: readonly { name: string }[],
  problems: Problems,
): void {
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    const first = seen.get(entry.name);
    if (first === undefined) {
      seen.set(entry.name, index);
      return;
    }
    problems.add(
      'duplicateName',
      [...sectionPath, index, 'name'],
      `duplicate ${what} name`,
      `a name no other ${what} has`,
      `${quote(entry.name)}, already the name of ${formatPathShort([...sectionPath, first])}`,
    );
  });
}

/** VMs and devices are all parties: they may not take the names of the built-in parties. */
function builtInName(what: string, path: FieldPath, name: string, problems: Problems): boolean {
  if (!(BUILT_IN_PARTIES as readonly string[]).includes(name)) return false;
  problems.add(
    'duplicateName',
    path,
    `a ${what} cannot take the name of the built-in party ${quote(name)}`,
    `a name other than ${listWords(BUILT_IN_PARTIES, 'or')}`,
    quote(name),
  );
  return true;
}

function checkVmNames(topology: Pick<Topology, 'vms'>, problems: Problems): void {
  topology.vms.forEach((vm, index) => {
    builtInName('VM', ['vms', index, 'name'], vm.name, problems);
  });
}

/** Devices share one namespace with VMs, apart from the built-in parties. */
function checkDeviceNames(topology: Pick<Topology, 'vms' | 'devices'>, problems: Problems): void {
  const vmIndex = new Map(topology.vms.map((vm, index) => [vm.name, index] as const));
  topology.devices.forEach((device, index) => {
    const path = ['devices', index, 'name'];
    if (builtInName('device', path, device.name, problems)) return;
    const vm = vmIndex.get(device.name);
    if (vm !== undefined) {
      problems.add(
        'duplicateName',
        path,
        'a device and a VM share a name (both are parties)',
        'a name no VM or device has',
        `${quote(device.name)}, already the name of vms[${vm}]`,
      );
    }
  });
}

function formatPathShort(path: FieldPath): string {
  return path
    .map((segment) => (typeof segment === 'number' ? `[${segment}]` : `.${segment}`))
    .join('')
    .slice(1);
}

function checkVms(topology: Pick<Topology, 'hypervisor' | 'vms'>, problems: Problems): void {
  if (topology.hypervisor.kind !== 'none') return;
  topology.vms.forEach((vm, index) => {
    if (vm.protected) {
      problems.add(
        'requiresFeature',
        ['vms', index, 'protected'],
        'a protected VM needs pKVM',
        'hypervisor.kind: pkvm',
        'hypervisor.kind: none',
      );
    } else {
      problems.add(
        'requiresFeature',
        ['vms', index],
        'guest VMs need a hypervisor',
        'no VMs, or hypervisor.kind: pkvm',
        `VM ${quote(vm.name)} with hypervisor.kind: none`,
      );
    }
  });
}

function checkMemory(
  topology: Pick<Topology, 'vms' | 'devices' | 'memory' | 'hypervisor'>,
  problems: Problems,
): void {
  const vmNames = names(topology.vms);
  const deviceNames = names(topology.devices);
  topology.memory.forEach((region, index) => {
    const path = ['memory', index];
    if (
      problems.reference(
        [...path, 'owner'],
        region.owner,
        ['host', ...vmNames],
        'owner',
        partyOf(['host'], vmNames),
      ) &&
      region.owner !== 'host' &&
      topology.hypervisor.kind === 'none'
    ) {
      problems.add(
        'requiresFeature',
        [...path, 'owner'],
        'a region owned by a guest needs pKVM',
        'hypervisor.kind: pkvm',
        `hypervisor.kind: ${topology.hypervisor.kind}`,
      );
    }
    const owner = topology.vms.find((vm) => vm.name === region.owner);
    if (region.sharedWithHost && !owner?.protected) {
      // __pkvm_guest_share_host() (MEM_SHARE) shares a page a protected guest owns; the host
      // already owns a host region, and an np-VM's region is the host's, shared with it.
      problems.add(
        'incompatible',
        [...path, 'sharedWithHost'],
        'sharedWithHost is a protected VM sharing its own pages back with the host (MEM_SHARE)',
        'a region owned by a protected VM',
        region.owner === 'host'
          ? 'a region owned by the host'
          : `a region owned by ${quote(region.owner)}, which is not protected`,
      );
    }
    if (region.protection === 'tzasc' && region.tzasc === undefined) {
      problems.add(
        'missingField',
        [...path, 'tzasc'],
        'protection: tzasc needs a tzasc block',
        'a tzasc block (configuredAt, nsRead, nsWrite)',
        'nothing',
      );
    }
    if (region.protection !== 'tzasc' && region.tzasc !== undefined) {
      problems.add(
        'incompatible',
        [...path, 'tzasc'],
        'a tzasc block needs protection: tzasc',
        'protection: tzasc',
        `protection: ${region.protection}`,
      );
    }
    for (const access of ['nsRead', 'nsWrite'] as const) {
      region.tzasc?.[access].forEach((device, deviceIndex) => {
        problems.reference(
          [...path, 'tzasc', access, deviceIndex],
          device,
          deviceNames,
          'device',
          declared('device', deviceNames),
        );
      });
    }
  });
}

function checkHeaps(
  topology: Pick<Topology, 'memory' | 'heaps' | 'hypervisor' | 'secureWorld'>,
  problems: Problems,
): void {
  const regionNames = names(topology.memory);
  topology.heaps.forEach((heap, index) => {
    const path = ['heaps', index];
    problems.reference(
      [...path, 'region'],
      heap.region,
      regionNames,
      'region',
      declared('region', regionNames),
    );
    if (PROTECTED_HEAP_KINDS.has(heap.kind) && !PROTECTION_AWARE_EXPORTERS.has(heap.exporter)) {
      problems.add(
        'incompatible',
        [...path, 'exporter'],
        `a ${heap.kind} heap needs an exporter that refuses CPU access`,
        'exporter teeHeap or mtkRestricted',
        `exporter ${heap.exporter}`,
      );
    }
    const region = topology.memory.find((candidate) => candidate.name === heap.region);
    if (region !== undefined && heap.kind === 'protectedDynamic' && region.knownBy !== 'dynamicLending') {
      // optee_protmem_alloc_dyn_pool() takes the pool from CMA and lends it to the TEE when the
      // first buffer is allocated; there is no carveout for the boot path to find.
      problems.add(
        'incompatible',
        [...path, 'region'],
        `a protectedDynamic heap lends CMA pages to the TEE at run time, so region ${quote(region.name)} must be knownBy: dynamicLending`,
        `a region with knownBy: dynamicLending`,
        `region ${quote(region.name)} with knownBy: ${region.knownBy}`,
      );
    }
    if (region !== undefined && heap.kind === 'protectedStatic' && region.knownBy === 'dynamicLending') {
      // A static pool's carveout is found at boot: of_reserved_mem_lookup() or
      // OPTEE_SMC_GET_PROTMEM_CONFIG; nothing lends it.
      problems.add(
        'incompatible',
        [...path, 'region'],
        `a protectedStatic heap's carveout is found at boot (device tree or OPTEE_SMC_GET_PROTMEM_CONFIG), so region ${quote(region.name)} cannot be knownBy: dynamicLending`,
        'a region with knownBy: deviceTree or runtimeQuery',
        `region ${quote(region.name)} with knownBy: dynamicLending`,
      );
    }
    if (heap.kind === 'protectedDynamic' && topology.secureWorld.spmc === 'none') {
      // optee_ffa_lend_protmem() lends over FF-A; under pKVM there is no other way to the secure
      // world. The SMC ABI's optee_smc_lend_protmem() (drivers/tee/optee/smc_abi.c) is not
      // modelled, so without an SPMC the pool could never be lent and no buffer allocated.
      problems.add(
        'requiresFeature',
        [...path, 'kind'],
        topology.hypervisor.kind === 'pkvm'
          ? 'a protectedDynamic heap under pKVM lends memory through an FF-A SPMC'
          : "a protectedDynamic heap lends memory to the TEE over FF-A (optee_ffa_lend_protmem()); the SMC ABI's lend is not modelled",
        'secureWorld.spmc: hafnium, optee or el3spmc',
        `secureWorld.spmc: ${topology.secureWorld.spmc}`,
      );
    }
  });
}

/**
 * Each SPMC protects lent memory its own way (`machines/ffaSpmcVariants.ts`): OP-TEE through
 * its platform hook `plat_set_protmem_range()`, Hafnium and the EL3 SPMC through the platform's
 * PAS change, so each switch belongs to its managers.
 */
function checkSecureWorld(topology: Pick<Topology, 'secureWorld'>, problems: Problems): void {
  const { spmc, protmemHook, protectsLentMemory } = topology.secureWorld;
  if (protmemHook && spmc !== 'optee') {
    problems.add(
      'requiresFeature',
      ['secureWorld', 'protmemHook'],
      "protmemHook is OP-TEE's plat_set_protmem_range(), called from protect_mem() when OP-TEE is the SPMC",
      'secureWorld.spmc: optee',
      `secureWorld.spmc: ${spmc}`,
    );
  }
  if (protectsLentMemory && spmc === 'optee') {
    problems.add(
      'incompatible',
      ['secureWorld', 'protectsLentMemory'],
      'OP-TEE as SPMC protects lent memory only through its platform hook: use protmemHook',
      'secureWorld.protmemHook',
      'secureWorld.protectsLentMemory with spmc: optee',
    );
  }
}

/** The region a buffer's pages come from: its own, or its heap's. */
function regionOfBuffer(
  topology: Pick<Topology, 'heaps' | 'memory'>,
  buffer: Topology['buffers'][number],
): RegionSpec | undefined {
  const regionName = buffer.region ?? topology.heaps.find((heap) => heap.name === buffer.heap)?.region;
  return topology.memory.find((region) => region.name === regionName);
}

function checkBuffers(
  topology: Pick<Topology, 'vms' | 'heaps' | 'memory' | 'buffers'>,
  problems: Problems,
): void {
  const vmNames = names(topology.vms);
  const heapNames = names(topology.heaps);
  const regionNames = names(topology.memory);
  topology.buffers.forEach((buffer, index) => {
    const path = ['buffers', index];
    if (buffer.heap !== undefined && buffer.region !== undefined) {
      problems.add(
        'incompatible',
        [...path, 'region'],
        'a buffer comes from a heap or a region, not both',
        'exactly one of heap or region',
        `heap ${quote(buffer.heap)} and region ${quote(buffer.region)}`,
      );
    }
    if (buffer.heap === undefined && buffer.region === undefined) {
      problems.add(
        'missingField',
        path,
        'a buffer needs a heap or a region',
        'exactly one of heap or region',
        'neither',
      );
    }
    if (buffer.heap !== undefined) {
      problems.reference([...path, 'heap'], buffer.heap, heapNames, 'heap', declared('heap', heapNames));
    }
    const allocatorKnown = problems.reference(
      [...path, 'allocatedBy'],
      buffer.allocatedBy,
      ['host', ...vmNames],
      'allocating party',
      partyOf(['host'], vmNames),
    );
    if (buffer.region === undefined) return;
    if (
      !problems.reference(
        [...path, 'region'],
        buffer.region,
        regionNames,
        'region',
        declared('region', regionNames),
      )
    )
      return;
    const region = topology.memory.find((candidate) => candidate.name === buffer.region)!;
    const ownerKnown = region.owner === 'host' || vmNames.includes(region.owner);
    if (allocatorKnown && ownerKnown && region.owner !== buffer.allocatedBy) {
      problems.add(
        'notOwned',
        [...path, 'region'],
        `region ${quote(region.name)} is not owned by the allocating party ${clip(buffer.allocatedBy)}`,
        `a region owned by ${clip(buffer.allocatedBy)}`,
        `region ${quote(region.name)} owned by ${clip(region.owner)}`,
      );
    }
  });
}

function checkFlaws(topology: Pick<Topology, 'flaws'>, problems: Problems): void {
  topology.flaws.forEach((flaw, index) => {
    problems.reference(['flaws', index], flaw, FLAW_NAMES, 'flaw', 'a flaw name listed by `protmem flaws`');
  });
}

function checkCapacity(topology: Pick<Topology, 'memory' | 'buffers' | 'heaps'>, problems: Problems): void {
  let total = 0;
  let reportedTotal = false;
  topology.memory.forEach((region, index) => {
    total += region.pages;
    if (total > MAX_TOTAL_PAGES && !reportedTotal) {
      reportedTotal = true;
      const sum = topology.memory.reduce((pages, each) => pages + each.pages, 0);
      problems.add(
        'capacityExceeded',
        ['memory', index, 'pages'],
        `memory holds more pages than the model's ${MAX_TOTAL_PAGES}`,
        `at most ${MAX_TOTAL_PAGES} pages across memory`,
        `${sum} pages`,
      );
    }
  });
  const used = new Map<RegionSpec, { pages: number; buffers: string[]; reported: boolean }>();
  topology.buffers.forEach((buffer, index) => {
    const region = regionOfBuffer(topology, buffer);
    if (region === undefined) return;
    const usage = used.get(region) ?? { pages: 0, buffers: [], reported: false };
    used.set(region, usage);
    usage.pages += buffer.pages;
    usage.buffers.push(buffer.name);
    if (usage.pages > region.pages && !usage.reported) {
      usage.reported = true;
      const onRegion = topology.buffers.filter((other) => regionOfBuffer(topology, other) === region);
      const pages = onRegion.reduce((sum, other) => sum + other.pages, 0);
      problems.add(
        'capacityExceeded',
        ['buffers', index, 'pages'],
        `buffers need more pages than region ${quote(region.name)} has`,
        `at most ${region.pages} pages in total on region ${quote(region.name)}`,
        `${pages} pages (buffers ${listWords(names(onRegion))})`,
      );
    }
  });
}
