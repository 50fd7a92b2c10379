/**
 * Checks a topology makes sense as a whole, once its shape is right: names are unique, every
 * name refers to something declared (with a "did you mean" for near misses), features are only
 * used where the design has what they need (pKVM, an SPMC, a TEE, an IOMMU mode), and the
 * buffers fit in their memory. Each problem points at the offending field.
 */
import { FLAW_NAMES } from './flaws.ts';
import { type FieldPath, listWords, type TopologyIssueCode, type TopologyProblem } from './issues.ts';
import type { RegionSpec, Topology } from './schema.ts';
import { didYouMean } from './suggest.ts';

/** Pages the model holds across all memory regions. */
export const MAX_TOTAL_PAGES = 16;

/** Parties that exist in every design; VMs and devices may not take their names. */
export const BUILT_IN_PARTIES = ['host', 'vmm', 'secure', 'hyp'] as const;

const PROTECTED_HEAP_KINDS: ReadonlySet<string> = new Set(['protectedStatic', 'protectedDynamic']);
const PROTECTION_AWARE_EXPORTERS: ReadonlySet<string> = new Set(['teeHeap', 'mtkRestricted']);

class Problems {
  readonly list: TopologyProblem[] = [];

  add(code: TopologyIssueCode, path: FieldPath, message: string, expected: string, found: string): void {
    this.list.push({ code, path, message, expected, found });
  }

  /**
   * Reports `value` at `path` unless it is one of `allowed`; `what` names the kind of thing
   * (`buffer`, `party`) and `expected` says what would do.
   */
  reference(
    path: FieldPath,
    value: string,
    allowed: readonly string[],
    what: string,
    expected: string,
  ): boolean {
    if (allowed.includes(value)) return true;
    this.add(
      'unknownReference',
      path,
      `unknown ${what} "${value}"${didYouMean(value, allowed)}`,
      expected,
      `"${value}"`,
    );
    return false;
  }
}

/** `a declared buffer (in, clear)` or `a declared buffer (none are declared)`. */
function declared(what: string, names: readonly string[]): string {
  return `a declared ${what} (${names.length === 0 ? 'none are declared' : listWords(names, 'or')})`;
}

/** `host or a declared VM (vm-a)`; `fixed` are the built-in parties allowed. */
function partyOf(fixed: readonly string[], vms: readonly string[]): string {
  const vmText = vms.length === 0 ? 'a VM (none are declared)' : `a declared VM (${listWords(vms, 'or')})`;
  return fixed.length === 0 ? vmText : `${fixed.join(', ')} or ${vmText}`;
}

/** Every problem with references between the sections of a (shape-checked) topology. */
export function validateTopology(topology: Topology): TopologyProblem[] {
  const problems = new Problems();
  checkNames(topology, problems);
  checkVms(topology, problems);
  checkMemory(topology, problems);
  checkHeaps(topology, problems);
  checkBuffers(topology, problems);
  checkDevices(topology, problems);
  checkVirtio(topology, problems);
  checkStreams(topology, problems);
  checkPipeline(topology, problems);
  checkFlaws(topology, problems);
  checkCapacity(topology, problems);
  return problems.list;
}

const names = (entries: readonly { name: string }[]) => entries.map((entry) => entry.name);

function checkNames(topology: Topology, problems: Problems): void {
  const sections: readonly [string, FieldPath, readonly { name: string }[]][] = [
    ['VM', ['vms'], topology.vms],
    ['region', ['memory'], topology.memory],
    ['heap', ['heaps'], topology.heaps],
    ['buffer', ['buffers'], topology.buffers],
    ['device', ['devices'], topology.devices],
    ['stream', ['streams'], topology.streams],
    ['back-end', ['virtio', 'backends'], topology.virtio.backends],
  ];
  for (const [what, sectionPath, entries] of sections) {
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
        `"${entry.name}", already the name of ${formatPathShort([...sectionPath, first])}`,
      );
    });
  }
  // VMs and devices are all parties: one namespace, apart from the built-in parties.
  const vmIndex = new Map(topology.vms.map((vm, index) => [vm.name, index] as const));
  const parties: readonly [string, FieldPath, readonly { name: string }[]][] = [
    ['VM', ['vms'], topology.vms],
    ['device', ['devices'], topology.devices],
  ];
  for (const [what, sectionPath, entries] of parties) {
    entries.forEach((entry, index) => {
      const path = [...sectionPath, index, 'name'];
      if ((BUILT_IN_PARTIES as readonly string[]).includes(entry.name)) {
        problems.add(
          'duplicateName',
          path,
          `a ${what} cannot take the name of the built-in party "${entry.name}"`,
          `a name other than ${listWords(BUILT_IN_PARTIES, 'or')}`,
          `"${entry.name}"`,
        );
      } else if (what === 'device' && vmIndex.has(entry.name)) {
        problems.add(
          'duplicateName',
          path,
          'a device and a VM share a name (both are parties)',
          'a name no VM or device has',
          `"${entry.name}", already the name of vms[${vmIndex.get(entry.name)}]`,
        );
      }
    });
  }
}

function formatPathShort(path: FieldPath): string {
  return path
    .map((segment) => (typeof segment === 'number' ? `[${segment}]` : `.${segment}`))
    .join('')
    .slice(1);
}

function checkVms(topology: Topology, problems: Problems): void {
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
        `VM "${vm.name}" with hypervisor.kind: none`,
      );
    }
  });
}

function checkMemory(topology: Topology, problems: Problems): void {
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
      topology.hypervisor.kind !== 'pkvm'
    ) {
      problems.add(
        'requiresFeature',
        [...path, 'owner'],
        'a region owned by a guest needs pKVM',
        'hypervisor.kind: pkvm',
        `hypervisor.kind: ${topology.hypervisor.kind}`,
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

function checkHeaps(topology: Topology, problems: Problems): void {
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
    if (
      heap.kind === 'protectedDynamic' &&
      topology.hypervisor.kind === 'pkvm' &&
      topology.secureWorld.spmc !== 'hafnium'
    ) {
      problems.add(
        'requiresFeature',
        [...path, 'kind'],
        'a protectedDynamic heap under pKVM lends memory through an FF-A SPMC',
        'secureWorld.spmc: hafnium',
        `secureWorld.spmc: ${topology.secureWorld.spmc}`,
      );
    }
  });
}

/** The region a buffer's pages come from: its own, or its heap's. */
function regionOfBuffer(topology: Topology, buffer: Topology['buffers'][number]): RegionSpec | undefined {
  const regionName = buffer.region ?? topology.heaps.find((heap) => heap.name === buffer.heap)?.region;
  return topology.memory.find((region) => region.name === regionName);
}

function checkBuffers(topology: Topology, problems: Problems): void {
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
        `heap "${buffer.heap}" and region "${buffer.region}"`,
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
        `region "${region.name}" is not owned by the allocating party ${buffer.allocatedBy}`,
        `a region owned by ${buffer.allocatedBy}`,
        `region "${region.name}" owned by ${region.owner}`,
      );
    }
  });
}

function checkDevices(topology: Topology, problems: Problems): void {
  const vmNames = names(topology.vms);
  const hypervisor = topology.hypervisor;
  const iommuMode = hypervisor.kind === 'pkvm' ? hypervisor.iommu : undefined;
  const hypervisorText =
    hypervisor.kind === 'pkvm' ? `hypervisor pkvm with iommu: ${hypervisor.iommu}` : 'hypervisor none';
  topology.devices.forEach((device, index) => {
    const path = ['devices', index];
    problems.reference(
      [...path, 'controlledBy'],
      device.controlledBy,
      ['host', 'secure', ...vmNames],
      'controlling party',
      partyOf(['host', 'secure'], vmNames),
    );
    const needs =
      device.iommu === 'identity' ? 'identity' : device.iommu === 'domain' ? 'dmaDomains' : undefined;
    if (needs !== undefined && iommuMode !== needs) {
      problems.add(
        'requiresFeature',
        [...path, 'iommu'],
        `iommu: ${device.iommu} needs the pKVM IOMMU in ${needs} mode`,
        `hypervisor pkvm with iommu: ${needs}`,
        hypervisorText,
      );
    }
  });
}

function checkVirtio(topology: Topology, problems: Problems): void {
  const vmNames = names(topology.vms);
  const bufferNames = names(topology.buffers);
  const regionNames = names(topology.memory);
  const backendNames = names(topology.virtio.backends);
  const vm = (path: FieldPath, value: string) =>
    problems.reference(path, value, vmNames, 'VM', declared('VM', vmNames));
  const buffer = (path: FieldPath, value: string) =>
    problems.reference(path, value, bufferNames, 'buffer', declared('buffer', bufferNames));
  const { backends, exports, imports, bounce } = topology.virtio;
  backends.forEach((backend, index) => {
    vm(['virtio', 'backends', index, 'servesVm'], backend.servesVm);
  });
  exports.forEach((entry, index) => {
    const path = ['virtio', 'exports', index];
    buffer([...path, 'buffer'], entry.buffer);
    if (entry.via === 'vhostUser') {
      problems.reference(
        [...path, 'by'],
        entry.by,
        backendNames,
        'back-end',
        declared('back-end', backendNames),
      );
    } else {
      vm([...path, 'by'], entry.by);
    }
    entry.allow.forEach((backend, allowIndex) => {
      problems.reference(
        [...path, 'allow', allowIndex],
        backend,
        backendNames,
        'back-end',
        declared('back-end', backendNames),
      );
    });
  });
  imports.forEach((entry, index) => {
    buffer(['virtio', 'imports', index, 'buffer'], entry.buffer);
    vm(['virtio', 'imports', index, 'into'], entry.into);
  });
  bounce.forEach((entry, index) => {
    const path = ['virtio', 'bounce', index];
    vm([...path, 'vm'], entry.vm);
    problems.reference([...path, 'pool'], entry.pool, regionNames, 'region', declared('region', regionNames));
    buffer([...path, 'buffer'], entry.buffer);
    if (entry.deliverTo !== undefined) buffer([...path, 'deliverTo'], entry.deliverTo);
  });
  topology.ffaLends.forEach((entry, index) => {
    const path = ['ffaLends', index];
    buffer([...path, 'buffer'], entry.buffer);
    vm([...path, 'by'], entry.by);
  });
}

function checkStreams(topology: Topology, problems: Problems): void {
  const parties = [...BUILT_IN_PARTIES, ...names(topology.vms), ...names(topology.devices)];
  const expected = `a party (${listWords(parties, 'or', 20)})`;
  topology.streams.forEach((stream, index) => {
    stream.audience.forEach((member, memberIndex) => {
      problems.reference(['streams', index, 'audience', memberIndex], member, parties, 'party', expected);
    });
  });
}

function checkPipeline(topology: Topology, problems: Problems): void {
  const { pipeline } = topology;
  const streamNames = names(topology.streams);
  const bufferNames = names(topology.buffers);
  const vmNames = names(topology.vms);
  const buffer = (path: FieldPath, value: string) =>
    problems.reference(path, value, bufferNames, 'buffer', declared('buffer', bufferNames));
  problems.reference(
    ['pipeline', 'stream'],
    pipeline.stream,
    streamNames,
    'stream',
    declared('stream', streamNames),
  );
  buffer(['pipeline', 'input'], pipeline.input);
  buffer(['pipeline', 'decrypt', 'output'], pipeline.decrypt.output);
  const decryptPath = ['pipeline', 'decrypt', 'by'];
  if (
    problems.reference(
      decryptPath,
      pipeline.decrypt.by,
      ['secure', ...vmNames],
      'decrypting party',
      partyOf(['secure'], vmNames),
    ) &&
    pipeline.decrypt.by === 'secure' &&
    !topology.secureWorld.tee
  ) {
    problems.add(
      'requiresFeature',
      decryptPath,
      'decrypting in the secure world needs a TEE',
      'secureWorld.tee: true',
      'secureWorld.tee: false',
    );
  }
  if (pipeline.decode !== undefined) {
    checkDeviceRole(topology, problems, ['pipeline', 'decode', 'by'], pipeline.decode.by, 'decoder');
    buffer(['pipeline', 'decode', 'output'], pipeline.decode.output);
  }
  checkDeviceRole(topology, problems, ['pipeline', 'display', 'by'], pipeline.display.by, 'display');
}

function checkDeviceRole(
  topology: Topology,
  problems: Problems,
  path: FieldPath,
  name: string,
  role: string,
): void {
  const withRole = topology.devices.filter((device) => device.role === role).map((device) => device.name);
  const expected = `a ${role} device (${withRole.length === 0 ? `no device has role ${role}` : listWords(withRole, 'or')})`;
  const device = topology.devices.find((candidate) => candidate.name === name);
  if (device === undefined) {
    problems.add(
      'unknownReference',
      path,
      `unknown device "${name}"${didYouMean(name, withRole)}`,
      expected,
      `"${name}"`,
    );
  } else if (device.role !== role) {
    problems.add(
      'wrongRole',
      path,
      `device "${name}" is not a ${role}`,
      expected,
      `"${name}" with role ${device.role}`,
    );
  }
}

function checkFlaws(topology: Topology, problems: Problems): void {
  topology.flaws.forEach((flaw, index) => {
    problems.reference(['flaws', index], flaw, FLAW_NAMES, 'flaw', 'a flaw name listed by `protmem flaws`');
  });
}

function checkCapacity(topology: Topology, problems: Problems): void {
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
        `buffers need more pages than region "${region.name}" has`,
        `at most ${region.pages} pages in total on region "${region.name}"`,
        `${pages} pages (buffers ${listWords(names(onRegion))})`,
      );
    }
  });
}
