/**
 * scrubBeforeReuse on hand-made worlds: a page holding plaintext breaks the claim only while it
 * is free for the next allocation, that is in no live buffer, owned by no live guest, lent over
 * no FF-A transaction and neither handed out nor quarantined by a protected pool.
 */
import { describe, expect, it } from 'vitest';
import { ciphertextOf, mergeLabels, plaintextOf, ZERO_LABEL } from '../../../machines/contentLabel.ts';
import { scrubBeforeReuse } from '../../../properties/sdp/scrubBeforeReuse.ts';
import { edit, labelled, NOT_SDP_MODEL, sdpWorld, violationsOf } from '../../support/sdpModels.ts';

/** Two carveout pages, the first in a protected buffer and the static pool of its heap; one FF-A slot. */
function world() {
  return sdpWorld({
    pages: ['carveout', 'carveout'],
    buffers: [{ name: 'bitstream', pages: [0], heap: 'protectedStatic' }],
    pools: [{ heap: 'secure-video', pool: 'static', pages: [0, 1] }],
    ffaSlots: 1,
  });
}

/** A protected VM's RAM under pKVM: its frame buffer on page 0, page 1 owned by the VM alone. */
function guestWorld() {
  return sdpWorld({
    hypervisor: 'pkvm',
    pages: ['decrypt-ram', 'decrypt-ram'],
    guests: [{ name: 'decrypt', protected: true }],
    buffers: [{ name: 'frame', pages: [0], allocatedBy: 'decrypt' }],
  });
}

const check = (w: ReturnType<typeof sdpWorld>, state = w.initial) => violationsOf(scrubBeforeReuse, w, state);

const movieOn = (w: ReturnType<typeof sdpWorld>, pfn: number) =>
  labelled(w.initial, w.content(pfn), plaintextOf('movie'));

describe('scrubBeforeReuse', () => {
  it('flags a free page still holding plaintext', () => {
    const w = world();
    expect(check(w, movieOn(w, 0))).toStrictEqual([
      {
        property: 'scrubBeforeReuse',
        subject: 'page carveout:0',
        expected: 'zeroed before it is free for reuse',
        actual: 'free, still holding plaintext of "movie"',
      },
    ]);
  });

  it('holds for the same page once scrubbed', () => {
    const w = world();
    expect(check(w, labelled(movieOn(w, 0), w.content(0), ZERO_LABEL))).toStrictEqual([]);
  });

  it('holds while the page is in a live buffer', () => {
    const w = world();
    expect(check(w, edit(movieOn(w, 0), w.buffer('bitstream'), 'exported', { pages: [0] }))).toStrictEqual(
      [],
    );
  });

  it('names every stream the free page may hold, and ignores ciphertext', () => {
    const w = world();
    const label = mergeLabels(mergeLabels(plaintextOf('movie'), plaintextOf('ad')), ciphertextOf('trailer'));
    expect(check(w, labelled(w.initial, w.content(1), label)).map((v) => v.actual)).toStrictEqual([
      'free, still holding plaintext of "ad", "movie"',
    ]);
    expect(check(w, labelled(w.initial, w.content(1), ciphertextOf('movie')))).toStrictEqual([]);
  });

  describe('a dma-buf keeps its pages out of reuse', () => {
    it('while its free waits on the secure world', () => {
      const w = world();
      expect(check(w, edit(movieOn(w, 0), w.buffer('bitstream'), 'reclaiming'))).toStrictEqual([]);
    });

    it('once quarantined after a failed reclaim: a page in a quarantined buffer is not free', () => {
      const w = world();
      expect(check(w, edit(movieOn(w, 0), w.buffer('bitstream'), 'quarantined'))).toStrictEqual([]);
    });

    it('but not once freed', () => {
      const w = world();
      expect(
        check(w, edit(movieOn(w, 0), w.buffer('bitstream'), 'free')).map((v) => v.subject),
      ).toStrictEqual(['page carveout:0']);
    });
  });

  describe('a protected pool keeps its pages out of reuse', () => {
    it('while it has handed the page out', () => {
      const w = world();
      expect(
        check(w, edit(movieOn(w, 1), w.pool('secure-video'), 'registered.serving', { allocated: [1] })),
      ).toStrictEqual([]);
    });

    it('while the page waits for a lend to finish', () => {
      const w = world();
      expect(
        check(w, edit(movieOn(w, 1), w.pool('secure-video'), 'registered.lending', { pendingAlloc: [1] })),
      ).toStrictEqual([]);
    });

    it('once it quarantined the page', () => {
      const w = world();
      expect(
        check(w, edit(movieOn(w, 1), w.pool('secure-video'), 'registered.serving', { quarantined: [1] })),
      ).toStrictEqual([]);
    });

    it('but not once the page is back in the pool', () => {
      const w = world();
      const back = edit(movieOn(w, 1), w.pool('secure-video'), 'registered.serving', { pages: [0, 1] });
      expect(check(w, back).map((v) => v.subject)).toStrictEqual(['page carveout:1']);
    });
  });

  it('keeps a page lent over a live FF-A transaction out of reuse, and not after the slot is freed', () => {
    const w = world();
    const lent = edit(movieOn(w, 1), w.ffa(0), 'live.retrieved', { shareFunc: 'FFA_MEM_LEND', pages: [1] });
    expect(check(w, lent)).toStrictEqual([]);
    expect(
      check(w, edit(lent, w.ffa(0), 'free', { shareFunc: null, pages: [] })).map((v) => v.subject),
    ).toStrictEqual(['page carveout:1']);
  });

  describe('guest memory', () => {
    const running = (w: ReturnType<typeof sdpWorld>, state = w.initial) =>
      edit(state, w.guest('decrypt'), 'running.vcpuPut', { initialisedVcpus: 1 });

    it('is in use while its guest lives', () => {
      const w = guestWorld();
      expect(check(w, running(w, movieOn(w, 0)))).toStrictEqual([]);
    });

    it('is free once its guest is destroyed', () => {
      const w = guestWorld();
      const destroyed = edit(movieOn(w, 0), w.guest('decrypt'), 'destroyed');
      expect(check(w, destroyed).map((v) => v.subject)).toStrictEqual(['page decrypt-ram:0']);
    });

    it('keeps a page its live guest owns (OWNED or SHARED_OWNED) in no buffer out of reuse', () => {
      const w = guestWorld();
      for (const view of ['OWNED', 'SHARED_OWNED'] as const) {
        const owned = edit(running(w, movieOn(w, 1)), w.pkvm(1), 'NOPAGE.ownedByGuest', {
          guestOwner: 0,
          guests: [view],
        });
        expect(check(w, owned)).toStrictEqual([]);
      }
    });

    it('frees a page the guest only borrows, or the page of a destroyed guest', () => {
      const w = guestWorld();
      const borrowed = edit(running(w, movieOn(w, 1)), w.pkvm(1), 'SHARED_OWNED', {
        guests: ['SHARED_BORROWED'],
      });
      expect(check(w, borrowed).map((v) => v.subject)).toStrictEqual(['page decrypt-ram:1']);
      const owned = edit(movieOn(w, 1), w.pkvm(1), 'NOPAGE.ownedByGuest', {
        guestOwner: 0,
        guests: ['OWNED'],
      });
      const destroyed = edit(owned, w.guest('decrypt'), 'destroyed');
      expect(check(w, destroyed).map((v) => v.subject)).toStrictEqual(['page decrypt-ram:1']);
    });
  });

  it('has nothing to judge on a world that is not an SDP world', () => {
    expect(scrubBeforeReuse.world!({ parts: [] }, NOT_SDP_MODEL)).toStrictEqual([]);
  });
});
