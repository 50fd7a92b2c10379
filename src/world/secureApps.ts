/**
 * The secure world's parties as the world's reach sees them: each app with the pages the TEE
 * maps into it (docs/model.md#parties-and-trust).
 */
import { secureApps } from '../topology/parties.ts';
import type { Topology } from '../topology/schema.ts';
import type { Layout } from './layout.ts';
import type { SecureAppReach } from './reach.ts';

/**
 * Each app of the design, with the pages of every buffer allocated from one of its heaps; an
 * app that names no heaps takes any buffer (OP-TEE maps every memref a client passes it,
 * `vm_map_param()` in `core/mm/vm.c` of OP-TEE/optee_os), so it reaches every page the secure
 * world does.
 */
export function secureAppReach(topology: Topology, layout: Layout): SecureAppReach[] {
  return secureApps(topology).map((app) => {
    if (app.heaps === undefined) return { name: app.name };
    const heaps = new Set(app.heaps);
    const pages = layout.buffers.flatMap((b) => (b.heap !== undefined && heaps.has(b.heap) ? b.pages : []));
    return { name: app.name, pages: new Set(pages) };
  });
}
