/**
 * What every design gets besides what its topology declares: the untrusted host's own scratch
 * buffer, and the FF-A proxy's mailbox pages. And who the host side is.
 */
import type { Topology } from '../topology/schema.ts';

/** The name of the clear buffer every host can allocate for itself, whatever the design says. */
export const HOST_SCRATCH = 'host-scratch';

/** The FF-A proxy's mailbox pages: host memory outside the pages a topology models. */
export const MAILBOX_TX = 1_000_000;
export const MAILBOX_RX = 1_000_001;

/** The host kernel and its VMM: one CPU domain, the host's stage-2. */
export const HOST_PARTIES: ReadonlySet<string> = new Set(['host', 'vmm']);

/**
 * The design plus what the adversary always has: one page of ordinary host memory it can
 * allocate as a buffer, to hand to a trusted app or a device as an output.
 */
export function withHostScratch(topology: Topology): Topology {
  return {
    ...topology,
    memory: [
      ...topology.memory,
      {
        name: HOST_SCRATCH,
        pages: 1,
        type: 'memory',
        knownBy: 'deviceTree',
        protection: 'none',
        owner: 'host',
        sharedWithHost: false,
      },
    ],
    heaps: [
      ...topology.heaps,
      { name: HOST_SCRATCH, kind: 'system', region: HOST_SCRATCH, exporter: 'system', scrub: 'zero' },
    ],
    buffers: [...topology.buffers, { name: HOST_SCRATCH, heap: HOST_SCRATCH, pages: 1, allocatedBy: 'host' }],
  };
}

/**
 * The protected guests the design does not trust, and their own pages: a pVM in no stream's
 * audience and without a program. It may issue any of its hypercalls on those pages at any
 * time, as the host may make any of its calls (docs/model.md#guest-hypercalls).
 */
export function untrustedGuestPages(
  topology: Pick<Topology, 'vms' | 'streams' | 'memory'>,
  regionPages: ReadonlyMap<string, readonly number[]>,
): ReadonlyMap<string, readonly number[]> {
  const audience = new Set(topology.streams.flatMap((stream) => stream.audience));
  const out = new Map<string, readonly number[]>();
  for (const vm of topology.vms) {
    if (!vm.protected || vm.program !== undefined || audience.has(vm.name)) continue;
    const pages = topology.memory
      .filter((region) => region.owner === vm.name)
      .flatMap((region) => regionPages.get(region.name) ?? []);
    if (pages.length > 0) out.set(vm.name, pages);
  }
  return out;
}
