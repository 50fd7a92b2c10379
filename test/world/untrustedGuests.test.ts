/**
 * A protected guest the design does not trust (no stream's audience names it, no program drives
 * it) issues its own hypercalls on its own pages at any time; a trusted guest issues none beyond
 * what its program or boot says, and an np-VM has no such calls at all.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../src/topology/load.ts';
import { composeWorld } from '../../src/world/compose.ts';
import { untrustedGuestPages } from '../../src/world/design.ts';
import { resolveLayout } from '../../src/world/layout.ts';

const FILE = 'topologies/pkvm-untrusted-guest-beside-decrypt-vm.yaml';
const design = (edit: (text: string) => string = (t) => t) =>
  parseTopology(edit(readFileSync(FILE, 'utf8')), FILE).topology;

const guestCalls = (topology: ReturnType<typeof design>) =>
  composeWorld(topology)
    .world.steps.filter((s) => s.actor.startsWith('guest '))
    .map((s) => `${s.actor} ${s.call} ${s.args.page}`);

describe('untrusted protected guests', () => {
  it('are the pVMs outside every audience and without a program, with the pages they own', () => {
    const topology = design();
    const layout = resolveLayout(topology);
    expect([...untrustedGuestPages(topology, layout.regionPages)]).toEqual([
      ['navigation', layout.regionPages.get('navigation-ram')],
    ]);
  });

  it('issue MEM_SHARE, MEM_UNSHARE and MEM_RELINQUISH on their own pages, and nobody else does', () => {
    const page = resolveLayout(design()).regionPages.get('navigation-ram')![0];
    expect(guestCalls(design())).toEqual([
      `guest navigation GUEST_SHARE_HOST ${page}`,
      `guest navigation GUEST_UNSHARE_HOST ${page}`,
      `guest navigation GUEST_RELINQUISH_TO_HOST ${page}`,
    ]);
  });

  it('issue none once the audience names them, or when they are not protected', () => {
    expect(
      guestCalls(
        design((t) => t.replace('audience: [decrypt, dpu]', 'audience: [decrypt, navigation, dpu]')),
      ),
    ).toEqual([]);
    expect(
      guestCalls(
        design((t) =>
          t.replace(
            '  - name: navigation\n    protected: true',
            '  - name: navigation\n    protected: false',
          ),
        ),
      ),
    ).toEqual([]);
  });
});
