/**
 * The Gunyah family: one memory parcel machine per parcel of the design (the resource manager's
 * `memparcel_t`, quic/gunyah-resource-manager src/memparcel/memparcel.c). The owners create their
 * parcels as a step (`gunyahSteps.ts`), once they wrote what the parcel carries: a lend takes
 * the pages from them. Reach (`reach.ts`) and holdings read the
 * parcels through the queries here.
 */
import {
  gunyahMemparcelMachine,
  gunyahMemparcelRefusals,
  memparcelAcceptedBy,
} from '../../../machines/gunyahMemparcelMachine.ts';
import type { Topology } from '../../topology/schema.ts';
import { type Component, snapshotOf, type WorldBuilder } from '../builder.ts';
import type { Layout } from '../layout.ts';
import type { WorldState } from '../world.ts';

export type Memparcel = Component<typeof gunyahMemparcelMachine>;

type ParcelSpec = Topology['gunyah']['parcels'][number];

/** One parcel of a buffer. */
export interface GunyahParcel {
  readonly spec: ParcelSpec;
  readonly handle: number;
  readonly component: Memparcel;
  readonly pages: readonly number[];
}

export interface GunyahFamily {
  readonly parcels: readonly GunyahParcel[];
  /** The owner of each page by pfn at boot: the VM whose memory it is (host = HLOS). */
  readonly owners: readonly string[];
  /** True iff `vm` has a parcel of the buffer accepted. */
  acceptedBy(state: WorldState, vm: string, buffer: string): boolean;
  /** The parcel machines of a buffer. */
  parcelsOf(buffer: string): readonly Memparcel[];
}

/** The resource-manager call that creates a parcel of each kind. */
export const CREATE_CALL = { lend: 'MEM_LEND', share: 'MEM_SHARE', donate: 'MEM_DONATE' } as const;

export function addGunyahFamily(builder: WorldBuilder, topology: Topology, layout: Layout): GunyahFamily {
  const parcels = topology.gunyah.parcels.map((spec, index): GunyahParcel => {
    const pages = layout.buffers.find((b) => b.name === spec.buffer)!.pages;
    // `mp_handles` counts from 0 in memparcel.c.
    const handle = index;
    const acl = spec.acl.map((e) => `${e.vm}: ${e.rights}`).join(', ');
    const component = builder.addComponent({
      id: `memparcel:${handle}`,
      kind: 'gunyahMemparcel',
      label: `memparcel ${handle} of ${spec.by} (${spec.buffer}, ${CREATE_CALL[spec.kind]} to ${acl})`,
      machine: gunyahMemparcelMachine,
      input: { handle, owner: spec.by, kind: spec.kind, acl: spec.acl },
      refusals: gunyahMemparcelRefusals,
    });
    return { spec, handle, component, pages };
  });
  const owners = layout.pages.map(
    (page) => topology.memory.find((r) => r.name === page.region)?.owner ?? 'host',
  );
  const ofBuffer = (buffer: string) => parcels.filter((p) => p.spec.buffer === buffer);
  return {
    parcels,
    owners,
    acceptedBy: (state, vm, buffer) =>
      ofBuffer(buffer).some((p) => memparcelAcceptedBy(snapshotOf(state, p.component), vm)),
    parcelsOf: (buffer) => ofBuffer(buffer).map((p) => p.component),
  };
}
