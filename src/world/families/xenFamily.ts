/**
 * The Xen family: one grant entry machine per granted page (Xen's grant table of the granting
 * domain, `xen/common/grant_table.c`), and one gntdev dma-buf machine per gntdev export
 * (`drivers/xen/gntdev-dmabuf.c`). The granting domains write their grant entries at boot
 * (`gnttab_grant_foreign_access_ref()`). Reach (`reach.ts`) and holdings read the entries
 * through the queries here.
 */
import {
  gntdevDmabufIsExported,
  gntdevDmabufMachine,
  gntdevDmabufRefusals,
} from '../../../machines/gntdevDmabufMachine.ts';
import {
  grantMappedBy,
  xenGrantEntryMachine,
  xenGrantEntryRefusals,
} from '../../../machines/xenGrantEntryMachine.ts';
import type { Topology } from '../../topology/schema.ts';
import type { BootStep } from '../boot.ts';
import { type Component, send, snapshotOf, type WorldBuilder } from '../builder.ts';
import { withFlaws } from '../flawSwitches.ts';
import type { Layout } from '../layout.ts';
import type { WorldState } from '../world.ts';

export type GrantEntry = Component<typeof xenGrantEntryMachine>;
export type GntdevDmabuf = Component<typeof gntdevDmabufMachine>;

type GrantSpec = Topology['xen']['grants'][number];

/** One grant of a buffer to a domain: an entry per page. */
export interface XenGrant {
  readonly spec: GrantSpec;
  /** The grant reference of its first page; the others follow. */
  readonly firstRef: number;
  readonly entries: readonly { readonly component: GrantEntry; readonly page: number }[];
  /** The gntdev export the grantee makes of it, if the design says so. */
  readonly gntdev?: GntdevDmabuf;
}

export interface XenFamily {
  readonly grants: readonly XenGrant[];
  readonly dom0Privileged: boolean;
  /** The owner of each page by pfn: the domain whose memory it is (host = dom0). */
  readonly owners: readonly string[];
  readonly boot: readonly BootStep[];
  /** True iff `domain` maps every page of the buffer through grants of it. */
  mapsBuffer(state: WorldState, domain: string, buffer: string): boolean;
  /** The grant entries of a buffer's grants. */
  entriesOf(buffer: string): readonly GrantEntry[];
  /** True iff `domain` holds a gntdev dma-buf of the buffer. */
  exportedBy(state: WorldState, domain: string, buffer: string): boolean;
}

export function addXenFamily(builder: WorldBuilder, topology: Topology, layout: Layout): XenFamily {
  const boot: BootStep[] = [];
  const entryMachine = withFlaws(xenGrantEntryMachine, 'xenGrantEntry', topology.flaws);
  // xen/include/public/grant_table.h keeps the first GNTTAB_NR_RESERVED_ENTRIES (8) for the tools.
  let ref = 8;
  const grants = topology.xen.grants.map((spec): XenGrant => {
    const pages = layout.buffers.find((b) => b.name === spec.buffer)!.pages;
    const firstRef = ref;
    const entries = pages.map((page) => {
      const component = builder.addComponent({
        id: `grant:${ref}`,
        kind: 'xenGrantEntry',
        label: `grant ref ${ref} of ${spec.by} (page ${layout.pages[page]!.label} to ${spec.to})`,
        machine: entryMachine,
        input: { ref, granter: spec.by, page },
        refusals: xenGrantEntryRefusals,
      });
      boot.push({
        actor: spec.by,
        call: 'gnttab_grant_foreign_access_ref()',
        subject: `grant ref ${ref}`,
        text: `${spec.by} grants ${spec.to} ${spec.readonly ? 'read-only' : 'read-write'} access to page ${layout.pages[page]!.label} (ref ${ref})`,
        deliveries: [
          send(component, { type: 'GNTTAB_GRANT_FOREIGN_ACCESS', grantee: spec.to, readonly: spec.readonly }),
        ],
      });
      ref += 1;
      return { component, page };
    });
    const exported = topology.xen.gntdevExports.some((e) => e.buffer === spec.buffer && e.by === spec.to);
    const gntdev = exported
      ? builder.addComponent({
          id: `gntdev:${spec.buffer}:${spec.to}`,
          kind: 'gntdevDmabuf',
          label: `gntdev dma-buf of ${spec.buffer} in ${spec.to}`,
          machine: gntdevDmabufMachine,
          input: { domain: spec.to, usePtemod: false },
          refusals: gntdevDmabufRefusals,
        })
      : undefined;
    return { spec, firstRef, entries, ...(gntdev !== undefined ? { gntdev } : {}) };
  });
  const owners = layout.pages.map(
    (page) => topology.memory.find((r) => r.name === page.region)?.owner ?? 'host',
  );
  const ofBuffer = (buffer: string) => grants.filter((g) => g.spec.buffer === buffer);
  return {
    grants,
    dom0Privileged: topology.xen.dom0Privileged,
    owners,
    boot,
    mapsBuffer: (state, domain, buffer) =>
      ofBuffer(buffer).some(
        (g) =>
          g.spec.to === domain &&
          g.entries.every((e) => grantMappedBy(snapshotOf(state, e.component), domain)),
      ),
    entriesOf: (buffer) => ofBuffer(buffer).flatMap((g) => g.entries.map((e) => e.component)),
    exportedBy: (state, domain, buffer) =>
      ofBuffer(buffer).some(
        (g) =>
          g.spec.to === domain &&
          g.gntdev !== undefined &&
          gntdevDmabufIsExported(snapshotOf(state, g.gntdev)),
      ),
  };
}
