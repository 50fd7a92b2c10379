/**
 * The Arm CCA family: one granule machine per page of a realm's memory
 * (`machines/ccaGranuleMachine.ts`). At boot the host delegates each page of a realm's protected
 * regions and makes it a DATA granule of the realm while the realm is NEW
 * (`RMI_GRANULE_DELEGATE`, `RMI_DATA_CREATE` in TF-RMM `runtime/rmi/granule.c` and
 * `runtime/rmi/rtt.c`), and maps each page of an unprotected window at the realm's unprotected
 * IPA (`RMI_RTT_MAP_UNPROTECTED`). The RMM's zeroing of a granule (`buffer_granule_memzero()`)
 * scrubs the page's content. Reach (`ccaReach.ts`) reads the granules.
 */
import { ccaGranuleMachine, ccaGranuleRefusals } from '../../../machines/ccaGranuleMachine.ts';
import type { Topology } from '../../topology/schema.ts';
import type { BootStep } from '../boot.ts';
import { type Component, send, type WorldBuilder } from '../builder.ts';
import { withFlaws } from '../flawSwitches.ts';
import type { Layout } from '../layout.ts';
import type { PageContentFamily } from './pageContentFamily.ts';

export type CcaGranule = Component<typeof ccaGranuleMachine>;

/** A buffer in a realm's protected memory: its pages' granules. */
export interface RealmBuffer {
  readonly name: string;
  readonly realm: string;
  readonly granules: readonly CcaGranule[];
  /** The pages' content machines, which the RMM's zeroing writes. */
  readonly contents: readonly number[];
}

export interface CcaFamily {
  /** The granule machine of each page, by pfn; undefined for the host's own memory. */
  readonly granules: readonly (CcaGranule | undefined)[];
  readonly realms: ReadonlySet<string>;
  /** The buffers in realms' protected memory. */
  readonly realmBuffers: readonly RealmBuffer[];
  /** Buffers in an unprotected window: the host allocated their NS pages and knows them. */
  readonly unprotectedBuffers: ReadonlySet<string>;
  readonly boot: readonly BootStep[];
}

export function addCcaFamily(
  builder: WorldBuilder,
  topology: Topology,
  layout: Layout,
  content: PageContentFamily,
): CcaFamily {
  const realms = new Set(topology.vms.filter((vm) => vm.realm).map((vm) => vm.name));
  const unprotected = new Set(topology.cca?.unprotected ?? []);
  const machine = withFlaws(ccaGranuleMachine, 'ccaGranule', topology.flaws);
  const boot: BootStep[] = [];
  const granules = layout.pages.map((page): CcaGranule | undefined => {
    const realm = topology.memory.find((r) => r.name === page.region)?.owner;
    if (realm === undefined || !realms.has(realm)) return undefined;
    const component = builder.addComponent({
      id: `granule:${page.pfn}`,
      kind: 'ccaGranule',
      label: `granule ${page.label}`,
      machine,
      input: { page: page.pfn },
      refusals: ccaGranuleRefusals,
    });
    // buffer_granule_memzero() zeroes the page whose content machine is its own.
    builder.onEmit(component, 'GRANULE_ZEROED', [content.contents[page.pfn]!], (event) =>
      content.scrub([page.pfn], event.by),
    );
    const subject = `granule ${page.label}`;
    if (unprotected.has(page.region)) {
      boot.push({
        actor: 'host',
        call: 'RMI_RTT_MAP_UNPROTECTED',
        subject,
        text: `host maps NS page ${page.label} at ${realm}'s unprotected IPA (RMI_RTT_MAP_UNPROTECTED)`,
        deliveries: [send(component, { type: 'RMI_RTT_MAP_UNPROTECTED', realm })],
      });
    } else {
      boot.push({
        actor: 'host',
        call: 'RMI_GRANULE_DELEGATE, RMI_DATA_CREATE',
        subject,
        text: `host delegates page ${page.label} and makes it a DATA granule of ${realm}, RIPAS RAM (RMI_DATA_CREATE)`,
        deliveries: [
          send(component, { type: 'RMI_GRANULE_DELEGATE' }),
          send(component, { type: 'RMI_DATA_CREATE', realm }),
        ],
      });
    }
    return component;
  });
  const realmBuffers = layout.buffers.flatMap((buffer): RealmBuffer[] => {
    const realm = topology.memory.find((r) => r.name === buffer.region)?.owner;
    if (realm === undefined || !realms.has(realm) || unprotected.has(buffer.region)) return [];
    return [
      {
        name: buffer.name,
        realm,
        granules: buffer.pages.map((pfn) => granules[pfn]!),
        contents: buffer.pages.map((pfn) => content.contents[pfn]!),
      },
    ];
  });
  const unprotectedBuffers = new Set(
    layout.buffers.filter((b) => unprotected.has(b.region)).map((b) => b.name),
  );
  return { granules, realms, realmBuffers, unprotectedBuffers, boot };
}
