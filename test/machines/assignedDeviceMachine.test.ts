/**
 * pKVM device assignment as `arch/arm64/kvm/hyp/nvhe/device/device.c` tracks it: host owned →
 * hypervisor owned (`pkvm_device_hyp_assign_mmio()`) → assigned to one VM with its IOMMU group
 * (`__pkvm_group_assign()`) → host owned again at teardown (`pkvm_devices_teardown()`), with the
 * kernel's refusals at each step and the flaw that drops the group check.
 */
import { describe, expect, it } from 'vitest';
import {
  type AssignedDeviceContext,
  type AssignedDeviceEvent,
  assignedDeviceFlaws,
  assignedDeviceMachine,
  assignedDeviceRefusals,
  deviceAssignedTo,
  deviceHeldByHyp,
  deviceIsAssigned,
} from '../../machines/assignedDeviceMachine.ts';
import { driverDisagreements, machineDriver } from '../support/machineDriver.ts';

const device = machineDriver<AssignedDeviceContext, AssignedDeviceEvent>(
  assignedDeviceMachine,
  assignedDeviceRefusals,
);
const flawed = machineDriver<AssignedDeviceContext, AssignedDeviceEvent>(
  assignedDeviceMachine.provide(assignedDeviceFlaws.partialGroupAssignment.provide),
  assignedDeviceRefusals,
);

const donate: AssignedDeviceEvent = { type: 'HOST_ASSIGN_MMIO' };
const reclaim: AssignedDeviceEvent = { type: 'HOST_RECLAIM_MMIO' };
const request = (vm: number, groupOwnedByHyp = true): AssignedDeviceEvent => ({
  type: 'GUEST_REQUEST_DMA',
  vm,
  groupOwnedByHyp,
});
const groupAssign = (vm: number): AssignedDeviceEvent => ({ type: 'GROUP_ASSIGN', vm });
const teardown = (vm: number): AssignedDeviceEvent => ({ type: 'VM_TEARDOWN', vm });
const hostAttach: AssignedDeviceEvent = { type: 'HOST_ATTACH_DOMAIN' };

const hostOwned = device.start(undefined);
const hypOwned = device.accept(hostOwned, donate);
const assigned = device.accept(hypOwned, request(0));

describe('lifecycle', () => {
  it('goes host → hypervisor → assigned to the requesting VM → host at its teardown', () => {
    expect(hostOwned.value).toBe('hostOwned');
    expect(deviceHeldByHyp(hypOwned)).toBe(true);
    expect(deviceAssignedTo(assigned, 0)).toBe(true);
    expect(deviceAssignedTo(assigned, 1)).toBe(false);
    const back = device.accept(assigned, teardown(0));
    expect(back.value).toBe('hostOwned');
    expect(back.context).toEqual(hostOwned.context);
  });

  it('lets the host take the MMIO back while no VM has claimed the device', () => {
    expect(device.accept(hypOwned, reclaim).value).toBe('hostOwned');
  });

  it('assigns a group mate to the VM whose claim reached it', () => {
    const mate = device.accept(hypOwned, groupAssign(1));
    expect(deviceAssignedTo(mate, 1)).toBe(true);
    expect(deviceIsAssigned(mate)).toBe(true);
  });

  it('accepts a second claim from the owning VM without change', () => {
    expect(device.accept(assigned, request(0))).toEqual(assigned);
  });
});

describe('refusals', () => {
  it('refuses what the kernel refuses, with its codes', () => {
    expect(device.refusedCodes(hostOwned, [request(0), groupAssign(0), reclaim, teardown(0)])).toEqual([
      ['GUEST_REQUEST_DMA', 'EPERM'],
      ['GROUP_ASSIGN', 'EPERM'],
      ['HOST_RECLAIM_MMIO', 'EPERM'],
      ['VM_TEARDOWN', 'NO_EFFECT'],
    ]);
    expect(device.refusedCodes(hypOwned, [request(0, false), donate])).toEqual([
      ['GUEST_REQUEST_DMA', 'EPERM'],
      ['HOST_ASSIGN_MMIO', 'EPERM'],
    ]);
    expect(device.refusedCodes(assigned, [donate, reclaim, request(1), groupAssign(1), teardown(1)])).toEqual(
      [
        ['HOST_ASSIGN_MMIO', 'EBUSY'],
        ['HOST_RECLAIM_MMIO', 'EBUSY'],
        ['GUEST_REQUEST_DMA', 'EPERM'],
        ['GROUP_ASSIGN', 'EPERM'],
        ['VM_TEARDOWN', 'EPERM'],
      ],
    );
  });

  it('names the group check when a mate is not the hypervisor’s', () => {
    expect(device.call(hypOwned, request(0, false))).toMatchObject({
      ok: false,
      failedGuard: 'groupOwnedByHyp',
    });
  });
});

describe('a device attached to a host IOMMU domain (dev->refcount)', () => {
  const bound = device.accept(hostOwned, hostAttach);
  it('counts the endpoint the host attaches while no VM holds the device', () => {
    expect(bound.context).toEqual({ vm: null, refcount: 1 });
    expect(device.accept(hypOwned, hostAttach).context.refcount).toBe(1);
  });

  it('is not handed to the hypervisor: pkvm_device_hyp_assign_mmio() is -EBUSY', () => {
    expect(device.refusedCodes(bound, [donate])).toEqual([['HOST_ASSIGN_MMIO', 'EBUSY']]);
    expect(device.call(bound, donate)).toMatchObject({ ok: false, failedGuard: 'detachedFromHost' });
  });

  it('is not assigned, by its own claim or a mate’s: __pkvm_group_assign() is -EPERM', () => {
    const attachedLate = device.accept(hypOwned, hostAttach);
    expect(device.refusedCodes(attachedLate, [request(0), groupAssign(0)])).toEqual([
      ['GUEST_REQUEST_DMA', 'EPERM'],
      ['GROUP_ASSIGN', 'EPERM'],
    ]);
    expect(device.call(attachedLate, request(0))).toMatchObject({ ok: false, failedGuard: 'noHostEndpoint' });
  });

  it('cannot be attached by the host once a VM holds it: pkvm_devices_get_context() is -EPERM', () => {
    expect(device.refusedCodes(assigned, [hostAttach])).toEqual([['HOST_ATTACH_DOMAIN', 'EPERM']]);
  });
});

describe('flaw partialGroupAssignment', () => {
  it('assigns the device although a mate of its group was never handed to the hypervisor', () => {
    const flawedHyp = flawed.accept(flawed.start(undefined), donate);
    expect(deviceAssignedTo(flawed.accept(flawedHyp, request(0, false)), 0)).toBe(true);
  });
});

describe('compiled and interpreted steppers', () => {
  it('agree on a scripted sequence', () => {
    const script = [request(0), hostAttach, donate, request(0), groupAssign(1), teardown(0)];
    expect(driverDisagreements(assignedDeviceMachine, undefined, script)).toEqual([]);
    const unbound = [
      request(0),
      donate,
      reclaim,
      donate,
      request(0, false),
      groupAssign(2),
      request(2),
      donate,
      reclaim,
      teardown(0),
      teardown(2),
      request(1),
      hostAttach,
    ];
    expect(driverDisagreements(assignedDeviceMachine, undefined, unbound)).toEqual([]);
  });
});
