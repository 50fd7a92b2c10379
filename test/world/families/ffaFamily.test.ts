/**
 * The FF-A family: Hafnium's two share-state slots when an SPMC runs, the pKVM FF-A proxy and its
 * boot when a hypervisor forwards the host's calls, the proxy's page transitions landing on the
 * host's page machines and the SPMC's clearing on the pages' contents; the one `FFA_MEM_LEND`
 * builder (`memLend`) and the queries on live transactions; and a protected guest's lend, the
 * secure world's retrieve and the guest's reclaim of one of its buffers.
 */
import { describe, expect, it } from 'vitest';
import { plaintextOf, ZERO_LABEL } from '../../../machines/contentLabel.ts';
import { FFA_MEMORY_REGION_FLAG_CLEAR } from '../../../machines/ffaMemoryState.ts';
import { hostPageState, pageIsOwnedByFfa } from '../../../machines/pkvmPageState.ts';
import type { Topology } from '../../../src/topology/schema.ts';
import { type StepInput, send, snapshotOf, WorldBuilder } from '../../../src/world/builder.ts';
import {
  addFfaFamily,
  addGuestLendSteps,
  type FfaFamily,
  type GuestLend,
} from '../../../src/world/families/ffaFamily.ts';
import { addPageContentFamily } from '../../../src/world/families/pageContentFamily.ts';
import { guestBootSteps } from '../../../src/world/families/pkvmBoot.ts';
import { addPkvmFamily } from '../../../src/world/families/pkvmFamily.ts';
import { resolveLayout } from '../../../src/world/layout.ts';
import {
  applied,
  booted,
  delivered,
  deliveryOutcome,
  deliveryTypes,
  stepOf,
  tinyDesign,
} from '../../support/tinyWorld.ts';

const body = (hypervisor: string, spmc: string) => `
hypervisor: ${hypervisor}
secureWorld: { tee: true, spmc: ${spmc} }
memory:
  - { name: dram, pages: 3 }
heaps:
  - { name: system, kind: system, region: dram }
buffers:
  - { name: ciphertext, heap: system }
  - { name: frame, heap: system }
devices:
  - { name: dpu, role: display }
streams:
  - { name: movie, audience: [secure, dpu] }
pipeline:
  stream: movie
  input: ciphertext
  decrypt: { by: secure, output: frame }
  display: { by: dpu }
`;

const NO_HYPERVISOR = tinyDesign(body('{ kind: none }', 'hafnium'));
const MAINLINE = tinyDesign(body('{ kind: pkvm, kernel: upstream, iommu: none, ffaLend: share }', 'hafnium'));
const UNMAP_ON_LEND = tinyDesign(
  body('{ kind: pkvm, kernel: android, iommu: identity, ffaLend: unmapOnLend }', 'hafnium'),
);
const NO_SPMC = tinyDesign(body('{ kind: none }', 'none'));

function ffaWorld(design: Topology) {
  const builder = new WorldBuilder();
  const layout = resolveLayout(design);
  const hypervisor = design.hypervisor.kind === 'pkvm' ? design.hypervisor : undefined;
  const pkvm = hypervisor
    ? addPkvmFamily(builder, {
        kernel: hypervisor.kernel,
        iommu: hypervisor.iommu,
        pages: layout.pages.map((page) => ({ label: page.label, memoryType: 'memory' })),
        guests: [],
        bounds: { hypPins: 1, dmaMappings: 1, vcpus: 1 },
        rawFfaCalls: false,
        scope: 'sdp',
      })
    : undefined;
  const content = addPageContentFamily(builder, layout);
  const ffa = addFfaFamily(builder, design, pkvm, content);
  const world = builder.build({
    guestNames: [],
    guestProtected: [],
    kernel: hypervisor?.kernel ?? 'upstream',
  });
  return { world, ffa, pkvm, content, state: booted(world, ffa.boot) };
}

describe('FF-A family components and boot', () => {
  it('adds two share-state slots with an SPMC, and the proxy only under a hypervisor', () => {
    const ids = (design: Topology) =>
      ffaWorld(design)
        .world.components.filter((c) => c.kind === 'ffaTransaction' || c.kind === 'ffaProxy')
        .map((c) => [c.id, c.kind, c.label, c.input]);
    expect(ids(NO_HYPERVISOR)).toEqual([
      ['ffa:0', 'ffaTransaction', 'FF-A handle 0', { handle: 0, pasProtection: false }],
      ['ffa:1', 'ffaTransaction', 'FF-A handle 1', { handle: 1, pasProtection: false }],
    ]);
    expect(ids(MAINLINE).slice(2)).toEqual([
      ['ffa:proxy', 'ffaProxy', 'pKVM FF-A proxy', { unmapOnLend: false }],
    ]);
    expect(ids(UNMAP_ON_LEND).slice(2)).toEqual([
      ['ffa:proxy', 'ffaProxy', 'pKVM FF-A proxy', { unmapOnLend: true }],
    ]);
    expect(ids(NO_SPMC)).toEqual([]);
    const none = ffaWorld(NO_SPMC).ffa;
    expect([none.slots, none.proxy, none.boot]).toEqual([[], undefined, []]);
  });

  it('brings the proxy up at boot: FF-A version 1.2, then the host mailbox', () => {
    const { world, ffa } = ffaWorld(MAINLINE);
    expect(ffa.boot.map((s) => [s.actor, s.call, s.subject, deliveryTypes(world, s.deliveries)])).toEqual([
      ['host', 'FFA_VERSION', 'FF-A version 1.2', ['ffa:proxy FFA_VERSION']],
      ['host', 'FFA_FN64_RXTX_MAP', 'the FF-A mailbox', ['ffa:proxy FFA_FN64_RXTX_MAP']],
    ]);
    expect(ffaWorld(NO_HYPERVISOR).ffa.boot).toEqual([]);
  });
});

describe('memLend', () => {
  it('lends through the proxy when the host sends under a hypervisor, straight to the slot otherwise', () => {
    const proxied = ffaWorld(MAINLINE);
    expect(deliveryTypes(proxied.world, proxied.ffa.memLend(proxied.state, 'host', [0]))).toEqual([
      'ffa:proxy FFA_MEM_LEND',
      'ffa:0 FFA_MEM_LEND',
    ]);
    expect(deliveryTypes(proxied.world, proxied.ffa.memLend(proxied.state, 'decrypt', [0]))).toEqual([
      'ffa:0 FFA_MEM_LEND',
    ]);
    const direct = ffaWorld(NO_HYPERVISOR);
    const [lend] = direct.ffa.memLend(direct.state, 'host', [0, 1])!;
    expect(lend!.event).toEqual({
      type: 'FFA_MEM_LEND',
      caller: 'host',
      sender: 'host',
      senderSecure: false,
      receivers: [{ id: 'secure', access: 'RW', secure: true }],
      pages: [0, 1],
      flags: 0,
      fragments: 1,
      descriptorValid: true,
      senderExclusiveOwner: true,
      senderWritable: true,
    });
  });

  it('takes the first free slot, and returns undefined when both slots are busy', () => {
    const { world, ffa, state } = ffaWorld(NO_HYPERVISOR);
    expect(ffa.freeSlot(state)).toBe(ffa.slots[0]);
    const one = delivered(world, state, ffa.memLend(state, 'host', [0])!);
    expect([ffa.freeSlot(one), ffa.slotCovering(one, 0), ffa.slotCovering(one, 1)]).toEqual([
      ffa.slots[1],
      ffa.slots[0],
      undefined,
    ]);
    const two = delivered(world, one, ffa.memLend(one, 'host', [1])!);
    expect(ffa.freeSlot(two)).toBeUndefined();
    expect(ffa.memLend(two, 'host', [2])).toBeUndefined();
  });

  it('marks the sender not the exclusive owner of a page a live transaction already covers', () => {
    const { world, ffa, state } = ffaWorld(NO_HYPERVISOR);
    const one = delivered(world, state, ffa.memLend(state, 'host', [0])!);
    const again = ffa.memLend(one, 'host', [1, 0])!;
    expect(again.map((d) => [world.components[d.component]!.id, d.event.senderExclusiveOwner])).toEqual([
      ['ffa:1', false],
    ]);
    expect(deliveryOutcome(world, one, again)).toBe('ffa:1 FFA_RET_DENIED');
  });

  it('answers retrieved and lent-to-secure once the secure world retrieves a lend', () => {
    const { world, ffa, state } = ffaWorld(NO_HYPERVISOR);
    const lent = delivered(world, state, ffa.memLend(state, 'host', [0])!);
    expect([ffa.retrievedBySecure(lent, 0), ffa.lentToSecure(lent, 0)]).toEqual([false, false]);
    const retrieved = delivered(world, lent, [retrieve(ffa.slots[0]!)]);
    expect([ffa.retrievedBySecure(retrieved, 0), ffa.lentToSecure(retrieved, 0)]).toEqual([true, true]);
    expect([ffa.retrievedBySecure(retrieved, 1), ffa.lentToSecure(retrieved, 1)]).toEqual([false, false]);
  });
});

describe('FF-A routes', () => {
  it("moves a host page the proxy lends to SHARED_OWNED on mainline, and out of the host's stage-2 with unmap-on-lend", () => {
    const mainline = ffaWorld(MAINLINE);
    const shared = delivered(
      mainline.world,
      mainline.state,
      mainline.ffa.memLend(mainline.state, 'host', [1])!,
    );
    expect([0, 1].map((pfn) => hostPageState(snapshotOf(shared, mainline.pkvm!.pages[pfn]!)))).toEqual([
      'OWNED',
      'SHARED_OWNED',
    ]);
    const android = ffaWorld(UNMAP_ON_LEND);
    const donated = delivered(android.world, android.state, android.ffa.memLend(android.state, 'host', [1])!);
    expect(pageIsOwnedByFfa(snapshotOf(donated, android.pkvm!.pages[1]!))).toBe(true);
  });

  it("scrubs the pages' contents when the SPMC clears them (a relinquish with CLEAR)", () => {
    const { world, ffa, state, content } = ffaWorld(NO_HYPERVISOR);
    const slot = ffa.slots[0]!;
    let s = delivered(world, state, ffa.memLend(state, 'host', [0, 1])!);
    s = delivered(world, s, [retrieve(slot), ...content.writePlaintext([0, 1, 2], 'movie', 'secure')]);
    const kept = delivered(world, s, [relinquish(slot, 0)]);
    expect(content.label(kept, [0, 1])).toEqual(plaintextOf('movie'));
    const cleared = delivered(world, s, [relinquish(slot, FFA_MEMORY_REGION_FLAG_CLEAR)]);
    expect([0, 1, 2].map((pfn) => content.labelOf(cleared, pfn))).toEqual([
      ZERO_LABEL,
      ZERO_LABEL,
      plaintextOf('movie'),
    ]);
  });
});

describe('guest lend steps', () => {
  const design = tinyDesign(`
hypervisor: { kind: pkvm, kernel: android, iommu: identity }
secureWorld: { tee: false, spmc: hafnium }
vms:
  - { name: decrypt, protected: true }
memory:
  - { name: decrypt-ram, pages: 2, owner: decrypt }
buffers:
  - { name: ciphertext, region: decrypt-ram, allocatedBy: decrypt }
  - { name: frame, region: decrypt-ram, allocatedBy: decrypt }
devices:
  - { name: dpu, role: display, controlledBy: secure, secureMaster: true }
ffaLends:
  - { buffer: frame, by: decrypt }
streams:
  - { name: movie, audience: [decrypt, secure, dpu] }
pipeline:
  stream: movie
  input: ciphertext
  decrypt: { by: decrypt, output: frame }
  display: { by: dpu }
`);

  function lendWorld() {
    const builder = new WorldBuilder();
    const layout = resolveLayout(design);
    const pkvm = addPkvmFamily(builder, {
      kernel: 'android',
      iommu: 'identity',
      pages: layout.pages.map((page) => ({ label: page.label, memoryType: 'memory' })),
      guests: design.vms,
      bounds: { hypPins: 1, dmaMappings: 1, vcpus: 1 },
      rawFfaCalls: false,
      scope: 'sdp',
    });
    const content = addPageContentFamily(builder, layout);
    const ffa = addFfaFamily(builder, design, pkvm, content);
    let queued = false;
    const lend: GuestLend = {
      buffer: 'frame',
      pages: [1],
      by: 'decrypt',
      vm: 0,
      queued: () => queued,
      queueReads: [],
    };
    addGuestLendSteps((step: StepInput) => builder.addStep(step), ffa, pkvm, [lend]);
    const world = builder.build({ guestNames: ['decrypt'], guestProtected: [true], kernel: 'android' });
    const state = booted(world, [...guestBootSteps(pkvm, design, layout), ...ffa.boot]);
    const setQueued = (value: boolean) => {
      queued = value;
    };
    return { world, state, pkvm, ffa, lend, setQueued };
  }

  it('offers the lend, the retrieve and the reclaim of each buffer a guest lends', () => {
    const { world } = lendWorld();
    expect(
      world.steps
        .filter((s) => s.args.buffer === 'frame')
        .map((s) => [s.action, s.call, s.actor, s.role, s.args]),
    ).toEqual([
      ['lendGuestBuffer', 'FFA_MEM_LEND', 'decrypt', 'pipeline', { buffer: 'frame', by: 'decrypt' }],
      ['retrieveGuestBuffer', 'FFA_MEM_RETRIEVE_REQ', 'secure', 'pipeline', { buffer: 'frame' }],
      ['reclaimGuestBuffer', 'FFA_MEM_RECLAIM', 'decrypt', 'adversary', { buffer: 'frame', by: 'decrypt' }],
    ]);
  });

  it("lends while the guest runs: its page goes SHARED_OWNED, the SPMC records the guest's lend, no proxy call", () => {
    const { world, state, pkvm, ffa } = lendWorld();
    const lend = stepOf(world, 'FFA_MEM_LEND', { buffer: 'frame', by: 'decrypt' });
    expect(deliveryTypes(world, lend.plan(state))).toEqual(['page:1 GUEST_SHARE_FFA', 'ffa:0 FFA_MEM_LEND']);
    const lent = applied(world, state, lend);
    expect(snapshotOf(lent, pkvm.pages[1]!).context.guests[0]).toBe('SHARED_OWNED');
    expect(ffa.slotCovering(lent, 1)).toBe(ffa.slots[0]);
    const dying = applied(world, state, stepOf(world, 'START_TEARDOWN_VM', { vm: 'decrypt' }));
    expect(lend.plan(dying)).toBeUndefined();
  });

  it('retrieves only a buffer a live lend covers', () => {
    const { world, state, ffa } = lendWorld();
    const retrieveStep = stepOf(world, 'FFA_MEM_RETRIEVE_REQ', { buffer: 'frame' });
    expect(retrieveStep.plan(state)).toBeUndefined();
    const lent = applied(world, state, stepOf(world, 'FFA_MEM_LEND', { buffer: 'frame', by: 'decrypt' }));
    const retrieved = applied(world, lent, retrieveStep);
    expect(ffa.lentToSecure(retrieved, 1)).toBe(true);
  });

  it('reclaims, relinquishing first once retrieved, and not while a device has the buffer queued', () => {
    const { world, state, pkvm, ffa, setQueued } = lendWorld();
    const reclaim = stepOf(world, 'FFA_MEM_RECLAIM', { buffer: 'frame', by: 'decrypt' });
    expect(reclaim.plan(state)).toBeUndefined();
    const lent = applied(world, state, stepOf(world, 'FFA_MEM_LEND', { buffer: 'frame', by: 'decrypt' }));
    expect(deliveryTypes(world, reclaim.plan(lent))).toEqual([
      'ffa:0 FFA_MEM_RECLAIM',
      'page:1 GUEST_UNSHARE_FFA',
    ]);
    const retrieved = applied(world, lent, stepOf(world, 'FFA_MEM_RETRIEVE_REQ', { buffer: 'frame' }));
    expect(deliveryTypes(world, reclaim.plan(retrieved))).toEqual([
      'ffa:0 FFA_MEM_RELINQUISH',
      'ffa:0 FFA_MEM_RECLAIM',
      'page:1 GUEST_UNSHARE_FFA',
    ]);
    const reclaimed = applied(world, retrieved, reclaim);
    expect([snapshotOf(reclaimed, pkvm.pages[1]!).context.guests[0], ffa.slotCovering(reclaimed, 1)]).toEqual(
      ['OWNED', undefined],
    );
    setQueued(true);
    expect(reclaim.plan(retrieved)).toBeUndefined();
  });
});

type Slot = FfaFamily['slots'][number];

function retrieve(slot: Slot) {
  return send(slot, {
    type: 'FFA_MEM_RETRIEVE_REQ',
    caller: 'secure',
    sender: 'host',
    transactionType: 'FFA_MEM_LEND',
    flags: 0,
    access: 'RW',
    requestValid: true,
  });
}

function relinquish(slot: Slot, flags: number) {
  return send(slot, {
    type: 'FFA_MEM_RELINQUISH',
    caller: 'secure',
    endpoint: 'secure',
    flags,
    requestValid: true,
  });
}
