/**
 * One Gunyah memory parcel: create, accept, release and reclaim as the resource manager's
 * src/memparcel/memparcel.c does them, with the RM_ERROR_* codes `memparcel_do_accept()`,
 * `memparcel_release()` and `memparcel_do_reclaim()` return, and who maps the memory in each
 * state (lend unmaps the owner, share keeps it, donate moves the memory).
 */
import { describe, expect, it } from 'vitest';
import {
  type GunyahMemparcelContext,
  type GunyahMemparcelEvent,
  type GunyahMemparcelInput,
  gunyahMemparcelMachine,
  gunyahMemparcelRefusals,
  memparcelAcceptedBy,
  memparcelAccess,
} from '../../machines/gunyahMemparcelMachine.ts';
import { machineDriver } from '../support/machineDriver.ts';

const parcel = machineDriver<GunyahMemparcelContext, GunyahMemparcelEvent>(
  gunyahMemparcelMachine,
  gunyahMemparcelRefusals,
);

const create: GunyahMemparcelEvent = { type: 'MEM_CREATE' };
const accept = (vm: string): GunyahMemparcelEvent => ({ type: 'MEM_ACCEPT', vm });
const release = (vm: string): GunyahMemparcelEvent => ({ type: 'MEM_RELEASE', vm });
const reclaim = (vm: string): GunyahMemparcelEvent => ({ type: 'MEM_RECLAIM', vm });

const created = (input: Omit<GunyahMemparcelInput, 'handle'>) =>
  parcel.accept(parcel.start({ handle: 1, ...input }), create);
const lend = created({ owner: 'infotainment', kind: 'lend', acl: [{ vm: 'cluster', rights: 'rw' }] });

describe('lend (MEM_LEND)', () => {
  it('unmaps the owner; the ACL VM maps it only once it accepts', () => {
    expect(lend.value).toBe('sharing');
    expect(memparcelAccess(lend, 'infotainment')).toBeUndefined();
    expect(memparcelAccess(lend, 'cluster')).toBeUndefined();
    const accepted = parcel.accept(lend, accept('cluster'));
    expect(accepted.value).toBe('shared');
    expect(memparcelAcceptedBy(accepted, 'cluster')).toBe(true);
    expect(memparcelAccess(accepted, 'cluster')).toBe('rw');
    expect(memparcelAccess(accepted, 'infotainment')).toBeUndefined();
  });

  it('reclaim gives the owner its memory back only after every acceptor released', () => {
    const two = created({
      owner: 'host',
      kind: 'lend',
      acl: [
        { vm: 'a', rights: 'rw' },
        { vm: 'b', rights: 'r' },
      ],
    });
    const both = parcel.accept(parcel.accept(two, accept('b')), accept('a'));
    expect(both.context.accepted).toEqual(['a', 'b']);
    expect(memparcelAccess(both, 'b')).toBe('r');
    const oneLeft = parcel.accept(both, release('a'));
    expect(oneLeft.value).toBe('shared');
    expect(parcel.refusalDifferences(oneLeft, [[reclaim('host'), 'RM_ERROR_MEM_INUSE']])).toEqual([]);
    const none = parcel.accept(oneLeft, release('b'));
    expect(none.value).toBe('sharing');
    const back = parcel.accept(none, reclaim('host'));
    expect(back.value).toBe('reclaimed');
    expect(memparcelAccess(back, 'host')).toBe('owner');
    expect(memparcelAccess(back, 'a')).toBeUndefined();
  });
});

describe('share (MEM_SHARE) and donate (MEM_DONATE)', () => {
  it('a share keeps the owner mapped with its ACL rights', () => {
    const share = created({
      owner: 'infotainment',
      kind: 'share',
      acl: [
        { vm: 'infotainment', rights: 'rw' },
        { vm: 'cluster', rights: 'r' },
      ],
    });
    expect(memparcelAccess(share, 'infotainment')).toBe('rw');
    expect(memparcelAccess(parcel.accept(share, accept('cluster')), 'cluster')).toBe('r');
    expect(parcel.refusalDifferences(share, [[accept('infotainment'), 'RM_ERROR_DENIED']])).toEqual([]);
  });

  it('an accepted donation moves the memory to the acceptor', () => {
    const donate = created({ owner: 'host', kind: 'donate', acl: [{ vm: 'cluster', rights: 'rw' }] });
    expect(memparcelAccess(donate, 'host')).toBeUndefined();
    const done = parcel.accept(donate, accept('cluster'));
    expect(done.value).toBe('donated');
    expect(memparcelAccess(done, 'cluster')).toBe('owner');
    expect(memparcelAccess(done, 'host')).toBeUndefined();
    expect(parcel.refusalDifferences(done, [[reclaim('host'), 'RM_ERROR_HANDLE_INVALID']])).toEqual([]);
  });
});

describe('refusals (memparcel_do_accept, memparcel_release, memparcel_do_reclaim)', () => {
  it('an accept by a VM outside the ACL: RM_ERROR_VMID_INVALID; a second accept: RM_ERROR_DENIED', () => {
    expect(parcel.refusalDifferences(lend, [[accept('host'), 'RM_ERROR_VMID_INVALID']])).toEqual([]);
    const accepted = parcel.accept(lend, accept('cluster'));
    expect(parcel.refusalDifferences(accepted, [[accept('cluster'), 'RM_ERROR_DENIED']])).toEqual([]);
  });

  it('a release by a VM that has not accepted: RM_ERROR_MEM_RELEASED; by the owner: RM_ERROR_DENIED', () => {
    expect(parcel.refusalDifferences(lend, [[release('cluster'), 'RM_ERROR_MEM_RELEASED']])).toEqual([]);
    expect(parcel.refusalDifferences(lend, [[release('infotainment'), 'RM_ERROR_HANDLE_INVALID']])).toEqual(
      [],
    );
    const accepted = parcel.accept(lend, accept('cluster'));
    expect(parcel.refusalDifferences(accepted, [[release('nav'), 'RM_ERROR_MEM_RELEASED']])).toEqual([]);
  });

  it('a reclaim by another VM: RM_ERROR_DENIED; while accepted: RM_ERROR_MEM_INUSE', () => {
    expect(parcel.refusalDifferences(lend, [[reclaim('cluster'), 'RM_ERROR_DENIED']])).toEqual([]);
    const accepted = parcel.accept(lend, accept('cluster'));
    expect(parcel.refusalDifferences(accepted, [[reclaim('infotainment'), 'RM_ERROR_MEM_INUSE']])).toEqual(
      [],
    );
  });

  it('a deleted parcel: RM_ERROR_HANDLE_INVALID', () => {
    const gone = parcel.accept(lend, reclaim('infotainment'));
    expect(parcel.refusalDifferences(gone, [[accept('cluster'), 'RM_ERROR_HANDLE_INVALID']])).toEqual([]);
  });
});
