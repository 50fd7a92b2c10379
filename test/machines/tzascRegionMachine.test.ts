/**
 * A TZC-400 carve-out region against TF-A's `drivers/arm/tzc/tzc400.c` and
 * `include/drivers/arm/tzc_common.h`: region programming, gate keepers, the violation action,
 * and the access decision for the non-secure CPU, DMA masters by NSAID, and the secure world.
 */
import { describe, expect, it } from 'vitest';
import {
  type TzascRegionContext,
  type TzascRegionEmitted,
  type TzascRegionEvent,
  tzascRegionMachine,
  tzascRegionRefusals,
} from '../../machines/tzascRegionMachine.ts';
import {
  type TzascMaster,
  tzascAllows,
  tzascDeniedEffect,
  tzcRegionAccessRd,
  tzcRegionAccessRdwr,
  tzcRegionAccessWr,
} from '../../machines/tzascRegionState.ts';
import { compareDrivers, machineDriver } from '../support/machineDriver.ts';

const tzc = machineDriver<TzascRegionContext, TzascRegionEvent, TzascRegionEmitted>(
  tzascRegionMachine,
  tzascRegionRefusals,
  { input: { region: 1, pages: [20, 21] } },
);

const nsCpu: TzascMaster = { name: 'ns-cpu', secure: false, nsaid: 0 };
const vpu: TzascMaster = { name: 'vpu', secure: false, nsaid: 5 };
const display: TzascMaster = { name: 'display', secure: false, nsaid: 6 };
const secureWorld: TzascMaster = { name: 'secure-world', secure: true, nsaid: 0 };

/** The secure-video carve-out: secure RW, the VPU writes frames, the display reads them. */
const protectForVideo: TzascRegionEvent = {
  type: 'TZC400_CONFIGURE_REGION',
  filters: 0b1,
  secAttr: 'TZC_REGION_S_RDWR',
  nsaidPermissions: tzcRegionAccessRdwr(5) | tzcRegionAccessRd(6),
};

function reach(context: TzascRegionContext, master: TzascMaster) {
  return { read: tzascAllows(context, master, 'read'), write: tzascAllows(context, master, 'write') };
}

describe('TZC_REGION_ACCESS_* encodings (tzc_common.h)', () => {
  it('puts read enables in bits 0-15 and write enables in bits 16-31, NSAID masked to 4 bits', () => {
    expect(tzcRegionAccessRd(0)).toBe(0x1);
    expect(tzcRegionAccessWr(0)).toBe(0x1_0000);
    expect(tzcRegionAccessRdwr(15)).toBe(0x8000_8000);
    expect(tzcRegionAccessRd(16)).toBe(tzcRegionAccessRd(0));
  });
});

describe('protection applied after the host mapped the carve-out at boot', () => {
  const open = tzc.start();

  it('starts open: the non-secure CPU and every NSAID reach it, a secure transaction does not', () => {
    expect(open.value).toBe('open');
    expect(reach(open.context, nsCpu)).toEqual({ read: true, write: true });
    expect(reach(open.context, vpu)).toEqual({ read: true, write: true });
    expect(reach(open.context, secureWorld)).toEqual({ read: false, write: false });
  });

  it('TZC400_CONFIGURE_REGION protects it: only the enabled NSAIDs and secure accesses get through', () => {
    const result = tzc.acceptEmitting(open, protectForVideo);
    expect(result.snap.value).toBe('protected');
    expect(result.emitted).toEqual([
      {
        type: 'TZASC_REGION_CONFIGURED',
        region: 1,
        pages: [20, 21],
        protected: true,
        secAttr: 'TZC_REGION_S_RDWR',
        nsaidPermissions: tzcRegionAccessRdwr(5) | tzcRegionAccessRd(6),
        filters: 1,
      },
    ]);
    const ctx = result.snap.context;
    expect(reach(ctx, nsCpu)).toEqual({ read: false, write: false });
    expect(reach(ctx, vpu)).toEqual({ read: true, write: true });
    expect(reach(ctx, display)).toEqual({ read: true, write: false });
    expect(reach(ctx, secureWorld)).toEqual({ read: true, write: true });
  });

  it('secure enables are independent: S_RD lets the secure world read but not write', () => {
    const readOnly = tzc.accept(open, { ...protectForVideo, secAttr: 'TZC_REGION_S_RD' } as TzascRegionEvent);
    expect(reach(readOnly.context, secureWorld)).toEqual({ read: true, write: false });
    const writeOnly = tzc.accept(open, {
      ...protectForVideo,
      secAttr: 'TZC_REGION_S_WR',
    } as TzascRegionEvent);
    expect(reach(writeOnly.context, secureWorld)).toEqual({ read: false, write: true });
  });

  it('can be reprogrammed: F_EN = 0 returns the carve-out to open (tzc400.c has no lock)', () => {
    const prot = tzc.accept(open, protectForVideo);
    const reopened = tzc.acceptEmitting(prot, {
      type: 'TZC400_CONFIGURE_REGION',
      filters: 0,
      secAttr: 'TZC_REGION_S_NONE',
      nsaidPermissions: 0,
    });
    expect(reopened.snap.value).toBe('open');
    expect(reopened.emitted).toMatchObject([{ type: 'TZASC_REGION_CONFIGURED', protected: false }]);
    expect(reach(reopened.snap.context, nsCpu)).toEqual({ read: true, write: true });
  });
});

describe('violation action (tzc400_set_action)', () => {
  const prot = tzc.accept(tzc.start(), protectForVideo);

  it('reads as zero always; ERR adds an external abort (the platform default here), INT an interrupt', () => {
    expect(tzascDeniedEffect(prot.context)).toEqual({
      readsReturnZero: true,
      writesIgnored: true,
      externalAbort: true,
      interrupt: false,
    });
    const quiet = tzc.accept(prot, { type: 'TZC400_SET_ACTION', action: 'TZC_ACTION_NONE' });
    expect(tzascDeniedEffect(quiet.context)).toMatchObject({ externalAbort: false, interrupt: false });
    const both = tzc.accept(prot, { type: 'TZC400_SET_ACTION', action: 'TZC_ACTION_ERR_INT' });
    expect(tzascDeniedEffect(both.context)).toMatchObject({ externalAbort: true, interrupt: true });
    expect(tzascDeniedEffect({ action: 'TZC_ACTION_INT' })).toMatchObject({
      externalAbort: false,
      interrupt: true,
    });
  });
});

describe('filters and gate keepers', () => {
  it('applies the region only on the filters it is enabled on', () => {
    const twoPorts = tzc.start({ region: 2, pages: [30], numFilters: 2 });
    const prot = tzc.accept(twoPorts, protectForVideo);
    expect(reach(prot.context, nsCpu)).toEqual({ read: false, write: false });
    expect(reach(prot.context, { ...nsCpu, filter: 1 })).toEqual({ read: true, write: true });
  });

  it('panics (assert) on a filter the TZC does not have', () => {
    expect(
      tzc.refusalDifferences(tzc.start(), [
        [{ ...protectForVideo, filters: 0b10 } as TzascRegionEvent, 'KERNEL_BUG'],
      ]),
    ).toEqual([]);
  });

  it('disables and re-enables the gate keepers; enabling open ones panics', () => {
    const open = tzc.start();
    expect(tzc.refusalDifferences(open, [[{ type: 'TZC400_ENABLE_FILTERS' }, 'KERNEL_BUG']])).toEqual([]);
    const closed = tzc.acceptEmitting(open, { type: 'TZC400_DISABLE_FILTERS' });
    expect(closed.emitted).toEqual([
      { type: 'TZASC_GATE_KEEPERS_CHANGED', region: 1, pages: [20, 21], open: false },
    ]);
    expect(reach(closed.snap.context, nsCpu)).toEqual({ read: false, write: false });
    const configured = tzc.accept(closed.snap, protectForVideo);
    const enabled = tzc.accept(configured, { type: 'TZC400_ENABLE_FILTERS' });
    expect(reach(enabled.context, vpu)).toEqual({ read: true, write: true });
    expect(reach(enabled.context, nsCpu)).toEqual({ read: false, write: false });
  });
});

describe('compiled and interpreted drivers agree', () => {
  it('on the TF-A boot sequence and a runtime reprogramming', () => {
    const script: TzascRegionEvent[] = [
      { type: 'TZC400_ENABLE_FILTERS' },
      { type: 'TZC400_DISABLE_FILTERS' },
      { ...protectForVideo, filters: 0b100 } as TzascRegionEvent,
      protectForVideo,
      { type: 'TZC400_SET_ACTION', action: 'TZC_ACTION_INT' },
      { type: 'TZC400_ENABLE_FILTERS' },
      { type: 'TZC400_CONFIGURE_REGION', filters: 0, secAttr: 'TZC_REGION_S_NONE', nsaidPermissions: 0 },
      protectForVideo,
    ];
    const run = compareDrivers(tzascRegionMachine, { region: 1, pages: [20] }, script);
    expect(run.disagreements).toEqual([]);
    expect(run.accepted).toBe(6);
  });
});
