/**
 * A vhost-user back-end's connection (vhost-user.c, vhost.c): the back-end channel exists only
 * with F_BACKEND_REQ, QEMU does not check F_SHARED_OBJECT (the spec variant does), and a crash
 * or hot unplug runs vhost_dev_cleanup(), which the machine emits for the table entries.
 */
import { describe, expect, it } from 'vitest';
import {
  backendIsConnected,
  type VhostBackendContext,
  type VhostBackendEvent,
  type VhostProtocolFeatures,
  vhostBackendChecksSharedObjectMachine,
  vhostBackendMachine,
  vhostBackendRefusals,
} from '../../machines/vhostBackendMachine.ts';
import { compareDrivers, machineDriver } from '../support/machineDriver.ts';
import { expectTrueExactlyIn } from './statePredicates.ts';

type E = VhostBackendEvent;

const qemu = machineDriver<VhostBackendContext, E>(vhostBackendMachine, vhostBackendRefusals, {
  input: {
    backend: 'video',
  },
});
const spec = machineDriver<VhostBackendContext, E>(
  vhostBackendChecksSharedObjectMachine,
  vhostBackendRefusals,
  {
    input: {
      backend: 'video',
    },
  },
);

const negotiate = (features: Partial<VhostProtocolFeatures> = {}): E => ({
  type: 'VHOST_USER_SET_PROTOCOL_FEATURES',
  backendReq: true,
  replyAck: true,
  sharedObject: true,
  ...features,
});
const messages: E[] = [
  { type: 'BACKEND_SHARED_OBJECT_ADD' },
  { type: 'BACKEND_SHARED_OBJECT_REMOVE' },
  { type: 'BACKEND_SHARED_OBJECT_LOOKUP' },
];
const closed: E = { type: 'CHR_EVENT_CLOSED' };
const opened: E = { type: 'CHR_EVENT_OPENED' };
const unplug: E = { type: 'DEVICE_DEL' };

describe('connected', () => {
  it('negotiates the protocol features and passes shared-object messages on', () => {
    const up = qemu.run([negotiate()]);
    expect(up.value).toBe('connected');
    expect(up.context).toEqual({ backend: 'video', backendReq: true, replyAck: true, sharedObject: true });
    for (const message of messages) {
      const { snap, emitted } = qemu.acceptEmitting(up, message);
      expect(snap).toEqual(up);
      expect(emitted).toEqual([]);
    }
  });

  it('has no back-end channel without F_BACKEND_REQ (vhost_setup_backend_channel)', () => {
    const up = qemu.run([negotiate({ backendReq: false })]);
    expect(
      qemu.refusalDifferences(
        up,
        messages.map((message) => [message, 'NOT_ISSUED'] as const),
      ),
    ).toEqual([]);
  });

  it('QEMU dispatches the messages without F_SHARED_OBJECT; the spec variant refuses them (-EINVAL)', () => {
    const withoutFeature = [negotiate({ sharedObject: false })];
    for (const message of messages) expect(qemu.call(qemu.run(withoutFeature), message).ok).toBe(true);
    expect(
      spec.refusalDifferences(
        spec.run(withoutFeature),
        messages.map((message) => [message, 'EINVAL'] as const),
      ),
    ).toEqual([]);
    for (const message of messages) expect(spec.call(spec.run([negotiate()]), message).ok).toBe(true);
  });

  it('sends nothing before the features are negotiated', () => {
    expect(
      qemu.refusalDifferences(
        qemu.start(),
        messages.map((message) => [message, 'NOT_ISSUED'] as const),
      ),
    ).toEqual([]);
  });
});

describe('dead or unplugged: vhost_dev_cleanup() is emitted for the table', () => {
  it('a crash (CHR_EVENT_CLOSED) emits the cleanup and closes the channel', () => {
    const { snap, emitted } = qemu.acceptEmitting(qemu.run([negotiate()]), closed);
    expect(snap.value).toBe('dead');
    expect(emitted).toEqual([{ type: 'VHOST_DEV_CLEANUP', backend: 'video', reason: 'socketClosed' }]);
    expect(
      qemu.refusalDifferences(
        snap,
        messages.map((message) => [message, 'NOT_ISSUED'] as const),
      ),
    ).toEqual([]);
  });

  it('a hot unplug emits the cleanup; the device is gone for good', () => {
    const { snap, emitted } = qemu.acceptEmitting(qemu.run([negotiate()]), unplug);
    expect(snap.value).toBe('unplugged');
    expect(emitted).toEqual([{ type: 'VHOST_DEV_CLEANUP', backend: 'video', reason: 'unplug' }]);
    expect(
      qemu.refusalDifferences(snap, [
        [opened, 'NOT_ISSUED'],
        [negotiate(), 'NOT_ISSUED'],
      ]),
    ).toEqual([]);
  });

  it('a crash or an unplug during init also cleans up', () => {
    const crash = qemu.acceptEmitting(qemu.start(), closed);
    expect(crash.snap.value).toBe('dead');
    expect(crash.emitted).toEqual([{ type: 'VHOST_DEV_CLEANUP', backend: 'video', reason: 'socketClosed' }]);
    const gone = qemu.acceptEmitting(qemu.start(), unplug);
    expect(gone.snap.value).toBe('unplugged');
    expect(gone.emitted).toEqual([{ type: 'VHOST_DEV_CLEANUP', backend: 'video', reason: 'unplug' }]);
  });

  it('reconnects on the same vhost_dev and negotiates again', () => {
    const back = qemu.run([negotiate(), closed, opened]);
    expect(back.value).toBe('connecting');
    expect(back.context.backendReq).toBe(false);
    expect(qemu.accept(back, negotiate()).value).toBe('connected');
  });

  it('an unplug after a crash runs the cleanup again', () => {
    const { snap, emitted } = qemu.acceptEmitting(qemu.run([negotiate(), closed]), unplug);
    expect(snap.value).toBe('unplugged');
    expect(emitted).toEqual([{ type: 'VHOST_DEV_CLEANUP', backend: 'video', reason: 'unplug' }]);
  });

  it('refuses events that cannot happen in the current state', () => {
    expect(
      qemu.refusalDifferences(qemu.run([negotiate()]), [
        [negotiate(), 'NOT_ISSUED'],
        [opened, 'NOT_ISSUED'],
      ]),
    ).toEqual([]);
    expect(qemu.refusalDifferences(qemu.run([negotiate(), closed]), [[closed, 'NOT_ISSUED']])).toEqual([]);
  });
});

describe('compiled driver and XState agree', () => {
  it('on a scripted life with a reconnect', () => {
    const events: E[] = [
      messages[0]!,
      negotiate({ sharedObject: false }),
      ...messages,
      closed,
      messages[2]!,
      opened,
      negotiate(),
      messages[1]!,
      unplug,
      opened,
    ];
    const qemu = compareDrivers(vhostBackendMachine, { backend: 'video' }, events);
    const checking = compareDrivers(vhostBackendChecksSharedObjectMachine, { backend: 'video' }, events);
    expect([qemu.disagreements, checking.disagreements]).toEqual([[], []]);
    expect([qemu.accepted, checking.accepted]).toEqual([9, 6]);
  });
});

describe('snapshot predicates', () => {
  it('each is true in exactly the states it names', () => {
    expectTrueExactlyIn(vhostBackendMachine, backendIsConnected, ['connected']);
  });
});
