/**
 * protectedBufferNotExposed on hand-made worlds: a protected dma-buf's CPU mappings (mmap,
 * vmap) and the virtio-gpu imports that hand its pages to the VMM, judged against the pipeline
 * stream's audience. The stub reach answers nobody for every page: the property holds exporters
 * to their contract whether or not a firewall would stop the read.
 */
import { describe, expect, it } from 'vitest';
import { protectedBufferNotExposed } from '../../../properties/sdp/protectedBufferNotExposed.ts';
import { edit, NOT_SDP_MODEL, type SdpSpec, sdpWorld, violationsOf } from '../../support/sdpModels.ts';

/** A protected bitstream buffer on the carveout, a clear ciphertext buffer, a guest importing. */
function world(extra: Partial<SdpSpec> = {}) {
  return sdpWorld({
    pages: ['carveout', 'carveout', 'dram'],
    buffers: [
      { name: 'bitstream', pages: [0, 1], heap: 'protectedStatic' },
      { name: 'ciphertext', pages: [2], heap: 'system' },
    ],
    streams: [
      { name: 'movie', audience: ['vdec', 'dpu'], trusted: ['hyp', 'secure'] },
      { name: 'ad', audience: ['host'], trusted: ['hyp', 'secure'] },
    ],
    pipeline: { stream: 'movie' },
    imports: [{ buffer: 'bitstream', guest: 'display' }],
    ...extra,
  });
}

const check = (w: ReturnType<typeof world>, state = w.initial) =>
  violationsOf(protectedBufferNotExposed, w, state);

describe('protectedBufferNotExposed', () => {
  it('flags the host holding an mmap of a protected buffer', () => {
    const w = world();
    const mapped = edit(w.initial, w.buffer('bitstream'), 'exported', { mmaps: ['host'] });
    expect(check(w, mapped)).toStrictEqual([
      {
        property: 'protectedBufferNotExposed',
        subject: 'protected buffer bitstream',
        parties: ['host'],
        expected: 'no CPU mapping outside the audience (vdec, dpu)',
        actual: 'host holds a CPU mapping (mmap)',
      },
    ]);
  });

  it('holds when the mmap is held by the audience instead', () => {
    const w = world();
    const mapped = edit(w.initial, w.buffer('bitstream'), 'exported', { mmaps: ['dpu'] });
    expect(check(w, mapped)).toStrictEqual([]);
  });

  it('flags a kernel vmap like an mmap, naming which it is', () => {
    const w = world();
    const mapped = edit(w.initial, w.buffer('bitstream'), 'exported', { vmaps: ['host'] });
    expect(check(w, mapped).map((v) => v.actual)).toStrictEqual(['host holds a CPU mapping (vmap)']);
  });

  it('never flags a trusted party mapping the buffer', () => {
    const w = world();
    const mapped = edit(w.initial, w.buffer('bitstream'), 'exported', { mmaps: ['secure'], vmaps: ['hyp'] });
    expect(check(w, mapped)).toStrictEqual([]);
  });

  it("judges against the pipeline stream's audience, not any stream's", () => {
    // `host` may see the ad; the protected buffer carries the movie, so its mmap is flagged
    // (first case). The same mmap is fine where the pipeline plays the ad.
    const w = world({ pipeline: { stream: 'ad' } });
    const mapped = edit(w.initial, w.buffer('bitstream'), 'exported', { mmaps: ['host'] });
    expect(check(w, mapped)).toStrictEqual([]);
  });

  it('says nothing about a buffer that is not protected', () => {
    const w = world();
    const mapped = edit(w.initial, w.buffer('ciphertext'), 'exported', { mmaps: ['host'], vmaps: ['vmm'] });
    expect(check(w, mapped)).toStrictEqual([]);
    // The same mapping of the same buffer, declared protected, is flagged.
    const declared = world({
      buffers: [
        { name: 'bitstream', pages: [0, 1], heap: 'protectedStatic' },
        { name: 'ciphertext', pages: [2], heap: 'system', protected: true },
      ],
    });
    const remapped = edit(declared.initial, declared.buffer('ciphertext'), 'exported', { mmaps: ['host'] });
    expect(check(declared, remapped).map((v) => v.subject)).toStrictEqual(['protected buffer ciphertext']);
  });

  it('flags a virtio-gpu import that handed the buffer pages to the VMM as a guest blob', () => {
    const w = world();
    const blob = edit(w.initial, w.import('bitstream', 'display'), 'blobCreated', {
      pages: [1],
      bufferProtected: true,
    });
    expect(check(w, blob)).toStrictEqual([
      {
        property: 'protectedBufferNotExposed',
        subject: 'protected buffer bitstream',
        parties: ['vmm'],
        expected: "its pages stay out of the VMM's reach (audience vdec, dpu)",
        actual: 'virtio-gpu import by display handed its page addresses to the VMM as an ordinary guest blob',
      },
    ]);
  });

  it('holds while the import has mapped the buffer but not yet created the blob', () => {
    const w = world();
    const mapped = edit(w.initial, w.import('bitstream', 'display'), 'mapped', {
      pages: [1],
      bufferProtected: true,
    });
    expect(check(w, mapped)).toStrictEqual([]);
  });

  it('holds when the blob holds pages of another buffer only', () => {
    const w = world();
    const blob = edit(w.initial, w.import('bitstream', 'display'), 'blobCreated', { pages: [2] });
    expect(check(w, blob)).toStrictEqual([]);
  });

  it('holds for the import when the VMM is in the audience', () => {
    const w = world({
      streams: [{ name: 'movie', audience: ['vdec', 'dpu', 'vmm'], trusted: ['hyp', 'secure'] }],
    });
    const blob = edit(w.initial, w.import('bitstream', 'display'), 'blobCreated', { pages: [0, 1] });
    expect(check(w, blob)).toStrictEqual([]);
  });

  it('has nothing to judge on a world that is not an SDP world', () => {
    expect(protectedBufferNotExposed.world!({ parts: [] }, NOT_SDP_MODEL)).toStrictEqual([]);
  });
});
