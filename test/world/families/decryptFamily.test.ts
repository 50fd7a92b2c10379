/**
 * The decrypt family: the trusted app's machine and its session and key boot calls, the app's
 * plaintext landing on the output's pages; the ciphertext's arrival (through the writer's own CPU
 * path), the host asking the trusted app to decrypt between buffers it holds (judged by the app's
 * own view of secure memory), and a guest CDM decrypting its own buffers while it runs and its
 * stage-2 maps them.
 *
 * The heap, firewall, FF-A and virtio families are built too: the steps ask who holds a buffer
 * (`createHoldings`) and who reaches a page (`createReach`).
 */
import { describe, expect, it } from 'vitest';
import { ciphertextOf, plaintextOf, ZERO_LABEL } from '../../../machines/contentLabel.ts';
import type { Topology } from '../../../src/topology/schema.ts';
import { type StepInput, WorldBuilder } from '../../../src/world/builder.ts';
import {
  addDecryptFamily,
  addDecryptSteps,
  writeCiphertext,
} from '../../../src/world/families/decryptFamily.ts';
import { addDmaHeapFamily, type DmaBuf, type HeapBuffer } from '../../../src/world/families/dmaHeapFamily.ts';
import { allocateBuffer, type HeapStepContext } from '../../../src/world/families/dmaHeapSteps.ts';
import { addFfaFamily } from '../../../src/world/families/ffaFamily.ts';
import { addPageContentFamily } from '../../../src/world/families/pageContentFamily.ts';
import { guestBootSteps } from '../../../src/world/families/pkvmBoot.ts';
import { addPkvmFamily } from '../../../src/world/families/pkvmFamily.ts';
import { addTzascFamily } from '../../../src/world/families/tzascFamily.ts';
import { addVirtioFamily } from '../../../src/world/families/virtioFamily.ts';
import { createHoldings } from '../../../src/world/holdings.ts';
import { resolveLayout } from '../../../src/world/layout.ts';
import { sdpPages } from '../../../src/world/model.ts';
import { createReach } from '../../../src/world/reach.ts';
import type { WorldState } from '../../../src/world/world.ts';
import {
  applied,
  booted,
  deliveryOutcome,
  deliveryTypes,
  stepOf,
  tinyDesign,
} from '../../support/tinyWorld.ts';

/** OP-TEE decrypts from clear memory into a firewalled carveout. */
const TRUSTED_APP = tinyDesign(`
hypervisor: { kind: none }
memory:
  - { name: dram, pages: 2 }
  - name: carveout
    pages: 1
    type: nomap
    protection: tzasc
    tzasc: { nsRead: [dpu] }
heaps:
  - { name: system, kind: system, region: dram }
  - { name: secure-video, kind: protectedStatic, region: carveout, exporter: teeHeap }
buffers:
  - { name: ciphertext, heap: system }
  - { name: bitstream, heap: secure-video }
  - { name: scratch, heap: system }
devices:
  - { name: dpu, role: display }
streams:
  - { name: movie, audience: [secure, dpu] }
pipeline:
  stream: movie
  input: ciphertext
  decrypt: { by: secure, output: bitstream }
  display: { by: dpu }
`);

/** A protected guest decrypts its own buffers. */
const GUEST_CDM = tinyDesign(`
hypervisor: { kind: pkvm, kernel: upstream, iommu: none }
secureWorld: { tee: false }
vms:
  - { name: decrypt, protected: true }
memory:
  - { name: decrypt-ram, pages: 2, owner: decrypt }
buffers:
  - { name: ciphertext, region: decrypt-ram, allocatedBy: decrypt }
  - { name: frame, region: decrypt-ram, allocatedBy: decrypt }
devices:
  - { name: dpu, role: display }
streams:
  - { name: movie, audience: [decrypt, dpu] }
pipeline:
  stream: movie
  input: ciphertext
  decrypt: { by: decrypt, output: frame }
  display: { by: dpu }
`);

type Served = HeapBuffer & { readonly dmaBuf: DmaBuf };

function decryptWorld(design: Topology) {
  const builder = new WorldBuilder();
  const layout = resolveLayout(design);
  const pkvm =
    design.hypervisor.kind === 'pkvm'
      ? addPkvmFamily(builder, {
          kernel: design.hypervisor.kernel,
          iommu: design.hypervisor.iommu,
          pages: layout.pages.map((page) => ({ label: page.label, memoryType: 'memory' })),
          guests: design.vms,
          bounds: { hypPins: 1, dmaMappings: 1, vcpus: 1 },
          rawFfaCalls: false,
          scope: 'sdp',
        })
      : undefined;
  const content = addPageContentFamily(builder, layout);
  const tzasc = addTzascFamily(builder, design, layout);
  const heaps = addDmaHeapFamily(builder, design, layout, content);
  const decrypt = addDecryptFamily(builder, design, content);
  const ffa = addFfaFamily(builder, design, pkvm, content);
  const virtio = addVirtioFamily(builder, design, layout, content, pkvm);
  const pages = sdpPages(layout, content, pkvm, tzasc);
  const reach = createReach({
    hypervisor: pkvm ? 'pkvm' : 'none',
    pages,
    guests: design.vms.map((vm) => vm.name),
    devices: [],
    buffers: heaps.buffers,
    imports: [],
    ffaSlots: ffa.slots,
  });
  const holdings = createHoldings(design, pkvm, ffa, virtio);
  const context = {
    heaps,
    content,
    ffa,
    holdings,
    reach,
    stream: design.pipeline.stream,
    firewalled: (pfn: number) => pages[pfn]!.tzasc !== undefined,
  };
  const add = (step: StepInput) => builder.addStep(step);
  addDecryptSteps(add, context, decrypt, design.pipeline);
  const heapContext: HeapStepContext = {
    heaps,
    ffa,
    content,
    queued: () => false,
    queueReads: [],
    imported: () => false,
    importReads: () => [],
  };
  for (const buffer of heaps.buffers)
    if (buffer.dmaBuf !== undefined) add(allocateBuffer(heapContext, buffer as Served));
  const world = builder.build({
    guestNames: design.vms.map((vm) => vm.name),
    guestProtected: design.vms.map((vm) => vm.protected),
    kernel: 'upstream',
  });
  const boot = [
    ...(pkvm ? guestBootSteps(pkvm, design, layout) : []),
    ...tzasc.boot,
    ...decrypt.boot,
    ...heaps.boot,
  ];
  const state = booted(world, boot);
  const allocate = (s: WorldState, ...names: string[]) =>
    names.reduce(
      (at, name) => applied(world, at, stepOf(world, 'DMA_HEAP_IOCTL_ALLOC', { buffer: name })),
      s,
    );
  return { world, state, decrypt, content, heaps, pkvm, context, allocate };
}

describe('decrypt family components and boot', () => {
  it('adds the trusted app when the design has a TEE, and opens a session and loads the keys at boot', () => {
    const { world, decrypt } = decryptWorld(TRUSTED_APP);
    expect(
      world.components.filter((c) => c.kind === 'decryptTrustedApp').map((c) => [c.id, c.label, c.input]),
    ).toEqual([['ta:decrypt', 'decrypt trusted app', {}]]);
    expect(decrypt.boot.map((s) => [s.actor, s.call, s.subject, deliveryTypes(world, s.deliveries)])).toEqual(
      [
        ['host', 'TEE_IOC_OPEN_SESSION', 'the decrypt trusted app', ['ta:decrypt OPEN_SESSION']],
        ['host', 'LOAD_KEYS', 'the keys of stream movie', ['ta:decrypt LOAD_KEYS']],
      ],
    );
    expect(decrypt.boot[1]!.deliveries[0]!.event).toEqual({
      type: 'LOAD_KEYS',
      stream: 'movie',
      dataPathSecure: true,
    });
  });

  it('adds nothing without a TEE', () => {
    const { world, decrypt } = decryptWorld(GUEST_CDM);
    expect(world.components.some((c) => c.kind === 'decryptTrustedApp')).toBe(false);
    expect(decrypt).toEqual({ boot: [] });
  });
});

describe('decrypt steps with the trusted app', () => {
  it('offers the ciphertext write, and a decrypt for every ordered pair of buffers, legitimate only input → output', () => {
    const { world } = decryptWorld(TRUSTED_APP);
    const rows = world.steps
      .filter((s) => s.action !== 'allocateBuffer')
      .map((s) => [s.action, s.call, s.actor, s.role, s.args]);
    expect(rows).toEqual([
      ['writeCiphertext', 'WRITE_CIPHERTEXT', 'host', 'pipeline', { buffer: 'ciphertext' }],
      ['invokeDecrypt', 'INVOKE_DECRYPT', 'host', 'pipeline', { input: 'ciphertext', output: 'bitstream' }],
      ['invokeDecrypt', 'INVOKE_DECRYPT', 'host', 'adversary', { input: 'ciphertext', output: 'scratch' }],
      ['invokeDecrypt', 'INVOKE_DECRYPT', 'host', 'adversary', { input: 'bitstream', output: 'ciphertext' }],
      ['invokeDecrypt', 'INVOKE_DECRYPT', 'host', 'adversary', { input: 'bitstream', output: 'scratch' }],
      ['invokeDecrypt', 'INVOKE_DECRYPT', 'host', 'adversary', { input: 'scratch', output: 'ciphertext' }],
      ['invokeDecrypt', 'INVOKE_DECRYPT', 'host', 'adversary', { input: 'scratch', output: 'bitstream' }],
    ]);
  });

  it("writes the ciphertext only once its writer holds the buffer, and only through the writer's CPU write path", () => {
    const { world, state, allocate, content, context, heaps } = decryptWorld(TRUSTED_APP);
    const write = stepOf(world, 'WRITE_CIPHERTEXT', { buffer: 'ciphertext' });
    expect(write.plan(state)).toBeUndefined();
    const held = allocate(state, 'ciphertext', 'bitstream');
    expect(content.labelOf(applied(world, held, write), 0)).toEqual(ciphertextOf('movie'));
    // The host holds the carveout buffer too, but the firewall keeps its CPU from writing it.
    expect(writeCiphertext(context, heaps.bufferByName.get('bitstream')!).plan(held)).toBeUndefined();
  });

  it('decrypts into secure memory, the plaintext landing on the output pages; a clear output is refused by the app', () => {
    const { world, state, allocate, content } = decryptWorld(TRUSTED_APP);
    const legit = stepOf(world, 'INVOKE_DECRYPT', { input: 'ciphertext', output: 'bitstream' });
    const held = allocate(state, 'ciphertext', 'bitstream', 'scratch');
    expect(legit.plan(held)).toBeUndefined();
    const written = applied(world, held, stepOf(world, 'WRITE_CIPHERTEXT', { buffer: 'ciphertext' }));
    expect(legit.plan(written)!.map((d) => d.event)).toEqual([
      {
        type: 'INVOKE_DECRYPT',
        stream: 'movie',
        isSecure: true,
        input: 'ciphertext',
        inputPages: [0],
        inputNonSecure: true,
        output: 'bitstream',
        outputPages: [2],
        outputSecure: true,
      },
    ]);
    expect(content.labelOf(applied(world, written, legit), 2)).toEqual(plaintextOf('movie'));
    const clear = stepOf(world, 'INVOKE_DECRYPT', { input: 'ciphertext', output: 'scratch' });
    expect(clear.plan(written)!.map((d) => d.event.outputSecure)).toEqual([false]);
    expect(deliveryOutcome(world, written, clear.plan(written)!)).toBe('ta:decrypt TEE_ERROR_ACCESS_DENIED');
    expect(content.labelOf(written, 1)).toEqual(ZERO_LABEL);
  });

  it('asks for a decrypt only between buffers the host holds', () => {
    const { world, state, allocate } = decryptWorld(TRUSTED_APP);
    const legit = stepOf(world, 'INVOKE_DECRYPT', { input: 'ciphertext', output: 'bitstream' });
    let s = allocate(state, 'ciphertext');
    s = applied(world, s, stepOf(world, 'WRITE_CIPHERTEXT', { buffer: 'ciphertext' }));
    expect(legit.plan(s)).toBeUndefined();
    expect(legit.plan(allocate(s, 'bitstream'))).toBeDefined();
  });
});

describe('decrypt steps with a guest CDM', () => {
  it('offers the ciphertext write and the CDM decrypt, by the guest', () => {
    const { world } = decryptWorld(GUEST_CDM);
    expect(
      world.steps
        .filter((s) => s.args.input !== undefined || s.call === 'WRITE_CIPHERTEXT')
        .map((s) => [s.action, s.call, s.actor, s.role, s.args]),
    ).toEqual([
      ['writeCiphertext', 'WRITE_CIPHERTEXT', 'decrypt', 'pipeline', { buffer: 'ciphertext' }],
      ['cdmDecrypt', 'CDM_DECRYPT', 'decrypt', 'pipeline', { input: 'ciphertext', output: 'frame' }],
    ]);
  });

  it('decrypts while the guest runs and its stage-2 maps both buffers', () => {
    const { world, state, content } = decryptWorld(GUEST_CDM);
    const decrypt = stepOf(world, 'CDM_DECRYPT', { input: 'ciphertext', output: 'frame' });
    expect(decrypt.plan(state)).toBeUndefined();
    const written = applied(world, state, stepOf(world, 'WRITE_CIPHERTEXT', { buffer: 'ciphertext' }));
    expect(deliveryTypes(world, decrypt.plan(written))).toEqual(['content:1 WRITE_PLAINTEXT']);
    expect(content.labelOf(applied(world, written, decrypt), 1)).toEqual(plaintextOf('movie'));
  });

  it('cannot write or decrypt a page the host force-reclaimed from the guest, nor decrypt once teardown starts', () => {
    const { world, state } = decryptWorld(GUEST_CDM);
    const write = stepOf(world, 'WRITE_CIPHERTEXT', { buffer: 'ciphertext' });
    const decrypt = stepOf(world, 'CDM_DECRYPT', { input: 'ciphertext', output: 'frame' });
    const reclaimedInput = applied(world, state, stepOf(world, 'FORCE_RECLAIM_GUEST_PAGE', { page: 0 }));
    expect(write.plan(reclaimedInput)).toBeUndefined();
    const written = applied(world, state, write);
    const reclaimedOutput = applied(world, written, stepOf(world, 'FORCE_RECLAIM_GUEST_PAGE', { page: 1 }));
    expect(decrypt.plan(reclaimedOutput)).toBeUndefined();
    const dying = applied(world, written, stepOf(world, 'START_TEARDOWN_VM', { vm: 'decrypt' }));
    expect(decrypt.plan(dying)).toBeUndefined();
  });
});
