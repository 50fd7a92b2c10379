/**
 * plaintextNeverReachesUntrusted on hand-made worlds: a page's content label says which streams'
 * plaintext it holds, the stub reach says who can read it, and the property flags each reader
 * outside the stream's audience and the trusted parties.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ciphertextOf, mergeLabels, plaintextOf } from '../../../machines/contentLabel.ts';
import { plaintextNeverReachesUntrusted } from '../../../properties/sdp/plaintextNeverReachesUntrusted.ts';
import {
  cpu,
  dma,
  labelled,
  NOT_SDP_MODEL,
  type ReachAnswers,
  type SdpSpec,
  sdpWorld,
  secure,
  violationsOf,
} from '../../support/sdpModels.ts';

const HOST_CPU = cpu('host', 'CPU (no hypervisor: the host kernel maps all memory)');

/** One scratch page and one carveout page, a decoder and a display; `movie` is theirs to see. */
function world(reach: ReachAnswers, extra: Partial<SdpSpec> = {}) {
  return sdpWorld({
    pages: ['scratch', 'carveout'],
    devices: [
      { name: 'vdec', role: 'decoder' },
      { name: 'dpu', role: 'display' },
      { name: 'gpu', role: 'gpu' },
    ],
    streams: [{ name: 'movie', audience: ['vdec', 'dpu'], trusted: ['hyp', 'secure'] }],
    reach,
    ...extra,
  });
}

const check = (w: ReturnType<typeof world>, state = w.initial) =>
  violationsOf(plaintextNeverReachesUntrusted, w, state);

describe('plaintextNeverReachesUntrusted', () => {
  it('flags the host reading a page that holds plaintext, with its path and the audience', () => {
    const w = world({ 0: { read: [HOST_CPU] } });
    const leaked = labelled(w.initial, w.content(0), plaintextOf('movie'));
    expect(check(w, leaked)).toStrictEqual([
      {
        property: 'plaintextNeverReachesUntrusted',
        subject: 'page scratch:0',
        parties: ['host'],
        expected: 'audience is vdec, dpu',
        actual:
          'holds plaintext of stream "movie"; readable by host via CPU (no hypervisor: the host kernel maps all memory)',
      },
    ]);
  });

  it('holds when the same page, read by the same host, is zero', () => {
    const w = world({ 0: { read: [HOST_CPU] } });
    expect(check(w)).toStrictEqual([]);
  });

  it('holds when the page holds only ciphertext: encrypted bytes are for anyone', () => {
    const w = world({ 0: { read: [HOST_CPU] } });
    expect(check(w, labelled(w.initial, w.content(0), ciphertextOf('movie')))).toStrictEqual([]);
  });

  it('holds when the plaintext page is readable by nobody', () => {
    const w = world({});
    expect(check(w, labelled(w.initial, w.content(0), plaintextOf('movie')))).toStrictEqual([]);
  });

  it('never flags the audience or the trusted parties (hyp, secure), by any path', () => {
    const readers = [dma('vdec'), dma('dpu'), cpu('hyp', 'hyp stage-1 (SHARED_BORROWED)'), secure()];
    const w = world({ 1: { read: readers } });
    const state = labelled(w.initial, w.content(1), plaintextOf('movie'));
    expect(check(w, state)).toStrictEqual([]);
    // Adding one untrusted reader to the same page adds exactly its violation.
    const withHost = world({ 1: { read: [...readers, HOST_CPU] } });
    expect(check(withHost, state).map((v) => v.parties)).toStrictEqual([['host']]);
  });

  it('flags a DMA master outside the audience as a reader like any other', () => {
    const w = world({ 1: { read: [dma('vdec'), dma('gpu', 'DMA with no IOMMU translation')] } });
    expect(check(w, labelled(w.initial, w.content(1), plaintextOf('movie')))).toStrictEqual([
      {
        property: 'plaintextNeverReachesUntrusted',
        subject: 'page carveout:0',
        parties: ['gpu'],
        expected: 'audience is vdec, dpu',
        actual: 'holds plaintext of stream "movie"; readable by gpu via DMA with no IOMMU translation',
      },
    ]);
  });

  it('asks who can read, not who can write: a write-only path to plaintext is no leak', () => {
    const w = world({ 0: { write: [HOST_CPU] } });
    expect(check(w, labelled(w.initial, w.content(0), plaintextOf('movie')))).toStrictEqual([]);
  });

  it("judges each stream against its own audience: a reader in one stream's audience leaks another", () => {
    const w = world(
      { 0: { read: [dma('vdec')] } },
      {
        streams: [
          { name: 'movie', audience: ['vdec', 'dpu'], trusted: ['hyp', 'secure'] },
          { name: 'ad', audience: ['dpu'], trusted: ['hyp', 'secure'] },
        ],
      },
    );
    const both = labelled(w.initial, w.content(0), mergeLabels(plaintextOf('movie'), plaintextOf('ad')));
    expect(check(w, both)).toStrictEqual([
      {
        property: 'plaintextNeverReachesUntrusted',
        subject: 'page scratch:0',
        parties: ['vdec'],
        expected: 'audience is dpu',
        actual: 'holds plaintext of stream "ad"; readable by vdec via DMA by vdec',
      },
    ]);
  });

  it("judges each secure app by the stream's own trusted set, not by a constant", () => {
    const ui = { party: 'trusted-ui', kind: 'secure', via: 'secure world, mapped into trusted-ui' } as const;
    const video = {
      party: 'secure-video',
      kind: 'secure',
      via: 'secure world, mapped into secure-video',
    } as const;
    const w = world(
      { 0: { read: [ui, video] } },
      {
        streams: [
          { name: 'movie', audience: ['secure-video', 'dpu'], trusted: ['hyp', 'secure-video'] },
          { name: 'menu', audience: ['trusted-ui', 'dpu'], trusted: ['hyp', 'trusted-ui'] },
        ],
      },
    );
    const movie = labelled(w.initial, w.content(0), plaintextOf('movie'));
    expect(check(w, movie).map((v) => [v.parties, v.expected])).toStrictEqual([
      [['trusted-ui'], 'audience is secure-video, dpu'],
    ]);
    const menu = labelled(w.initial, w.content(0), plaintextOf('menu'));
    expect(check(w, menu).map((v) => v.parties)).toStrictEqual([['secure-video']]);
  });

  it('flags one violation per page and untrusted reader, in page order', () => {
    const w = world({ 0: { read: [HOST_CPU, cpu('vmm')] }, 1: { read: [HOST_CPU] } });
    let state = labelled(w.initial, w.content(0), plaintextOf('movie'));
    state = labelled(state, w.content(1), plaintextOf('movie'));
    expect(check(w, state).map((v) => [v.subject, v.parties])).toStrictEqual([
      ['page scratch:0', ['host']],
      ['page scratch:0', ['vmm']],
      ['page carveout:0', ['host']],
    ]);
  });

  it('gives a stream the topology does not declare no audience and no trusted set: every reader leaks it', () => {
    const w = world({ 0: { read: [dma('dpu'), secure()] } });
    const state = labelled(w.initial, w.content(0), plaintextOf('trailer'));
    expect(check(w, state).map((v) => v.parties)).toStrictEqual([['dpu'], ['secure']]);
  });

  it('flags exactly the readers outside the audience and the trusted parties, whoever they are', () => {
    const parties = ['host', 'vmm', 'vdec', 'dpu', 'gpu', 'hyp', 'secure', 'decrypt'];
    const allowed = new Set(['vdec', 'dpu', 'hyp', 'secure']);
    fc.assert(
      fc.property(fc.uniqueArray(fc.constantFrom(...parties)), (readers) => {
        const w = world({ 0: { read: readers.map((party) => cpu(party)) } });
        const flagged = check(w, labelled(w.initial, w.content(0), plaintextOf('movie'))).map(
          (v) => v.parties?.[0],
        );
        expect(flagged).toStrictEqual(readers.filter((party) => !allowed.has(party)));
      }),
      { seed: 20261126, numRuns: 200 },
    );
  });

  it('has nothing to judge on a world that is not an SDP world', () => {
    expect(plaintextNeverReachesUntrusted.world!({ parts: [] }, NOT_SDP_MODEL)).toStrictEqual([]);
  });
});
