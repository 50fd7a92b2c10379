/**
 * The pKVM page machine's Android pVM FF-A calls, its fixed unmap-on-lend variant and its
 * named flaws: each flaw accepts, or changes, exactly what the sound machine does not.
 */
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import {
  androidPkvmPageMachine,
  androidPkvmPageRefusals,
  type PkvmPageEvent,
  pkvmPageFlaws,
  pkvmPageMachine,
  unmapAllOnLendPkvmPageMachine,
} from '../../machines/pkvmPageMachine.ts';
import type { PkvmPageContext } from '../../machines/pkvmPageState.ts';
import { refusalCode } from '../../machines/refusals.ts';
import { compileMachine, type MachineEvent, type MachineSnapshot } from '../../src/engine/stepper.ts';

const pvm = { vm: 0, vmProtected: true, vcpuLoaded: true, vmDying: false };

function drive(machine: AnyStateMachine) {
  const stepper = compileMachine<PkvmPageContext>(machine);
  const step = (
    snap: MachineSnapshot<PkvmPageContext>,
    event: PkvmPageEvent,
    emitted: MachineEvent[] = [],
  ) => {
    const next = stepper.step(snap, event, emitted);
    if (!next) {
      const refusal = stepper.explain(snap, event)!;
      return refusalCode(androidPkvmPageRefusals, refusal, snap.context, event);
    }
    return next;
  };
  const accept = (snap: MachineSnapshot<PkvmPageContext>, event: PkvmPageEvent) => {
    const next = step(snap, event);
    if (typeof next === 'string') throw new Error(`${event.type} refused: ${next}`);
    return next;
  };
  return { start: () => stepper.initial({ pfn: 0, guestCount: 2 }), step, accept };
}

describe('pVM FF-A sharing ([A] __pkvm_guest_share_ffa_page)', () => {
  const page = drive(androidPkvmPageMachine);
  const donated = page.accept(page.start(), { type: 'HOST_DONATE_GUEST', ...pvm });

  it('moves the guest page to SHARED_OWNED with the secure world while the host stays NOPAGE', () => {
    const shared = page.accept(donated, { type: 'GUEST_SHARE_FFA', ...pvm });
    expect(shared.value).toBe('NOPAGE.ownedByGuest');
    expect(shared.context.guests[0]).toBe('SHARED_OWNED');
    expect(shared.context.sharedWithFfa).toBe(true);
    const back = page.accept(shared, { type: 'GUEST_UNSHARE_FFA', ...pvm });
    expect(back.context.guests[0]).toBe('OWNED');
    expect(back.context.sharedWithFfa).toBe(false);
  });

  it('refuses force reclaim and a second share of a page lent to the secure world (-EPERM)', () => {
    const shared = page.accept(donated, { type: 'GUEST_SHARE_FFA', ...pvm });
    expect(page.step(shared, { type: 'FORCE_RECLAIM_GUEST_PAGE' })).toBe('EPERM');
    expect(page.step(shared, { type: 'GUEST_SHARE_FFA', ...pvm })).toBe('EPERM');
    expect(page.step(donated, { type: 'GUEST_UNSHARE_FFA', ...pvm })).toBe('EPERM');
  });
});

describe('unmap-on-lend variants', () => {
  it('Android leaves the IOMMU identity mapping of a lent page; the fix removes it and restores it on reclaim', () => {
    for (const [machine, mappedWhileLent] of [
      [androidPkvmPageMachine, true],
      [unmapAllOnLendPkvmPageMachine, false],
      [unmapAllOnLendPkvmPageMachine.provide(pkvmPageFlaws.unmapOnLendWithoutIommu.provide as never), true],
    ] as const) {
      const page = drive(machine);
      const lent = page.accept(page.start(), { type: 'HOST_DONATE_FFA' });
      expect(lent.value).toBe('NOPAGE.ownedByFfa');
      expect(lent.context.iommuIdmapMapped).toBe(mappedWhileLent);
      expect(page.accept(lent, { type: 'HOST_RECLAIM_FFA' }).context.iommuIdmapMapped).toBe(true);
    }
  });
});

describe('teardownWithoutPoison', () => {
  it('hands a dying guest page back without hyp_poison_page, where the sound machine zeroes it', () => {
    const dying = { ...pvm, vcpuLoaded: false, vmDying: true };
    for (const [machine, poisoned] of [
      [pkvmPageMachine, true],
      [pkvmPageMachine.provide(pkvmPageFlaws.teardownWithoutPoison.provide as never), false],
    ] as const) {
      const page = drive(machine);
      const donated = page.accept(page.start(), { type: 'HOST_DONATE_GUEST', ...pvm });
      const emitted: MachineEvent[] = [];
      const back = page.step(donated, { type: 'RECLAIM_DYING_GUEST_PAGE', ...dying }, emitted);
      expect(typeof back === 'string' ? back : back.value).toBe('OWNED');
      expect(emitted.length > 0).toBe(poisoned);
    }
  });
});
