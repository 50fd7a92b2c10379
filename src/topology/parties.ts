/**
 * Who the parties of a design's secure world are, and whom each stream trusts
 * (docs/model.md#parties-and-trust). A design that names no apps has one, `secure`, reaching
 * everything the secure world reaches; a stream that names no trusted set trusts the
 * hypervisor and every secure app, as every design did before trust became data.
 */
import type { SecureAppSpec, StreamSpec, Topology } from './schema.ts';

/** Parties that exist in every design; VMs and devices may not take their names. */
export const BUILT_IN_PARTIES = ['host', 'vmm', 'secure', 'hyp'] as const;

/** The name of the one secure-world party of a design that declares no apps. */
export const DEFAULT_SECURE_APP = 'secure';

/** The hypervisor at EL2, the one trusted party outside the secure world. */
export const HYPERVISOR_PARTY = 'hyp';

/** The secure world's parties: the declared apps, or the one default app. */
export function secureApps(topology: Pick<Topology, 'secureWorld'>): readonly SecureAppSpec[] {
  return topology.secureWorld.apps ?? [{ name: DEFAULT_SECURE_APP }];
}

/** The names of the secure world's parties. */
export function secureAppNames(topology: Pick<Topology, 'secureWorld'>): string[] {
  return secureApps(topology).map((app) => app.name);
}

/** True iff `party` is one of the secure world's apps. */
export function isSecureApp(topology: Pick<Topology, 'secureWorld'>, party: string): boolean {
  return secureApps(topology).some((app) => app.name === party);
}

/** A stream's trusted computing base: its own `trusted`, or hyp and every secure app. */
export function streamTrusted(topology: Pick<Topology, 'secureWorld'>, stream: StreamSpec): string[] {
  return stream.trusted ?? [HYPERVISOR_PARTY, ...secureAppNames(topology)];
}
