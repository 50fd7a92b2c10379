/**
 * The firewall family: one TZC-400 region machine per region the topology protects, programmed
 * by firmware at boot or, when the design says so, as a step after the kernel is up.
 */
import { tzascRegionMachine, tzascRegionRefusals } from '../../../machines/tzascRegionMachine.ts';
import { tzcRegionAccessRd, tzcRegionAccessWr } from '../../../machines/tzascRegionState.ts';
import type { Topology } from '../../topology/schema.ts';
import type { BootStep } from '../boot.ts';
import { type Component, type StepInput, send, type WorldBuilder } from '../builder.ts';
import type { Layout } from '../layout.ts';
import type { Delivery } from '../world.ts';

export interface TzascFamily {
  /** The region machine protecting each region, by region name. */
  readonly regionOf: ReadonlyMap<string, Component<typeof tzascRegionMachine>>;
  readonly boot: readonly BootStep[];
}

type ProtectedRegion = Topology['memory'][number] & {
  readonly tzasc: NonNullable<Topology['memory'][number]['tzasc']>;
};

export function addTzascFamily(builder: WorldBuilder, topology: Topology, layout: Layout): TzascFamily {
  const nsaid = new Map(topology.devices.map((device, i) => [device.name, i + 1]));
  const regionOf = new Map<string, Component<typeof tzascRegionMachine>>();
  const boot: BootStep[] = [];
  topology.memory.forEach((region, index) => {
    if (region.protection !== 'tzasc' || !region.tzasc) return;
    const component = builder.addComponent({
      id: `tzasc:${region.name}`,
      kind: 'tzascRegion',
      label: `firewall region ${region.name}`,
      machine: tzascRegionMachine,
      input: { region: index + 1, pages: layout.regionPages.get(region.name)! },
      refusals: tzascRegionRefusals,
    });
    regionOf.set(region.name, component);
    const protect = configureRegion(component, region as ProtectedRegion, nsaid);
    if (region.tzasc.configuredAt === 'boot') {
      boot.push({
        actor: 'firmware',
        call: 'tzc400_configure_region()',
        subject: `region ${region.name}`,
        text: protect.text,
        deliveries: protect.deliveries,
      });
    } else {
      builder.addStep(protectRegionLate(component, region.name, protect));
    }
  });
  return { regionOf, boot };
}

/** The TZC400_CONFIGURE_REGION that protects a region: secure read-write, and the NSAIDs the design lets in. */
function configureRegion(
  component: Component<typeof tzascRegionMachine>,
  region: ProtectedRegion,
  nsaid: ReadonlyMap<string, number>,
): { text: string; deliveries: readonly Delivery[] } {
  let permissions = 0;
  for (const device of region.tzasc.nsRead) permissions |= tzcRegionAccessRd(nsaid.get(device)!);
  for (const device of region.tzasc.nsWrite) permissions |= tzcRegionAccessWr(nsaid.get(device)!);
  const read = region.tzasc.nsRead.length
    ? `non-secure read by ${region.tzasc.nsRead.join(', ')}`
    : 'no non-secure read';
  const write = region.tzasc.nsWrite.length
    ? `write by ${region.tzasc.nsWrite.join(', ')}`
    : 'no non-secure write';
  return {
    text: `firmware protects region ${region.name} (secure RW; ${read}; ${write})`,
    deliveries: [
      send(component, {
        type: 'TZC400_CONFIGURE_REGION',
        filters: 1,
        secAttr: 'TZC_REGION_S_RDWR',
        nsaidPermissions: permissions >>> 0,
      }),
    ],
  };
}

/**
 * `TZC400_CONFIGURE_REGION` after boot (TF-A `tzc400_configure_region()` called by the platform's
 * run-time service, `configuredAt: runtime`): until it runs, the region is open memory.
 */
export function protectRegionLate(
  component: Component<typeof tzascRegionMachine>,
  region: string,
  protect: { text: string; deliveries: readonly Delivery[] },
): StepInput {
  return {
    action: 'protectRegionLate',
    call: 'TZC400_CONFIGURE_REGION',
    actor: 'firmware',
    role: 'environment',
    args: { region },
    text: protect.text,
    touches: [component],
    plan: () => protect.deliveries,
  };
}
