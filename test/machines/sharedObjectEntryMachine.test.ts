/**
 * One UUID of QEMU's shared-object table (virtio-dmabuf.c, vhost-user.c): first writer wins,
 * only the owner removes, any back-end looks up (today), and vhost_dev_cleanup() drops a dead
 * back-end's entries. The cleanup cases follow the series' unit test `cleanup_dev` (entries of
 * device A go, device B's entry survives).
 */
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import {
  entryIsAbsent,
  type OwnerReply,
  type SharedObjectEntryContext,
  type SharedObjectEntryEvent,
  sharedObjectEntryFlaws,
  sharedObjectEntryMachine,
  sharedObjectEntryRefusals,
  sharedObjectEntryWithAccessControlMachine,
} from '../../machines/sharedObjectEntryMachine.ts';
import { compareDrivers, machineDriver } from '../support/machineDriver.ts';
import { expectTrueExactlyIn } from './statePredicates.ts';

type E = SharedObjectEntryEvent;

const driverFor = (machine: AnyStateMachine) =>
  machineDriver<SharedObjectEntryContext, E>(machine, sharedObjectEntryRefusals, { input: { uuid: 'u-1' } });

const qemu = driverFor(sharedObjectEntryMachine);
const acl = driverFor(sharedObjectEntryWithAccessControlMachine);

const add = (backend: string, allowed?: string[]): E =>
  allowed ? { type: 'SHARED_OBJECT_ADD', backend, allowed } : { type: 'SHARED_OBJECT_ADD', backend };
const addDmabuf = (device = 'virtio-gpu', fdValid = true, allowed?: string[]): E =>
  allowed
    ? { type: 'VIRTIO_ADD_DMABUF', device, fdValid, allowed }
    : { type: 'VIRTIO_ADD_DMABUF', device, fdValid };
const remove = (backend: string): E => ({ type: 'SHARED_OBJECT_REMOVE', backend });
const lookup = (backend: string, ownerReply: OwnerReply = 'fd'): E => ({
  type: 'SHARED_OBJECT_LOOKUP',
  backend,
  ownerReply,
});
const cleanup = (backend: string): E => ({ type: 'VHOST_DEV_CLEANUP', backend });
const qemuRemove: E = { type: 'VIRTIO_REMOVE_RESOURCE' };

describe('first writer wins (virtio_add_resource)', () => {
  it('keeps the first back-end as owner; a duplicate add fails', () => {
    const owned = qemu.run([add('video')]);
    expect(owned.value).toBe('vhostDevice');
    expect(owned.context.owner).toBe('video');
    expect(
      qemu.refusalDifferences(owned, [
        [add('display'), 'QEMU_SHARED_OBJECT_EXISTS'],
        [add('video'), 'QEMU_SHARED_OBJECT_EXISTS'],
        [addDmabuf(), 'QEMU_SHARED_OBJECT_EXISTS'],
      ]),
    ).toEqual([]);
  });

  it('keeps a QEMU dma-buf entry against a back-end add, as the unit test add_invalid_res', () => {
    const held = qemu.run([addDmabuf('virtio-gpu')]);
    expect(held.value).toBe('dmabuf');
    expect(held.context).toMatchObject({ owner: null, device: 'virtio-gpu' });
    expect(
      qemu.refusalDifferences(held, [
        [add('video'), 'QEMU_SHARED_OBJECT_EXISTS'],
        [addDmabuf('other'), 'QEMU_SHARED_OBJECT_EXISTS'],
      ]),
    ).toEqual([]);
  });

  it('rejects a negative fd before touching the table (virtio_add_dmabuf)', () => {
    expect(qemu.refusalDifferences(qemu.start(), [[addDmabuf('virtio-gpu', false), 'EINVAL']])).toEqual([]);
    expect(
      qemu.refusalDifferences(qemu.run([add('video')]), [[addDmabuf('virtio-gpu', false), 'EINVAL']]),
    ).toEqual([]);
  });
});

describe('lookup by a non-owner', () => {
  it('without access control (QEMU): the non-owner receives the owner fd via GET_SHARED_OBJECT', () => {
    const { snap, emitted } = qemu.acceptEmitting(qemu.run([add('video')]), lookup('attacker'));
    expect(emitted).toEqual([
      {
        type: 'SHARED_OBJECT_FD_HANDED',
        uuid: 'u-1',
        to: 'attacker',
        from: 'video',
        via: 'VHOST_USER_GET_SHARED_OBJECT',
      },
    ]);
    expect(snap.context.handedTo).toEqual(['attacker']);
    expect(snap.value).toBe('vhostDevice');
  });

  it("without access control (QEMU): a TYPE_DMABUF entry hands out QEMU's own fd", () => {
    const { emitted } = qemu.acceptEmitting(qemu.run([addDmabuf('virtio-gpu')]), lookup('attacker'));
    expect(emitted).toEqual([
      {
        type: 'SHARED_OBJECT_FD_HANDED',
        uuid: 'u-1',
        to: 'attacker',
        from: 'qemu:virtio-gpu',
        via: 'virtio_lookup_dmabuf',
      },
    ]);
  });

  it('with access control (variant): refused unless the adder allowed it; the owner may always look up', () => {
    const owned = acl.run([add('video', ['display'])]);
    expect(acl.refusalDifferences(owned, [[lookup('attacker'), 'EACCES']])).toEqual([]);
    expect(acl.call(owned, lookup('display')).ok).toBe(true);
    expect(acl.call(owned, lookup('video')).ok).toBe(true);
    const held = acl.run([addDmabuf('virtio-gpu', true, ['display'])]);
    expect(acl.refusalDifferences(held, [[lookup('attacker'), 'EACCES']])).toEqual([]);
    expect(acl.call(held, lookup('display')).ok).toBe(true);
  });

  it('records every back-end that received the fd, once each', () => {
    const snap = qemu.run([add('video'), lookup('display'), lookup('attacker'), lookup('display')]);
    expect(snap.context.handedTo).toEqual(['attacker', 'display']);
  });
});

describe('lookup failures', () => {
  it('-EINVAL for an absent UUID; the owner reply decides for TYPE_VHOST_DEV', () => {
    expect(qemu.refusalDifferences(qemu.start(), [[lookup('display'), 'EINVAL']])).toEqual([]);
    expect(
      qemu.refusalDifferences(qemu.run([add('video')]), [
        [lookup('display', 'channelClosed'), 'EIO'],
        [lookup('display', 'unexpectedType'), 'EPROTO'],
        [lookup('display', 'noFd'), 'EIO'],
      ]),
    ).toEqual([]);
  });
});

describe('remove (vhost_user_backend_handle_shared_object_remove)', () => {
  it('by the owner: entry gone, the UUID can be added again', () => {
    const gone = qemu.run([add('video'), lookup('display'), remove('video')]);
    expect(gone.value).toBe('absent');
    expect(gone.context.handedTo).toEqual([]);
    expect(qemu.accept(gone, add('display')).context.owner).toBe('display');
  });

  it('by a non-owner: refused silently (reply 1), entry kept', () => {
    const owned = qemu.run([add('video')]);
    expect(qemu.refusalDifferences(owned, [[remove('attacker'), 'QEMU_NOT_OWNER']])).toEqual([]);
  });

  it('of a TYPE_DMABUF entry: refused for every back-end', () => {
    expect(qemu.refusalDifferences(qemu.run([addDmabuf()]), [[remove('video'), 'QEMU_NOT_OWNER']])).toEqual(
      [],
    );
  });

  it('of an absent UUID: refused', () => {
    expect(qemu.refusalDifferences(qemu.start(), [[remove('video'), 'QEMU_NO_SUCH_OBJECT']])).toEqual([]);
  });

  it('by QEMU itself (virtio_remove_resource): no type or owner check', () => {
    expect(qemu.run([addDmabuf(), qemuRemove]).value).toBe('absent');
    expect(qemu.run([add('video'), qemuRemove]).value).toBe('absent');
    expect(qemu.refusalDifferences(qemu.start(), [[qemuRemove, 'QEMU_NO_SUCH_OBJECT']])).toEqual([]);
  });
});

describe('cleanup on back-end death (virtio_dmabuf_vhost_cleanup)', () => {
  it("removes only the dead back-end's entries", () => {
    const entries = {
      a1: qemu.run([add('a')], { uuid: 'a1' }),
      a2: qemu.run([add('a')], { uuid: 'a2' }),
      b1: qemu.run([add('b')], { uuid: 'b1' }),
      q1: qemu.run([addDmabuf()], { uuid: 'q1' }),
    };
    const after = Object.fromEntries(
      Object.entries(entries).map(([uuid, snap]) => {
        const result = qemu.call(snap, cleanup('a'));
        return [uuid, result.ok ? result.snap.value : result.code];
      }),
    );
    expect(after).toEqual({ a1: 'absent', a2: 'absent', b1: 'NO_EFFECT', q1: 'NO_EFFECT' });
    expect(qemu.refusalDifferences(qemu.start(), [[cleanup('a'), 'NO_EFFECT']])).toEqual([]);
  });
});

describe('named flaws: the flawed machine accepts what the sound one refuses', () => {
  it('lookupWithoutAccessControl turns the access-controlled variant back into QEMU', () => {
    const flawed = driverFor(
      sharedObjectEntryWithAccessControlMachine.provide(
        sharedObjectEntryFlaws.lookupWithoutAccessControl.provide,
      ),
    );
    const owned = [add('video', ['display'])];
    expect(acl.refusalDifferences(acl.run(owned), [[lookup('attacker'), 'EACCES']])).toEqual([]);
    expect(flawed.call(flawed.run(owned), lookup('attacker')).ok).toBe(true);
  });

  it('removeByNonOwner: a non-owner removes a back-end entry and a QEMU dma-buf entry', () => {
    const flawed = driverFor(
      sharedObjectEntryMachine.provide(sharedObjectEntryFlaws.removeByNonOwner.provide),
    );
    expect(flawed.run([add('video'), remove('attacker')]).value).toBe('absent');
    expect(flawed.run([addDmabuf(), remove('attacker')]).value).toBe('absent');
  });

  it('staleEntriesAfterBackendDeath: the entry survives its owner and blocks the UUID', () => {
    const flawed = driverFor(
      sharedObjectEntryMachine.provide(sharedObjectEntryFlaws.staleEntriesAfterBackendDeath.provide),
    );
    expect(qemu.run([add('video'), cleanup('video')]).value).toBe('absent');
    const stale = flawed.run([add('video')]);
    expect(
      flawed.refusalDifferences(stale, [
        [cleanup('video'), 'NO_EFFECT'],
        [add('video-restarted'), 'QEMU_SHARED_OBJECT_EXISTS'],
        [lookup('display', 'channelClosed'), 'EIO'],
      ]),
    ).toEqual([]);
    expect(stale.context.owner).toBe('video');
  });

  it('every flaw has a summary naming the QEMU function it stands for', () => {
    for (const flaw of Object.values(sharedObjectEntryFlaws)) {
      expect(flaw.summary).toMatch(/^[A-Z].*\w+\(\).*\.$/);
    }
  });
});

describe('compiled driver and XState agree', () => {
  const events: E[] = [
    lookup('display'),
    remove('video'),
    add('video', ['display']),
    add('display'),
    lookup('display'),
    lookup('attacker'),
    lookup('attacker', 'noFd'),
    remove('attacker'),
    cleanup('display'),
    cleanup('video'),
    addDmabuf('virtio-gpu', true, ['display']),
    lookup('attacker'),
    remove('video'),
    qemuRemove,
    qemuRemove,
  ];
  it('for QEMU', () => {
    const run = compareDrivers(sharedObjectEntryMachine, { uuid: 'u-1' }, events);
    expect(run.disagreements).toEqual([]);
    expect(run.accepted).toBe(7);
  });
  it('for the access-controlled variant', () => {
    const run = compareDrivers(sharedObjectEntryWithAccessControlMachine, { uuid: 'u-1' }, events);
    expect(run.disagreements).toEqual([]);
    expect(run.accepted).toBe(5);
  });
});

describe('snapshot predicates', () => {
  it('each is true in exactly the states it names', () => {
    expectTrueExactlyIn(sharedObjectEntryMachine, entryIsAbsent, ['absent']);
  });
});
