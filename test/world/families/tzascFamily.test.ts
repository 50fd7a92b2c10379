/**
 * The firewall family: a TZC-400 region machine for each region the design protects, programmed
 * by firmware at boot (`tzc400_configure_region()`) or, for `configuredAt: runtime`, by an
 * environment step the explorer may take late; the region's NSAID enables are the devices the
 * design lets in, each device's NSAID its position in the device list plus one.
 */
import { describe, expect, it } from 'vitest';
import {
  type TzascAccess,
  tzascAllows,
  tzcRegionAccessRd,
  tzcRegionAccessWr,
} from '../../../machines/tzascRegionState.ts';
import { snapshotOf, WorldBuilder } from '../../../src/world/builder.ts';
import { addTzascFamily } from '../../../src/world/families/tzascFamily.ts';
import { resolveLayout } from '../../../src/world/layout.ts';
import type { WorldState } from '../../../src/world/world.ts';
import { applied, booted, deliveryTypes, stepOf, tinyDesign } from '../../support/tinyWorld.ts';

const design = tinyDesign(`
hypervisor: { kind: none }
memory:
  - { name: dram, pages: 1 }
  - name: carveout
    pages: 2
    type: nomap
    protection: tzasc
    tzasc: { nsRead: [vdec, dpu], nsWrite: [vdec] }
  - name: late
    pages: 1
    protection: tzasc
    tzasc: { configuredAt: runtime }
heaps:
  - { name: system, kind: system, region: dram }
  - { name: secure-video, kind: protectedStatic, region: carveout, exporter: teeHeap }
buffers:
  - { name: ciphertext, heap: system }
  - { name: frame, heap: secure-video }
devices:
  - { name: vdec, role: decoder }
  - { name: dpu, role: display }
streams:
  - { name: movie, audience: [secure, vdec, dpu] }
pipeline:
  stream: movie
  input: ciphertext
  decrypt: { by: secure, output: frame }
  display: { by: dpu }
`);

function firewallWorld() {
  const builder = new WorldBuilder();
  const tzasc = addTzascFamily(builder, design, resolveLayout(design));
  const world = builder.build({ guestNames: [], guestProtected: [], kernel: 'upstream' });
  return { world, tzasc };
}

describe('firewall family', () => {
  it('adds a region machine for each protected region only, numbered by its place in memory', () => {
    const { world, tzasc } = firewallWorld();
    expect(world.components.map((c) => [c.id, c.kind, c.label, c.input])).toEqual([
      ['tzasc:carveout', 'tzascRegion', 'firewall region carveout', { region: 2, pages: [1, 2] }],
      ['tzasc:late', 'tzascRegion', 'firewall region late', { region: 3, pages: [3] }],
    ]);
    expect([...tzasc.regionOf]).toEqual([
      ['carveout', 0],
      ['late', 1],
    ]);
  });

  it('has firmware program a boot region at boot: secure read-write and the NSAIDs the design lets in', () => {
    const { world, tzasc } = firewallWorld();
    expect(tzasc.boot.map((s) => [s.actor, s.call, s.subject, s.text])).toEqual([
      [
        'firmware',
        'tzc400_configure_region()',
        'region carveout',
        'firmware protects region carveout (secure RW; non-secure read by vdec, dpu; write by vdec)',
      ],
    ]);
    expect(deliveryTypes(world, tzasc.boot[0]!.deliveries)).toEqual([
      'tzasc:carveout TZC400_CONFIGURE_REGION',
    ]);
    expect(tzasc.boot[0]!.deliveries[0]!.event).toEqual({
      type: 'TZC400_CONFIGURE_REGION',
      filters: 1,
      secAttr: 'TZC_REGION_S_RDWR',
      nsaidPermissions: (tzcRegionAccessRd(1) | tzcRegionAccessRd(2) | tzcRegionAccessWr(1)) >>> 0,
    });
  });

  it('keeps the normal-world CPU out of a region once firmware programmed it, and lets the named masters in', () => {
    const { world, tzasc } = firewallWorld();
    const region = tzasc.regionOf.get('carveout')!;
    const allows = (state: WorldState, nsaid: number | 'secure', access: TzascAccess) =>
      tzascAllows(
        snapshotOf(state, region).context,
        { name: String(nsaid), secure: nsaid === 'secure', nsaid: nsaid === 'secure' ? 0 : nsaid },
        access,
      );
    const masters = [0, 1, 2, 'secure'] as const;
    const table = (state: WorldState) =>
      masters.map((m) => [m, allows(state, m, 'read'), allows(state, m, 'write')]);
    expect(table(world.initial)).toEqual([
      [0, true, true],
      [1, true, true],
      [2, true, true],
      ['secure', false, false],
    ]);
    expect(table(booted(world, tzasc.boot))).toEqual([
      [0, false, false],
      [1, true, true],
      [2, true, false],
      ['secure', true, true],
    ]);
  });

  it('programs a runtime region in an environment step, and not at boot', () => {
    const { world, tzasc } = firewallWorld();
    expect(world.steps.map((s) => [s.action, s.call, s.actor, s.role, s.args, s.text])).toEqual([
      [
        'protectRegionLate',
        'TZC400_CONFIGURE_REGION',
        'firmware',
        'environment',
        { region: 'late' },
        'firmware protects region late (secure RW; no non-secure read; no non-secure write)',
      ],
    ]);
    const late = stepOf(world, 'TZC400_CONFIGURE_REGION', { region: 'late' });
    expect(late.touches).toEqual([tzasc.regionOf.get('late')]);
    const region = tzasc.regionOf.get('late')!;
    const cpuReads = (state: WorldState) =>
      tzascAllows(snapshotOf(state, region).context, { name: 'cpu', secure: false, nsaid: 0 }, 'read');
    const state = booted(world, tzasc.boot);
    expect(cpuReads(state)).toBe(true);
    const protectedLate = applied(world, state, late);
    expect(cpuReads(protectedLate)).toBe(false);
    // tzc400_configure_region() has no lock: programming it again is accepted and changes nothing.
    expect(world.fingerprint(applied(world, protectedLate, late))).toBe(world.fingerprint(protectedLate));
  });
});
