/**
 * Page conservation (docs/model.md#pkvm-ownership): every physical page keeps an owner that
 * exists. Well-formed: a page annotated as owned by a guest that has been destroyed, or as lent
 * to FF-A with no live transaction behind it, is lost to the system for good (the Android
 * proxy's handle table overflow leaves exactly that; a host that finalizes teardown before
 * reclaiming strands pVM pages). Quarantined pages are deliberately kept out of use and count
 * as accounted for.
 */
import type { FfaTransactionContext } from '../../machines/ffaTransactionMachine.ts';
import { type PkvmPageContext, pageIsOwnedByFfa, pageIsOwnedByGuest } from '../../machines/pkvmPageState.ts';
import type { ProtectedHeapContext } from '../../machines/protectedHeapState.ts';
import type { Invariant, Violation } from '../model.ts';
import { liveGuests } from './pagesInUse.ts';
import { part } from './part.ts';
import { isSdpModel } from './sdpModel.ts';

export const pageConservation: Invariant = {
  name: 'pageConservation',
  summary:
    'True iff no page is owned by a destroyed guest or lent to FF-A without a live transaction: every page can still come back to someone.',
  kind: 'wellFormed',
  world(state, model) {
    if (!isSdpModel(model)) return [];
    const out: Violation[] = [];
    const live = liveGuests(model, state);
    const lent = (pfn: number) =>
      model.ffaTransactions.some((slot) => {
        const c = part<FfaTransactionContext>(state, slot).context;
        return c.shareFunc !== null && c.pages.includes(pfn);
      });
    // A dynamic pool that gave its pages back to the kernel while the secure world still holds
    // them (a reclaim failure ignored): the kernel will hand them out again.
    for (const pool of model.pools) {
      const snap = part<ProtectedHeapContext>(state, pool.component);
      if (snap.context.pool !== 'dynamic' || snap.context.pages.length > 0) continue;
      for (const pfn of pool.pages) {
        if (!lent(pfn) || snap.context.quarantined.includes(pfn)) continue;
        out.push({
          property: 'pageConservation',
          subject: `page ${model.pages[pfn]!.label}`,
          parties: ['secure'],
          expected: 'held by one owner: back with the kernel only once the secure world gave it up',
          actual: `returned to the kernel's allocator by heap ${pool.heap} while still lent to the secure world`,
        });
      }
    }
    for (const page of model.pages) {
      if (page.pkvm === undefined) continue;
      const snap = part<PkvmPageContext>(state, page.pkvm);
      if (pageIsOwnedByGuest(snap)) {
        const owner = model.guests[snap.context.guestOwner];
        if (owner && !live.has(owner.name)) {
          out.push({
            property: 'pageConservation',
            subject: `page ${page.label}`,
            parties: [owner.name],
            expected: 'owned by a live component',
            actual: `annotated as owned by destroyed guest ${owner.name}`,
          });
        }
      }
      if (pageIsOwnedByFfa(snap)) {
        if (!lent(page.pfn)) {
          out.push({
            property: 'pageConservation',
            subject: `page ${page.label}`,
            expected: 'a page lent over FF-A is covered by a live transaction',
            actual: 'host NOPAGE owned by FF-A with no transaction that could return it',
          });
        }
      }
    }
    return out;
  },
};
