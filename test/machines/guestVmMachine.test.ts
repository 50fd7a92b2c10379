/**
 * The guest VM lifecycle of nvhe/pkvm.c: a loaded vCPU blocks teardown (its reference on the
 * VM), the error codes differ between mainline and Android, and finalize waits for the host's
 * reclaim loop.
 */
import { describe, expect, it } from 'vitest';
import {
  androidGuestVmRefusals,
  type GuestVmContext,
  type GuestVmEvent,
  guestVmMachine,
  guestVmRefusals,
  vcpuIsLoaded,
  vmIsDestroyed,
  vmIsDying,
  vmIsRunning,
} from '../../machines/guestVmMachine.ts';
import { type ErrorCode, refusalCode } from '../../machines/refusals.ts';
import { compileMachine, type MachineSnapshot } from '../../src/engine/stepper.ts';
import { expectTrueExactlyIn } from './statePredicates.ts';

const vm = compileMachine<GuestVmContext>(guestVmMachine);

function run(events: GuestVmEvent[]): MachineSnapshot<GuestVmContext> {
  let snap = vm.initial({ protected: true });
  for (const event of events) {
    const next = vm.step(snap, event);
    if (!next) throw new Error(`${event.type} refused in ${snap.value}`);
    snap = next;
  }
  return snap;
}

function codes(snap: MachineSnapshot<GuestVmContext>, event: GuestVmEvent): [ErrorCode, ErrorCode] {
  expect(vm.step(snap, event)).toBeUndefined();
  const refusal = vm.explain(snap, event)!;
  return [
    refusalCode(guestVmRefusals, refusal, snap.context, event),
    refusalCode(androidGuestVmRefusals, refusal, snap.context, event),
  ];
}

describe('guestVmMachine', () => {
  it('goes created → running → dying → destroyed', () => {
    const snap = run([
      { type: 'INIT_VCPU' },
      { type: 'VCPU_LOAD' },
      { type: 'VCPU_PUT' },
      { type: 'START_TEARDOWN_VM' },
      { type: 'FINALIZE_TEARDOWN_VM', pagesStillMapped: 0 },
    ]);
    expect(snap.value).toBe('destroyed');
    expect(snap.context).toEqual({ protected: true, initialisedVcpus: 1 });
  });

  it('refuses to start teardown while a vCPU is loaded: -EINVAL upstream, -EBUSY in Android', () => {
    const loaded = run([{ type: 'INIT_VCPU' }, { type: 'VCPU_LOAD' }]);
    expect(codes(loaded, { type: 'START_TEARDOWN_VM' })).toEqual(['EINVAL', 'EBUSY']);
  });

  it('refuses to start teardown twice (-EINVAL both) and to load a vCPU of a dying VM', () => {
    const dying = run([{ type: 'INIT_VCPU' }, { type: 'START_TEARDOWN_VM' }]);
    expect(codes(dying, { type: 'START_TEARDOWN_VM' })).toEqual(['EINVAL', 'EINVAL']);
    expect(codes(dying, { type: 'VCPU_LOAD' })).toEqual(['NO_EFFECT', 'NO_EFFECT']);
  });

  it('finalizes only after the host has reclaimed every page', () => {
    const dying = run([{ type: 'START_TEARDOWN_VM' }]);
    expect(codes(dying, { type: 'FINALIZE_TEARDOWN_VM', pagesStillMapped: 2 })).toEqual([
      'NOT_ISSUED',
      'NOT_ISSUED',
    ]);
  });

  it('refuses to finalize a VM that is not dying: -EINVAL upstream, -EBUSY in Android', () => {
    const running = run([{ type: 'INIT_VCPU' }]);
    expect(codes(running, { type: 'FINALIZE_TEARDOWN_VM', pagesStillMapped: 0 })).toEqual([
      'EINVAL',
      'EBUSY',
    ]);
  });

  it('cannot load a vCPU before one is initialised', () => {
    const created = run([]);
    expect(codes(created, { type: 'VCPU_LOAD' })).toEqual(['NO_EFFECT', 'NO_EFFECT']);
  });

  it('answers nothing once destroyed (-EINVAL upstream, -ENOENT in Android)', () => {
    const destroyed = run([
      { type: 'START_TEARDOWN_VM' },
      { type: 'FINALIZE_TEARDOWN_VM', pagesStillMapped: 0 },
    ]);
    expect(codes(destroyed, { type: 'START_TEARDOWN_VM' })).toEqual(['EINVAL', 'ENOENT']);
  });
});

describe('snapshot predicates', () => {
  it('each is true in exactly the states it names', () => {
    expectTrueExactlyIn(guestVmMachine, vmIsRunning, ['running.vcpuPut', 'running.vcpuLoaded']);
    expectTrueExactlyIn(guestVmMachine, vcpuIsLoaded, ['running.vcpuLoaded']);
    expectTrueExactlyIn(guestVmMachine, vmIsDying, ['dying']);
    expectTrueExactlyIn(guestVmMachine, vmIsDestroyed, ['destroyed']);
  });
});
