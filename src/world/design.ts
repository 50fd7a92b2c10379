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
