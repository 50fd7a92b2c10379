/**
 * pageConservation on hand-made worlds: a pKVM page annotated as owned by a guest that is gone,
 * a page lent over FF-A with no transaction behind it, and a dynamic protected pool that gave
 * its pages back to the kernel while the secure world still holds them. Quarantined pages are
 * accounted for.
 */
import { describe, expect, it } from 'vitest';
import { pageConservation } from '../../../properties/sdp/pageConservation.ts';
import { edit, NOT_SDP_MODEL, sdpWorld, violationsOf } from '../../support/sdpModels.ts';

/** Under pKVM: the decrypt VM's RAM (pages 0, 1), a CMA area a dynamic heap lends (2, 3), one FF-A slot. */
function world() {
  return sdpWorld({
    hypervisor: 'pkvm',
    pages: ['decrypt-ram', 'decrypt-ram', 'cma', 'cma'],
    guests: [{ name: 'decrypt', protected: true }],
    pools: [{ heap: 'secure-video', pool: 'dynamic', pages: [2, 3] }],
    ffaSlots: 1,
  });
}

type World = ReturnType<typeof world>;
const check = (w: World, state = w.initial) => violationsOf(pageConservation, w, state);

/** The decrypt VM owns page 0 (the host PTE annotated with it). */
const ownedByDecrypt = (w: World) =>
  edit(w.initial, w.pkvm(0), 'NOPAGE.ownedByGuest', { guestOwner: 0, guests: ['OWNED'] });

/** The dynamic pool's pages lent to the secure world over handle 0, retrieved. */
function lent(w: World) {
  const state = edit(w.initial, w.ffa(0), 'live.retrieved', {
    shareFunc: 'FFA_MEM_LEND',
    sender: 'host',
    pages: [2, 3],
    receivers: [{ id: 'sp:optee', access: 'RW', secure: true }],
    retrievedFragmentCount: [1],
  });
  return edit(state, w.pool('secure-video'), 'registered.lent', { pages: [2, 3], pageCount: 2 });
}

describe('pageConservation', () => {
  it('holds on a world where nothing has moved', () => {
    const w = world();
    expect(check(w)).toStrictEqual([]);
  });

  describe('a page owned by a guest', () => {
    it('is lost once the guest is destroyed with the page still annotated as its own', () => {
      const w = world();
      expect(check(w, edit(ownedByDecrypt(w), w.guest('decrypt'), 'destroyed'))).toStrictEqual([
        {
          property: 'pageConservation',
          subject: 'page decrypt-ram:0',
          parties: ['decrypt'],
          expected: 'owned by a live component',
          actual: 'annotated as owned by destroyed guest decrypt',
        },
      ]);
    });

    it('is accounted for while the guest lives, even while it is dying', () => {
      const w = world();
      expect(check(w, ownedByDecrypt(w))).toStrictEqual([]);
      expect(check(w, edit(ownedByDecrypt(w), w.guest('decrypt'), 'dying'))).toStrictEqual([]);
    });

    it('is accounted for once the host reclaimed it before the guest was destroyed', () => {
      const w = world();
      const reclaimed = edit(ownedByDecrypt(w), w.pkvm(0), 'OWNED', { guestOwner: -1, guests: ['POISON'] });
      expect(check(w, edit(reclaimed, w.guest('decrypt'), 'destroyed'))).toStrictEqual([]);
    });
  });

  describe('a page lent over FF-A with unmap-on-lend', () => {
    const unmapped = (w: World, state = w.initial) => edit(state, w.pkvm(2), 'NOPAGE.ownedByFfa');

    it('is lost when no transaction covers it', () => {
      const w = world();
      expect(check(w, unmapped(w))).toStrictEqual([
        {
          property: 'pageConservation',
          subject: 'page cma:0',
          expected: 'a page lent over FF-A is covered by a live transaction',
          actual: 'host NOPAGE owned by FF-A with no transaction that could return it',
        },
      ]);
    });

    it('is accounted for while a live transaction covers it', () => {
      const w = world();
      expect(check(w, unmapped(w, lent(w)))).toStrictEqual([]);
    });
  });

  describe('a dynamic pool', () => {
    it('breaks conservation when it gave back pages the secure world still holds', () => {
      const w = world();
      const returned = edit(lent(w), w.pool('secure-video'), 'registered.unlent', {
        pages: [],
        pageCount: 2,
      });
      expect(check(w, returned)).toStrictEqual(
        ['cma:0', 'cma:1'].map((label) => ({
          property: 'pageConservation',
          subject: `page ${label}`,
          parties: ['secure'],
          expected: 'held by one owner: back with the kernel only once the secure world gave it up',
          actual:
            "returned to the kernel's allocator by heap secure-video while still lent to the secure world",
        })),
      );
    });

    it('holds while it keeps the lent pages', () => {
      const w = world();
      expect(check(w, lent(w))).toStrictEqual([]);
    });

    it('holds once the secure world gave the pages back (the transaction is gone)', () => {
      const w = world();
      const reclaimed = edit(lent(w), w.ffa(0), 'free', { shareFunc: null, pages: [] });
      expect(
        check(w, edit(reclaimed, w.pool('secure-video'), 'registered.unlent', { pages: [] })),
      ).toStrictEqual([]);
    });

    it('counts quarantined pages as accounted for', () => {
      const w = world();
      const quarantined = edit(lent(w), w.pool('secure-video'), 'registered.unlent', {
        pages: [],
        quarantined: [2],
      });
      expect(check(w, quarantined).map((v) => v.subject)).toStrictEqual(['page cma:1']);
    });

    it('is the only kind of pool asked: a static pool with no pages over a live lend is not', () => {
      const w = sdpWorld({
        hypervisor: 'pkvm',
        pages: ['carveout', 'carveout'],
        pools: [{ heap: 'secure-video', pool: 'static', pages: [0, 1] }],
        ffaSlots: 1,
      });
      const state = edit(w.initial, w.ffa(0), 'live.retrieved', { shareFunc: 'FFA_MEM_LEND', pages: [0, 1] });
      expect(check(w, state)).toStrictEqual([]);
    });
  });

  it('has no pKVM annotations to check on a world without a hypervisor', () => {
    const w = sdpWorld({ pages: ['dram'], guests: [{ name: 'decrypt', protected: true }] });
    expect(check(w, edit(w.initial, w.guest('decrypt'), 'destroyed'))).toStrictEqual([]);
  });

  it('has nothing to judge on a world that is not an SDP world', () => {
    expect(pageConservation.world!({ parts: [] }, NOT_SDP_MODEL)).toStrictEqual([]);
  });
});
