/**
 * protectedBufferIntegrity on hand-made worlds: while a protected or plaintext-carrying buffer
 * is live, the stub reach's writers of its pages are judged against the pipeline stream's
 * audience. A dma-buf is live while exported; a guest-memory buffer is the pages its guest still
 * owns.
 */
import { describe, expect, it } from 'vitest';
import { protectedBufferIntegrity } from '../../../properties/sdp/protectedBufferIntegrity.ts';
import {
  cpu,
  dma,
  edit,
  NOT_SDP_MODEL,
  type ReachAnswers,
  type SdpSpec,
  sdpWorld,
  secure,
  violationsOf,
} from '../../support/sdpModels.ts';

const HOST_CPU = cpu('host', 'CPU (no hypervisor: the host kernel maps all memory)');

/** A protected bitstream on the carveout, a clear frame buffer the decoder writes, a clear scratch buffer. */
function world(reach: ReachAnswers, extra: Partial<SdpSpec> = {}) {
  return sdpWorld({
    pages: ['carveout', 'carveout', 'dram', 'dram'],
    buffers: [
      { name: 'bitstream', pages: [0, 1], heap: 'protectedStatic' },
      { name: 'frame', pages: [2], heap: 'system' },
      { name: 'scratch', pages: [3], heap: 'system' },
    ],
    streams: [{ name: 'movie', audience: ['vdec', 'dpu'], trusted: ['hyp', 'secure'] }],
    pipeline: { stream: 'movie', plaintextBuffers: ['frame'] },
    reach,
    ...extra,
  });
}

const check = (w: ReturnType<typeof world>, state = w.initial) =>
  violationsOf(protectedBufferIntegrity, w, state);

const exported = (w: ReturnType<typeof world>, ...names: string[]) =>
  names.reduce((state, name) => edit(state, w.buffer(name), 'exported', { fdHolders: ['host'] }), w.initial);

describe('protectedBufferIntegrity', () => {
  it('flags the host able to write a page of a live protected buffer', () => {
    const w = world({ 0: { write: [HOST_CPU] } });
    expect(check(w, exported(w, 'bitstream'))).toStrictEqual([
      {
        property: 'protectedBufferIntegrity',
        subject: 'buffer bitstream (page carveout:0)',
        parties: ['host'],
        expected: 'writable only by vdec, dpu',
        actual: 'writable by host via CPU (no hypervisor: the host kernel maps all memory)',
      },
    ]);
  });

  it('does not count a buffer that is not live: the same writer on a free buffer is no breach', () => {
    const w = world({ 0: { write: [HOST_CPU] } });
    expect(check(w)).toStrictEqual([]);
  });

  it('does not count a buffer whose free waits on the secure world, or that is quarantined', () => {
    const w = world({ 0: { write: [HOST_CPU] } });
    expect(check(w, edit(w.initial, w.buffer('bitstream'), 'reclaiming'))).toStrictEqual([]);
    expect(check(w, edit(w.initial, w.buffer('bitstream'), 'quarantined'))).toStrictEqual([]);
  });

  it('never flags the audience or the trusted parties writing', () => {
    const w = world({ 0: { write: [dma('vdec'), secure(), cpu('hyp', 'hyp stage-1 (OWNED)')] } });
    expect(check(w, exported(w, 'bitstream'))).toStrictEqual([]);
  });

  it('asks who can write, not who can read', () => {
    const w = world({ 0: { read: [HOST_CPU] } });
    expect(check(w, exported(w, 'bitstream'))).toStrictEqual([]);
  });

  it('covers a clear buffer that carries the pipeline plaintext, and no other clear buffer', () => {
    const w = world({ 2: { write: [dma('gpu')] }, 3: { write: [dma('gpu')] } });
    expect(check(w, exported(w, 'frame', 'scratch'))).toStrictEqual([
      {
        property: 'protectedBufferIntegrity',
        subject: 'buffer frame (page dram:0)',
        parties: ['gpu'],
        expected: 'writable only by vdec, dpu',
        actual: 'writable by gpu via DMA by gpu',
      },
    ]);
  });

  it('names each writer once per buffer, at the first page it can write', () => {
    const w = world({ 0: { write: [dma('vdec')] }, 1: { write: [HOST_CPU, dma('gpu')] } });
    const second = world({ 0: { write: [HOST_CPU] }, 1: { write: [HOST_CPU, dma('gpu')] } });
    expect(check(w, exported(w, 'bitstream')).map((v) => [v.subject, v.parties])).toStrictEqual([
      ['buffer bitstream (page carveout:1)', ['host']],
      ['buffer bitstream (page carveout:1)', ['gpu']],
    ]);
    expect(check(second, exported(second, 'bitstream')).map((v) => [v.subject, v.parties])).toStrictEqual([
      ['buffer bitstream (page carveout:0)', ['host']],
      ['buffer bitstream (page carveout:1)', ['gpu']],
    ]);
  });

  describe('a buffer in guest memory', () => {
    /** The decrypt VM's frame in its own RAM, under upstream pKVM: a GPU with no IOMMU can write page 0. */
    const guestWorld = (buffer: { allocatedBy: string } = { allocatedBy: 'decrypt' }) =>
      sdpWorld({
        hypervisor: 'pkvm',
        pages: ['decrypt-ram', 'decrypt-ram'],
        guests: [{ name: 'decrypt', protected: true }],
        buffers: [{ name: 'frame', pages: [0, 1], ...buffer }],
        streams: [{ name: 'movie', audience: ['decrypt', 'dpu'], trusted: ['hyp', 'secure'] }],
        pipeline: { stream: 'movie', plaintextBuffers: ['frame'] },
        reach: { 0: { write: [dma('gpu', 'DMA with no IOMMU translation')] } },
      });

    it('counts a page its guest owns', () => {
      const w = guestWorld();
      const owned = edit(w.initial, w.pkvm(0), 'NOPAGE.ownedByGuest', { guestOwner: 0, guests: ['OWNED'] });
      expect(check(w, owned)).toStrictEqual([
        {
          property: 'protectedBufferIntegrity',
          subject: 'buffer frame (page decrypt-ram:0)',
          parties: ['gpu'],
          expected: 'writable only by decrypt, dpu',
          actual: 'writable by gpu via DMA with no IOMMU translation',
        },
      ]);
    });

    it('no longer counts a page the host took back (force reclaim poisons the guest PTE)', () => {
      const w = guestWorld();
      const reclaimed = edit(w.initial, w.pkvm(0), 'OWNED', { guestOwner: -1, guests: ['POISON'] });
      expect(check(w, reclaimed)).toStrictEqual([]);
    });

    it('counts every page when its allocator is not a guest', () => {
      const w = guestWorld({ allocatedBy: 'host' });
      expect(check(w).map((v) => v.subject)).toStrictEqual(['buffer frame (page decrypt-ram:0)']);
    });
  });

  it('has nothing to judge on a world that is not an SDP world', () => {
    expect(protectedBufferIntegrity.world!({ parts: [] }, NOT_SDP_MODEL)).toStrictEqual([]);
  });
});
