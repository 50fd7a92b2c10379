/**
 * Scrub before reuse (docs/model.md#heaps; guest teardown in docs/model.md#pkvm-ownership).
 * Safety: a page that is free for the next allocation holds no plaintext, so whoever allocates
 * it next (another session, another VM, the host after a reclaim) never reads a previous
 * stream's frames. Caught: heaps that do not zero on free, a failed reclaim whose pages go back
 * to the allocator anyway, guest teardown without `hyp_poison_page()`, reclaims with no CLEAR
 * flag.
 */
import { plaintextStreams } from '../../machines/contentLabel.ts';
import type { Invariant, Violation } from '../model.ts';
import { pageLabel } from './access.ts';
import { pageUse } from './pagesInUse.ts';
import { isSdpModel } from './sdpModel.ts';

export const scrubBeforeReuse: Invariant = {
  name: 'scrubBeforeReuse',
  summary:
    'True iff no page that is free for reuse (in no live buffer, guest, FF-A transaction or pool allocation) holds plaintext.',
  kind: 'safety',
  world(state, model) {
    if (!isSdpModel(model)) return [];
    const out: Violation[] = [];
    for (const page of model.pages) {
      const streams = plaintextStreams(pageLabel(model, state, page.pfn));
      if (streams.length === 0 || pageUse(model, state, page.pfn) !== undefined) continue;
      out.push({
        property: 'scrubBeforeReuse',
        subject: `page ${page.label}`,
        expected: 'zeroed before it is free for reuse',
        actual: `free, still holding plaintext of ${streams.map((s) => `"${s}"`).join(', ')}`,
      });
    }
    return out;
  },
};
