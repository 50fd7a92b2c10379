/**
 * References between sections: one test per rule, each asserting the issue's message, where
 * it points (line and column), what was expected and what was found.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseTopology, TopologyError } from '../../src/topology/load.ts';
import { edit, issueAt, issuesOf, onlyIssue, positionOf } from '../support/topologyIssues.ts';

/** The small no-hypervisor design: a TZASC carveout behind a protectedStatic heap. */
const CARVEOUT = readFileSync('test/fixtures/tzasc-carveout.yaml', 'utf8');

/** A pKVM design that uses the sections the carveout leaves out: VMs, guest memory, virtio. */
const PKVM = `name: pkvm-guest
description: A protected VM decrypts into its own memory; a guest shows the frames.
hypervisor:
  kind: pkvm
  kernel: android
  iommu: dmaDomains
secureWorld:
  spmc: hafnium
vms:
  - name: decrypt
    protected: true
  - name: player
    protected: false
memory:
  - name: dram
    pages: 4
  - name: guest-ram
    pages: 2
    owner: decrypt
  - name: pool
    pages: 2
    owner: player
  - name: cma
    pages: 1
    knownBy: dynamicLending
heaps:
  - name: system
    kind: system
    region: dram
  - name: lent
    kind: protectedDynamic
    region: cma
    exporter: teeHeap
buffers:
  - name: ciphertext
    heap: system
  - name: clear
    region: guest-ram
    allocatedBy: decrypt
  - name: frame
    heap: lent
  - name: staging
    region: pool
    allocatedBy: player
devices:
  - name: vdec
    role: decoder
    iommu: domain
  - name: dpu
    role: display
    controlledBy: secure
virtio:
  backends:
    - name: gpu-backend
      servesVm: player
  exports:
    - buffer: frame
      by: player
      allow: [gpu-backend]
  imports:
    - buffer: frame
      into: player
  bounce:
    - vm: player
      pool: pool
      buffer: staging
streams:
  - name: movie
    audience: [decrypt, vdec, dpu]
pipeline:
  stream: movie
  input: ciphertext
  decrypt: { by: decrypt, output: clear }
  decode: { by: vdec, output: frame }
  display: { by: dpu }
flaws: [lendTreatedAsShare]
`;

describe('the example designs', () => {
  it('are valid', () => {
    expect(issuesOf(CARVEOUT)).toEqual([]);
    expect(issuesOf(PKVM)).toEqual([]);
  });
});

describe('names', () => {
  it('are unique within a section', () => {
    const text = edit(PKVM, '  - name: staging', '  - name: frame');
    expect(issueAt(text, 'buffers[3].name')).toEqual({
      code: 'duplicateName',
      file: 't.yaml',
      ...positionOf(text, 'frame', 'heap: lent'),
      path: 'buffers[3].name',
      expected: 'a name no other buffer has',
      found: '"frame", already the name of buffers[2]',
      message: 'duplicate buffer name',
    });
  });

  it('are unique across VMs and devices, which are all parties', () => {
    const text = edit(PKVM, '  - name: dpu', '  - name: player');
    expect(issueAt(text, 'devices[1].name')).toMatchObject({
      code: 'duplicateName',
      ...positionOf(text, 'player', 'role: decoder'),
      expected: 'a name no VM or device has',
      found: '"player", already the name of vms[1]',
      message: 'a device and a VM share a name (both are parties)',
    });
  });

  it('may not be a built-in party', () => {
    const text = edit(PKVM, '  - name: player\n', '  - name: vmm\n');
    expect(issueAt(text, 'vms[1].name')).toMatchObject({
      code: 'duplicateName',
      ...positionOf(text, 'vmm'),
      expected: 'a name other than host, vmm, secure or hyp',
      found: '"vmm"',
      message: 'a VM cannot take the name of the built-in party "vmm"',
    });
  });
});

describe('hypervisor', () => {
  it('none forbids guest VMs', () => {
    const text = edit(CARVEOUT, 'memory:\n', 'vms:\n  - name: guest\n    protected: false\nmemory:\n');
    expect(onlyIssue(text)).toMatchObject({
      code: 'requiresFeature',
      ...positionOf(text, 'name: guest'),
      path: 'vms[0]',
      expected: 'no VMs, or hypervisor.kind: pkvm',
      found: 'VM "guest" with hypervisor.kind: none',
      message: 'guest VMs need a hypervisor',
    });
  });

  it('protected VMs need pKVM', () => {
    const text = edit(CARVEOUT, 'memory:\n', 'vms:\n  - name: guest\n    protected: true\nmemory:\n');
    expect(onlyIssue(text)).toMatchObject({
      code: 'requiresFeature',
      ...positionOf(text, 'true', 'guest'),
      path: 'vms[0].protected',
      expected: 'hypervisor.kind: pkvm',
      found: 'hypervisor.kind: none',
      message: 'a protected VM needs pKVM',
    });
  });
});

describe('memory', () => {
  it("a region's owner is host or a declared VM", () => {
    const text = edit(PKVM, '    owner: decrypt', '    owner: decryt');
    expect(issueAt(text, 'memory[1].owner')).toMatchObject({
      code: 'unknownReference',
      ...positionOf(text, 'decryt'),
      expected: 'host or a declared VM (decrypt or player)',
      found: '"decryt"',
      message: 'unknown owner "decryt"; did you mean "decrypt"?',
    });
  });

  it('a guest-owned region needs pKVM', () => {
    let text = edit(CARVEOUT, 'memory:\n', 'vms:\n  - name: guest\n    protected: false\nmemory:\n');
    text = edit(text, '    pages: 4\n    type: nomap', '    pages: 4\n    owner: guest\n    type: nomap');
    expect(issueAt(text, 'memory[1].owner')).toMatchObject({
      code: 'requiresFeature',
      ...positionOf(text, 'guest', 'owner'),
      expected: 'hypervisor.kind: pkvm',
      found: 'hypervisor.kind: none',
      message: 'a region owned by a guest needs pKVM',
    });
  });

  it('protection: tzasc needs a tzasc block', () => {
    const text = edit(CARVEOUT, '    tzasc:\n      nsRead: [vdec, dpu]\n      nsWrite: [vdec]\n', '');
    expect(onlyIssue(text)).toMatchObject({
      code: 'missingField',
      ...positionOf(text, 'name: carveout'),
      path: 'memory[1].tzasc',
      expected: 'a tzasc block (configuredAt, nsRead, nsWrite)',
      found: 'nothing',
      message: 'protection: tzasc needs a tzasc block',
    });
  });

  it('a tzasc block needs protection: tzasc', () => {
    const text = edit(CARVEOUT, '    protection: tzasc\n', '');
    expect(onlyIssue(text)).toMatchObject({
      code: 'incompatible',
      ...positionOf(text, 'nsRead'),
      path: 'memory[1].tzasc',
      expected: 'protection: tzasc',
      found: 'protection: none',
      message: 'a tzasc block needs protection: tzasc',
    });
  });

  it('tzasc masters are declared devices', () => {
    const text = edit(CARVEOUT, '      nsWrite: [vdec]', '      nsWrite: [vdec, gpu]');
    expect(onlyIssue(text)).toMatchObject({
      code: 'unknownReference',
      ...positionOf(text, 'gpu'),
      path: 'memory[1].tzasc.nsWrite[1]',
      expected: 'a declared device (vdec or dpu)',
      found: '"gpu"',
      message: 'unknown device "gpu"; did you mean "dpu"?',
    });
  });

  it('sharedWithHost is a protected VM sharing its own pages', () => {
    const text = edit(PKVM, '    owner: player\n', '    owner: player\n    sharedWithHost: true\n');
    expect(onlyIssue(text)).toMatchObject({
      code: 'incompatible',
      ...positionOf(text, 'true', 'name: pool'),
      path: 'memory[2].sharedWithHost',
      expected: 'a region owned by a protected VM',
      found: 'a region owned by "player", which is not protected',
      message: 'sharedWithHost is a protected VM sharing its own pages back with the host (MEM_SHARE)',
    });
    const host = edit(
      PKVM,
      '  - name: dram\n    pages: 4\n',
      '  - name: dram\n    pages: 4\n    sharedWithHost: true\n',
    );
    expect(onlyIssue(host)).toMatchObject({
      path: 'memory[0].sharedWithHost',
      found: 'a region owned by the host',
    });
  });

  it('holds at most 16 pages in all', () => {
    let text = edit(PKVM, '  - name: pool\n    pages: 2', '  - name: pool\n    pages: 8');
    text = edit(text, '  - name: guest-ram\n    pages: 2', '  - name: guest-ram\n    pages: 8');
    expect(onlyIssue(text)).toMatchObject({
      code: 'capacityExceeded',
      ...positionOf(text, '8', 'name: pool'),
      path: 'memory[2].pages',
      expected: 'at most 16 pages across memory',
      found: '21 pages',
      message: "memory holds more pages than the model's 16",
    });
  });
});

describe('heaps', () => {
  it("a heap's region is declared", () => {
    const text = edit(CARVEOUT, '    region: carveout', '    region: carveot');
    expect(onlyIssue(text)).toMatchObject({
      code: 'unknownReference',
      ...positionOf(text, 'carveot'),
      path: 'heaps[1].region',
      expected: 'a declared region (dram or carveout)',
      found: '"carveot"',
      message: 'unknown region "carveot"; did you mean "carveout"?',
    });
  });

  it('a protected heap needs an exporter that refuses CPU access', () => {
    const text = edit(CARVEOUT, '    exporter: teeHeap', '    exporter: system');
    expect(onlyIssue(text)).toMatchObject({
      code: 'incompatible',
      ...positionOf(text, 'system', 'exporter'),
      path: 'heaps[1].exporter',
      expected: 'exporter teeHeap or mtkRestricted',
      found: 'exporter system',
      message: 'a protectedStatic heap needs an exporter that refuses CPU access',
    });
  });

  it('a protectedDynamic heap lends CMA pages, so its region is knownBy: dynamicLending', () => {
    const text = edit(PKVM, '    knownBy: dynamicLending\n', '');
    expect(onlyIssue(text)).toMatchObject({
      code: 'incompatible',
      ...positionOf(text, 'cma', 'name: lent'),
      path: 'heaps[1].region',
      expected: 'a region with knownBy: dynamicLending',
      found: 'region "cma" with knownBy: deviceTree',
      message:
        'a protectedDynamic heap lends CMA pages to the TEE at run time, so region "cma" must be knownBy: dynamicLending',
    });
  });

  it('a protectedStatic heap is found at boot, so its region is not knownBy: dynamicLending', () => {
    const text = edit(CARVEOUT, '    type: nomap\n', '    type: nomap\n    knownBy: dynamicLending\n');
    expect(onlyIssue(text)).toMatchObject({
      code: 'incompatible',
      ...positionOf(text, 'carveout', 'name: secure-video'),
      path: 'heaps[1].region',
      expected: 'a region with knownBy: deviceTree or runtimeQuery',
      found: 'region "carveout" with knownBy: dynamicLending',
    });
  });

  it('a protectedDynamic heap under pKVM needs an FF-A SPMC', () => {
    const text = edit(PKVM, 'secureWorld:\n  spmc: hafnium\n', '');
    expect(onlyIssue(text)).toMatchObject({
      code: 'requiresFeature',
      ...positionOf(text, 'protectedDynamic'),
      path: 'heaps[1].kind',
      expected: 'secureWorld.spmc: hafnium, optee or el3spmc',
      found: 'secureWorld.spmc: none',
      message: 'a protectedDynamic heap under pKVM lends memory through an FF-A SPMC',
    });
  });

  it('a protectedDynamic heap without a hypervisor needs an FF-A SPMC too: only the FF-A lend is modelled', () => {
    const text = edit(
      edit(
        CARVEOUT,
        '  - name: dram\n    pages: 4\n',
        '  - name: dram\n    pages: 4\n  - name: cma\n    pages: 1\n    knownBy: dynamicLending\n',
      ),
      '    exporter: teeHeap\n',
      '    exporter: teeHeap\n  - name: lent\n    kind: protectedDynamic\n    region: cma\n    exporter: teeHeap\n',
    );
    expect(onlyIssue(text)).toMatchObject({
      code: 'requiresFeature',
      ...positionOf(text, 'protectedDynamic'),
      path: 'heaps[2].kind',
      expected: 'secureWorld.spmc: hafnium, optee or el3spmc',
      found: 'secureWorld.spmc: none',
      message:
        "a protectedDynamic heap lends memory to the TEE over FF-A (optee_ffa_lend_protmem()); the SMC ABI's lend is not modelled",
    });
  });

  it('a protectedDynamic heap is lent through any of the three FF-A SPMCs', () => {
    for (const spmc of ['optee', 'el3spmc']) {
      expect(issuesOf(edit(PKVM, 'spmc: hafnium\n', `spmc: ${spmc}\n`))).toEqual([]);
    }
  });

  it("protmemHook is OP-TEE's platform hook and needs spmc: optee", () => {
    const text = edit(PKVM, 'spmc: hafnium\n', 'spmc: hafnium\n  protmemHook: true\n');
    expect(onlyIssue(text)).toMatchObject({
      code: 'requiresFeature',
      path: 'secureWorld.protmemHook',
      expected: 'secureWorld.spmc: optee',
      found: 'secureWorld.spmc: hafnium',
    });
  });

  it('OP-TEE as SPMC protects lent memory through its hook, not protectsLentMemory', () => {
    const text = edit(PKVM, 'spmc: hafnium\n', 'spmc: optee\n  protectsLentMemory: true\n');
    expect(onlyIssue(text)).toMatchObject({
      code: 'incompatible',
      path: 'secureWorld.protectsLentMemory',
      expected: 'secureWorld.protmemHook',
    });
  });
});

describe('buffers', () => {
  it('come from a heap or a region, not both', () => {
    const text = edit(PKVM, '    heap: lent\n', '    heap: lent\n    region: dram\n');
    expect(onlyIssue(text)).toMatchObject({
      code: 'incompatible',
      ...positionOf(text, 'dram', 'heap: lent'),
      path: 'buffers[2].region',
      expected: 'exactly one of heap or region',
      found: 'heap "lent" and region "dram"',
      message: 'a buffer comes from a heap or a region, not both',
    });
  });

  it('come from a heap or a region', () => {
    const text = edit(PKVM, '  - name: frame\n    heap: lent\n', '  - name: frame\n');
    expect(issueAt(text, 'buffers[2]')).toMatchObject({
      code: 'missingField',
      ...positionOf(text, 'name: frame'),
      expected: 'exactly one of heap or region',
      found: 'neither',
      message: 'a buffer needs a heap or a region',
    });
  });

  it('name a declared heap', () => {
    const text = edit(CARVEOUT, '    heap: system', '    heap: sytem');
    expect(onlyIssue(text)).toMatchObject({
      code: 'unknownReference',
      ...positionOf(text, 'sytem'),
      path: 'buffers[0].heap',
      expected: 'a declared heap (system or secure-video)',
      found: '"sytem"',
      message: 'unknown heap "sytem"; did you mean "system"?',
    });
  });

  it('name a declared region', () => {
    const text = edit(PKVM, '    region: guest-ram', '    region: guest-mem');
    expect(onlyIssue(text)).toMatchObject({
      code: 'unknownReference',
      ...positionOf(text, 'guest-mem'),
      path: 'buffers[1].region',
      expected: 'a declared region (dram, guest-ram, pool or cma)',
      found: '"guest-mem"',
      message: 'unknown region "guest-mem"; did you mean "guest-ram"?',
    });
  });

  it('are allocated by host or a declared VM, never by secure', () => {
    const text = edit(PKVM, '    allocatedBy: player', '    allocatedBy: secure');
    expect(issueAt(text, 'buffers[3].allocatedBy')).toMatchObject({
      code: 'unknownReference',
      ...positionOf(text, 'secure', 'name: staging'),
      expected: 'host or a declared VM (decrypt or player)',
      found: '"secure"',
      message: 'unknown allocating party "secure"',
    });
  });

  it('sit in a region their allocating party owns', () => {
    const text = edit(PKVM, '    allocatedBy: decrypt', '    allocatedBy: player');
    expect(onlyIssue(text)).toMatchObject({
      code: 'notOwned',
      ...positionOf(text, 'guest-ram', 'name: clear'),
      path: 'buffers[1].region',
      expected: 'a region owned by player',
      found: 'region "guest-ram" owned by decrypt',
      message: 'region "guest-ram" is not owned by the allocating party player',
    });
  });

  it("fit in their region, counting buffers of the region's heaps", () => {
    const text = edit(CARVEOUT, '    pages: 2\n', '    pages: 4\n');
    expect(onlyIssue(text)).toMatchObject({
      code: 'capacityExceeded',
      ...positionOf(text, '4', 'name: frame'),
      path: 'buffers[2].pages',
      expected: 'at most 4 pages in total on region "carveout"',
      found: '5 pages (buffers bitstream and frame)',
      message: 'buffers need more pages than region "carveout" has',
    });
  });
});

describe('guest programs', () => {
  const withProgram = (entries: string) =>
    edit(
      PKVM,
      '  - name: decrypt\n    protected: true\n',
      `  - name: decrypt\n    protected: true\n    program:\n${entries}`,
    );

  it("are valid with calls on the VM's own buffers and its own stages", () => {
    expect(
      issuesOf(withProgram('      - { call: memShare, buffer: clear }\n      - { call: decrypt }\n')),
    ).toEqual([]);
  });

  it("name a buffer of the VM's own memory", () => {
    const text = withProgram('      - { call: memShare, buffer: frame }\n');
    expect(issueAt(text, 'vms[0].program[0].buffer')).toMatchObject({
      code: 'unknownReference',
      expected: 'a buffer in a region decrypt owns (clear)',
      found: '"frame"',
    });
  });

  it('list only stages the VM performs, once each', () => {
    const text = withProgram(
      '      - { call: writeCiphertext }\n      - { call: decrypt }\n      - { call: decrypt }\n',
    );
    expect(issuesOf(text).map((issue) => [issue.path, issue.code])).toEqual([
      ['vms[0].program[0].call', 'incompatible'],
      ['vms[0].program[2].call', 'duplicateName'],
    ]);
  });

  it('belong to protected VMs only', () => {
    const text = edit(
      PKVM,
      '  - name: player\n    protected: false\n',
      '  - name: player\n    protected: false\n    program: []\n',
    );
    expect(onlyIssue(text)).toMatchObject({
      code: 'incompatible',
      path: 'vms[1].program',
      message: 'VM "player" is not protected: only a trusted guest follows a program',
    });
  });
});

describe('device assignment', () => {
  /** The design's decoder, assigned to the protected VM that decrypts. */
  const ASSIGNED = edit(
    PKVM,
    '  - name: vdec\n    role: decoder\n    iommu: domain\n',
    '  - name: vdec\n    role: decoder\n    iommu: domain\n    controlledBy: decrypt\n    assignedTo: decrypt\n',
  );

  it('is valid for a protected VM that programs the device through its own domain', () => {
    expect(issuesOf(ASSIGNED)).toEqual([]);
    expect(issuesOf(edit(ASSIGNED, '  iommu: dmaDomains', '  iommu: identity'))).toEqual([]);
  });

  it('needs the Android kernel with its IOMMU driver', () => {
    const text = edit(ASSIGNED, '  kernel: android', '  kernel: upstream');
    expect(issueAt(text, 'devices[0].assignedTo')).toMatchObject({
      code: 'requiresFeature',
      ...positionOf(text, 'decrypt', 'assignedTo'),
      expected: 'hypervisor pkvm with kernel: android and iommu: identity or dmaDomains',
      found: 'hypervisor pkvm with kernel: upstream and iommu: dmaDomains',
      message: 'device assignment needs the Android pKVM hypervisor with its IOMMU driver',
    });
  });

  it('says whether the host driver is still bound only of a device being assigned', () => {
    expect(
      issuesOf(
        edit(ASSIGNED, '    assignedTo: decrypt\n', '    assignedTo: decrypt\n    hostDriverBound: true\n'),
      ),
    ).toEqual([]);
    const text = edit(PKVM, '    iommu: domain\n', '    iommu: domain\n    hostDriverBound: false\n');
    expect(onlyIssue(text)).toMatchObject({
      code: 'incompatible',
      ...positionOf(text, 'false', 'hostDriverBound'),
      path: 'devices[0].hostDriverBound',
      expected: 'assignedTo: a protected VM, or no hostDriverBound',
      found: 'no assignedTo',
      message: 'hostDriverBound says how the host lets go of a device it assigns to a VM',
    });
  });

  it('names a declared VM', () => {
    const text = edit(ASSIGNED, '    assignedTo: decrypt', '    assignedTo: decrpt');
    expect(issueAt(text, 'devices[0].assignedTo')).toMatchObject({
      code: 'unknownReference',
      ...positionOf(text, 'decrpt'),
      expected: 'a declared VM (decrypt)',
      message: 'unknown VM "decrpt"; did you mean "decrypt"?',
    });
  });

  it('is to a protected VM only', () => {
    const text = edit(
      edit(ASSIGNED, '    assignedTo: decrypt', '    assignedTo: player'),
      '    controlledBy: decrypt\n',
      '    controlledBy: player\n',
    );
    expect(onlyIssue(text)).toMatchObject({
      code: 'incompatible',
      ...positionOf(text, 'player', 'assignedTo'),
      path: 'devices[0].assignedTo',
      expected: 'a declared VM (decrypt)',
      found: 'VM "player" with protected: false',
      message: 'VM "player" is not protected: pKVM assigns devices to protected VMs only',
    });
  });

  it('is programmed by the VM it is assigned to, through an IOMMU domain', () => {
    const text = edit(
      edit(ASSIGNED, '    controlledBy: decrypt\n', '    controlledBy: host\n'),
      '    iommu: domain\n    controlledBy',
      '    iommu: bypass\n    controlledBy',
    );
    expect(issuesOf(text).map((issue) => [issue.path, issue.code, issue.expected, issue.found])).toEqual([
      ['devices[0].iommu', 'incompatible', 'iommu: domain', 'iommu: bypass'],
      ['devices[0].controlledBy', 'incompatible', 'controlledBy: decrypt', 'controlledBy: host'],
    ]);
  });

  it('quotes a long controlling party only by its start', () => {
    const long = 'x'.repeat(5_000);
    const text = edit(ASSIGNED, '    controlledBy: decrypt\n', `    controlledBy: ${long}\n`);
    const [issue] = issuesOf(text).filter(
      (i) => i.path === 'devices[0].controlledBy' && i.code === 'incompatible',
    );
    expect(issue!.found.length).toBeLessThan(200);
    expect(issue!.found).toMatch(/^controlledBy: x+\.\.\.$/);
  });
});

describe('devices', () => {
  it('are controlled by host, secure or a declared VM', () => {
    const text = edit(PKVM, '    controlledBy: secure', '    controlledBy: playr');
    expect(onlyIssue(text)).toMatchObject({
      code: 'unknownReference',
      ...positionOf(text, 'playr'),
      path: 'devices[1].controlledBy',
      expected: 'host, secure or a declared VM (decrypt or player)',
      found: '"playr"',
      message: 'unknown controlling party "playr"; did you mean "player"?',
    });
  });

  it('iommu: domain needs pKVM DMA domains', () => {
    const text = edit(PKVM, '  iommu: dmaDomains', '  iommu: identity');
    expect(onlyIssue(text)).toMatchObject({
      code: 'requiresFeature',
      ...positionOf(text, 'domain', 'name: vdec'),
      path: 'devices[0].iommu',
      expected: 'hypervisor pkvm with iommu: dmaDomains',
      found: 'hypervisor pkvm with iommu: identity',
      message: 'iommu: domain needs the pKVM IOMMU in dmaDomains mode',
    });
  });

  it('iommu: identity needs the pKVM identity domain', () => {
    const text = edit(CARVEOUT, '    role: display\n', '    role: display\n    iommu: identity\n');
    expect(onlyIssue(text)).toMatchObject({
      code: 'requiresFeature',
      ...positionOf(text, 'identity'),
      path: 'devices[1].iommu',
      expected: 'hypervisor pkvm with iommu: identity',
      found: 'hypervisor none',
      message: 'iommu: identity needs the pKVM IOMMU in identity mode',
    });
  });
});

describe('virtio', () => {
  it('back-ends serve a declared VM', () => {
    const text = edit(PKVM, '      servesVm: player', '      servesVm: host');
    expect(onlyIssue(text)).toMatchObject({
      code: 'unknownReference',
      ...positionOf(text, 'host', 'servesVm'),
      path: 'virtio.backends[0].servesVm',
      expected: 'a declared VM (decrypt or player)',
      found: '"host"',
      message: 'unknown VM "host"',
    });
  });

  it('exports name a declared buffer, VM and back-ends', () => {
    let text = edit(PKVM, '    - buffer: frame\n      by: player', '    - buffer: frames\n      by: playr');
    text = edit(text, '      allow: [gpu-backend]', '      allow: [gpu-backed]');
    expect(issuesOf(text)).toEqual([
      expect.objectContaining({
        ...positionOf(text, 'frames', 'exports'),
        path: 'virtio.exports[0].buffer',
        message: 'unknown buffer "frames"; did you mean "frame"?',
        expected: 'a declared buffer (ciphertext, clear, frame or staging)',
      }),
      expect.objectContaining({
        ...positionOf(text, 'playr'),
        path: 'virtio.exports[0].by',
        message: 'unknown VM "playr"; did you mean "player"?',
      }),
      expect.objectContaining({
        ...positionOf(text, 'gpu-backed'),
        path: 'virtio.exports[0].allow[0]',
        message: 'unknown back-end "gpu-backed"; did you mean "gpu-backend"?',
        expected: 'a declared back-end (gpu-backend)',
      }),
    ]);
  });

  it('imports go into a declared VM', () => {
    const text = edit(PKVM, '      into: player', '      into: dpu');
    expect(onlyIssue(text)).toMatchObject({
      ...positionOf(text, 'dpu', 'into: '),
      path: 'virtio.imports[0].into',
      message: 'unknown VM "dpu"',
    });
  });

  it('bounce pools are declared regions', () => {
    const text = edit(PKVM, '      pool: pool', '      pool: swiotlb');
    expect(onlyIssue(text)).toMatchObject({
      ...positionOf(text, 'swiotlb'),
      path: 'virtio.bounce[0].pool',
      expected: 'a declared region (dram, guest-ram, pool or cma)',
      message: 'unknown region "swiotlb"',
    });
  });

  it('a receiving bounce delivers nowhere', () => {
    const text = edit(
      PKVM,
      '      buffer: staging\n',
      '      buffer: staging\n      direction: fromDevice\n      deliverTo: frame\n',
    );
    expect(onlyIssue(text)).toMatchObject({
      code: 'incompatible',
      ...positionOf(text, 'frame', 'deliverTo: '),
      path: 'virtio.bounce[0].deliverTo',
      found: '"frame"',
    });
  });

  it('a buffer is received through one bounce only', () => {
    const text = edit(
      PKVM,
      '      buffer: staging\n',
      '      buffer: staging\n      direction: fromDevice\n    - vm: player\n      pool: pool\n      buffer: staging\n      direction: fromDevice\n',
    );
    expect(onlyIssue(text)).toMatchObject({
      code: 'duplicateName',
      path: 'virtio.bounce[1].buffer',
      found: '"staging", already received by virtio.bounce[0]',
    });
  });
});

describe('streams and pipeline', () => {
  it("a stream's audience are parties", () => {
    const text = edit(PKVM, '    audience: [decrypt, vdec, dpu]', '    audience: [decrypt, vdec, display]');
    expect(onlyIssue(text)).toMatchObject({
      code: 'unknownReference',
      ...positionOf(text, 'display]'),
      path: 'streams[0].audience[2]',
      expected: 'a party (host, vmm, secure, hyp, decrypt, player, vdec or dpu)',
      found: '"display"',
      message: 'unknown party "display"',
    });
  });

  it('the pipeline plays a declared stream', () => {
    const text = edit(CARVEOUT, '  stream: movie', '  stream: movei');
    expect(onlyIssue(text)).toMatchObject({
      ...positionOf(text, 'movei'),
      path: 'pipeline.stream',
      expected: 'a declared stream (movie)',
      message: 'unknown stream "movei"; did you mean "movie"?',
    });
  });

  it('the pipeline uses declared buffers', () => {
    const text = edit(CARVEOUT, '  input: ciphertext', '  input: cipher');
    expect(onlyIssue(text)).toMatchObject({
      ...positionOf(text, 'cipher', 'input: '),
      path: 'pipeline.input',
      expected: 'a declared buffer (ciphertext, bitstream or frame)',
      message: 'unknown buffer "cipher"',
    });
  });

  it('decrypting in the secure world needs a TEE', () => {
    const text = edit(CARVEOUT, '  tee: true', '  tee: false');
    expect(onlyIssue(text)).toMatchObject({
      code: 'requiresFeature',
      ...positionOf(text, 'secure', 'decrypt:'),
      path: 'pipeline.decrypt.by',
      expected: 'secureWorld.tee: true',
      found: 'secureWorld.tee: false',
      message: 'decrypting in the secure world needs a TEE',
    });
  });

  it('decrypting is done by secure or a declared VM', () => {
    const text = edit(PKVM, '  decrypt: { by: decrypt,', '  decrypt: { by: host,');
    expect(onlyIssue(text)).toMatchObject({
      code: 'unknownReference',
      ...positionOf(text, 'host,'),
      path: 'pipeline.decrypt.by',
      expected: 'secure or a declared VM (decrypt or player)',
      found: '"host"',
      message: 'unknown decrypting party "host"',
    });
  });

  it('decoding is done by a decoder', () => {
    const text = edit(CARVEOUT, '  decode: { by: vdec,', '  decode: { by: dpu,');
    expect(onlyIssue(text)).toMatchObject({
      code: 'wrongRole',
      ...positionOf(text, 'dpu,'),
      path: 'pipeline.decode.by',
      expected: 'a decoder device (vdec)',
      found: '"dpu" with role display',
      message: 'device "dpu" is not a decoder',
    });
  });

  it('displaying is done by a declared display', () => {
    const text = edit(CARVEOUT, '  display: { by: dpu }', '  display: { by: dp }');
    expect(onlyIssue(text)).toMatchObject({
      code: 'unknownReference',
      ...positionOf(text, 'dp }'),
      path: 'pipeline.display.by',
      expected: 'a display device (dpu)',
      found: '"dp"',
      message: 'unknown device "dp"; did you mean "dpu"?',
    });
  });
});

describe('flaws', () => {
  it('are names from the flaw list, with the closest suggested', () => {
    const text = edit(PKVM, 'flaws: [lendTreatedAsShare]', 'flaws: [lendTreatedAsShare, noScrubOnFre]');
    expect(onlyIssue(text)).toMatchObject({
      code: 'unknownReference',
      ...positionOf(text, 'noScrubOnFre'),
      path: 'flaws[1]',
      expected: 'a flaw name listed by `protmem flaws`',
      found: '"noScrubOnFre"',
      message: 'unknown flaw "noScrubOnFre"; did you mean "noScrubOnFree"?',
    });
  });
});

describe('all problems at once', () => {
  it('reports every broken reference of a document, in source order', () => {
    let text = edit(PKVM, '    owner: decrypt', '    owner: nobody');
    text = edit(text, '    heap: system', '    heap: nope');
    text = edit(text, '    controlledBy: secure', '    controlledBy: vdec');
    text = edit(text, 'flaws: [lendTreatedAsShare]', 'flaws: [typo]');
    text = edit(text, '      into: player', '      into: nobody');
    expect(
      issuesOf(text).map((issue) => `${issue.line}:${issue.column} ${issue.path} ${issue.code}`),
    ).toEqual([
      '19:12 memory[1].owner unknownReference',
      '36:11 buffers[0].heap unknownReference',
      '51:19 devices[1].controlledBy unknownReference',
      '62:13 virtio.imports[0].into unknownReference',
      '76:9 flaws[0] unknownReference',
    ]);
  });
});

describe('shape and reference problems together', () => {
  it('reports a broken reference along with a shape problem in another section', () => {
    let text = edit(CARVEOUT, '  maxDepth: 8', '  maxDepth: 2.5');
    text = edit(text, '    heap: system', '    heap: sytem');
    expect(issuesOf(text).map((issue) => `${issue.path} ${issue.code}`)).toEqual([
      'buffers[0].heap unknownReference',
      'check.maxDepth invalidType',
    ]);
  });

  it('leaves out the checks that need a section whose shape is wrong', () => {
    let text = edit(CARVEOUT, '    role: display', '    role: displya');
    text = edit(text, '    region: carveout', '    region: carveot');
    // The devices are not known, so nothing is said about the tzasc masters or the pipeline's
    // devices; the heap's region is checked all the same.
    expect(issuesOf(text).map((issue) => `${issue.path} ${issue.code}`)).toEqual([
      'heaps[1].region unknownReference',
      'devices[1].role invalidValue',
    ]);
  });

  it('does not take a misspelt section for an empty one', () => {
    const text = edit(CARVEOUT, 'devices:\n', 'devics:\n');
    expect(issuesOf(text).map((issue) => `${issue.path} ${issue.code}`)).toEqual(['devics unknownKey']);
  });

  it('reports reference problems of a JSON document with shape problems', () => {
    const json = JSON.stringify({ ...parseYaml(CARVEOUT), flaws: ['noScrubOnFre'], check: { runs: 0 } });
    expect(
      (() => {
        try {
          parseTopology(json, 't.json');
        } catch (error) {
          if (error instanceof TopologyError) return error.issues.map((issue) => issue.path);
        }
        return [];
      })(),
    ).toEqual(['check.runs', 'flaws[0]']);
  });
});
