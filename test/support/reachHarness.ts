/**
 * A catalog design's world, and who can reach one of its pages in a state, as `party: via`
 * lines: what the reach tests of the Xen and Gunyah designs look at.
 */
import { readFileSync } from 'node:fs';
import { accessPaths } from '../../properties/sdp/access.ts';
import { parseTopology } from '../../src/topology/load.ts';
import { composeWorld } from '../../src/world/compose.ts';
import type { WorldState } from '../../src/world/world.ts';

export function reachHarness(file: string, edit: (text: string) => string = (text) => text) {
  const sdp = composeWorld(parseTopology(edit(readFileSync(file, 'utf8')), file).topology);
  const pfn = (label: string) => sdp.model.pages.find((p) => p.label === label)!.pfn;
  return {
    sdp,
    /** Who can make `access` to the page, by party: `party: via`. */
    reach: (state: WorldState, label: string, access: 'read' | 'write') =>
      accessPaths(sdp.model, state, pfn(label), access).map((p) => `${p.party}: ${p.via}`),
  };
}
