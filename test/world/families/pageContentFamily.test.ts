/**
 * The page-content family: one content machine per page, the deliveries the other families
 * write, copy and scrub with, the labels it reads back, and pKVM's `hyp_poison_page()` zeroing
 * a force-reclaimed page's content.
 */
import { describe, expect, it } from 'vitest';
import { ciphertextOf, plaintextOf, ZERO_LABEL } from '../../../machines/contentLabel.ts';
import { WorldBuilder } from '../../../src/world/builder.ts';
import { addPageContentFamily } from '../../../src/world/families/pageContentFamily.ts';
import { guestBootSteps } from '../../../src/world/families/pkvmBoot.ts';
import { addPkvmFamily } from '../../../src/world/families/pkvmFamily.ts';
import { resolveLayout } from '../../../src/world/layout.ts';
import { applied, booted, delivered, stepOf, tinyDesign } from '../../support/tinyWorld.ts';

const PLAIN = tinyDesign(`
hypervisor: { kind: none }
memory:
  - { name: dram, pages: 2 }
  - { name: carveout, pages: 1 }
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
`);

function contentWorld() {
  const builder = new WorldBuilder();
  const content = addPageContentFamily(builder, resolveLayout(PLAIN));
  const world = builder.build({ guestNames: [], guestProtected: [], kernel: 'upstream' });
  return { world, content };
}

describe('page-content family', () => {
  it('adds one content machine per page of every region, named after the page', () => {
    const { world, content } = contentWorld();
    expect(world.components.map((c) => [c.id, c.kind, c.label, c.input])).toEqual([
      ['content:0', 'pageContent', 'content of dram:0', {}],
      ['content:1', 'pageContent', 'content of dram:1', {}],
      ['content:2', 'pageContent', 'content of carveout:0', {}],
    ]);
    expect(content.contents).toEqual([0, 1, 2]);
    expect(content.label(world.initial, [0, 1, 2])).toEqual(ZERO_LABEL);
  });

  it('writes, DMA-writes and copies labels onto the pages named, and merges them when read', () => {
    const { world, content } = contentWorld();
    let state = delivered(world, world.initial, content.writeCiphertext([0], 'movie'));
    state = delivered(world, state, content.writePlaintext([1], 'movie', 'decrypt trusted app'));
    state = delivered(world, state, content.dmaWrite([2], plaintextOf('ad')));
    expect([0, 1, 2].map((pfn) => content.labelOf(state, pfn))).toEqual([
      ciphertextOf('movie'),
      plaintextOf('movie'),
      plaintextOf('ad'),
    ]);
    expect(content.label(state, [0, 1, 2])).toEqual({ ciphertext: ['movie'], plaintext: ['ad', 'movie'] });
    state = delivered(world, state, content.copy([0], content.labelOf(state, 2)));
    expect(content.labelOf(state, 0)).toEqual({ ciphertext: ['movie'], plaintext: ['ad'] });
  });

  it('scrubs to zero; every delivery is optional, so scrubbing a zero page changes nothing', () => {
    const { world, content } = contentWorld();
    expect(content.scrub([0, 2], 'heap_zero').every((d) => d.optional === true)).toBe(true);
    expect(content.scrub([0, 2], 'heap_zero').map((d) => [d.component, d.event])).toEqual([
      [0, { type: 'SCRUB', by: 'heap_zero' }],
      [2, { type: 'SCRUB', by: 'heap_zero' }],
    ]);
    const zero = delivered(world, world.initial, content.scrub([0, 1, 2], 'heap_zero'));
    expect(world.fingerprint(zero)).toBe(world.fingerprint(world.initial));
    const written = delivered(world, world.initial, content.writeCiphertext([0, 1], 'movie'));
    const scrubbed = delivered(world, written, content.scrub([0, 1], 'heap_zero'));
    expect(world.fingerprint(scrubbed)).toBe(world.fingerprint(world.initial));
  });
});

describe('scrubWhenPoisoned', () => {
  const design = tinyDesign(`
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

  function poisonWorld() {
    const layout = resolveLayout(design);
    const builder = new WorldBuilder();
    const pkvm = addPkvmFamily(builder, {
      kernel: 'upstream',
      iommu: 'none',
      pages: layout.pages.map((page) => ({ label: page.label, memoryType: 'memory' })),
      guests: design.vms,
      bounds: { hypPins: 1, dmaMappings: 1, vcpus: 1 },
      rawFfaCalls: false,
      scope: 'sdp',
    });
    const content = addPageContentFamily(builder, layout);
    content.scrubWhenPoisoned(builder, pkvm.pages);
    const world = builder.build({ guestNames: ['decrypt'], guestProtected: [true], kernel: 'upstream' });
    return { world, content, state: booted(world, guestBootSteps(pkvm, design, layout)) };
  }

  it("declares each page's content as touched by the steps on its pKVM page", () => {
    const { world } = poisonWorld();
    const reclaim = stepOf(world, 'FORCE_RECLAIM_GUEST_PAGE', { page: 1 });
    expect(reclaim.touches.map((c) => world.components[c]!.id)).toEqual(['page:1', 'content:1']);
  });

  it("zeroes a force-reclaimed page's content (hyp_poison_page()), and only that page's", () => {
    const { world, content, state } = poisonWorld();
    const written = delivered(world, state, content.writePlaintext([0, 1], 'movie', 'decrypt'));
    const reclaimed = applied(world, written, stepOf(world, 'FORCE_RECLAIM_GUEST_PAGE', { page: 1 }));
    expect([content.labelOf(reclaimed, 0), content.labelOf(reclaimed, 1)]).toEqual([
      plaintextOf('movie'),
      ZERO_LABEL,
    ]);
  });

  it('poisons a page that holds nothing without refusing the reclaim', () => {
    const { world, content, state } = poisonWorld();
    const reclaimed = applied(world, state, stepOf(world, 'FORCE_RECLAIM_GUEST_PAGE', { page: 0 }));
    expect(content.labelOf(reclaimed, 0)).toEqual(ZERO_LABEL);
  });
});
