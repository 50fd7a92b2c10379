/**
 * Which pages are in use in a world state: held by a live buffer, owned by a live guest, lent
 * to the secure world, handed out or quarantined by a protected pool. Every other page is free
 * for the next allocation, which is what scrub-before-reuse and page conservation read.
 */
import { bufferIsFree, bufferIsQuarantined } from '../../machines/dmaBufMachine.ts';
import type { FfaTransactionContext } from '../../machines/ffaTransactionMachine.ts';
import { vmIsDestroyed } from '../../machines/guestVmMachine.ts';
import { ownsPage, type PkvmPageContext } from '../../machines/pkvmPageState.ts';
import type { ProtectedHeapContext } from '../../machines/protectedHeapState.ts';
import type { WorldSnapshot } from '../model.ts';
import { part } from './part.ts';
import type { SdpModel } from './sdpModel.ts';

export type PageUse =
  | { readonly kind: 'buffer'; readonly name: string }
  | { readonly kind: 'guest'; readonly name: string }
  | { readonly kind: 'ffa'; readonly handle: number }
  | { readonly kind: 'pool'; readonly heap: string }
  | { readonly kind: 'quarantined'; readonly heap: string };

/** Live guests: created and not yet destroyed. */
export function liveGuests(model: SdpModel, state: WorldSnapshot): Set<string> {
  const live = model.guests.filter((g) => !vmIsDestroyed(part(state, g.component))).map((g) => g.name);
  return new Set(model.domains === undefined ? live : [...live, ...model.domains]);
}

/** What keeps page `pfn` in use, or undefined when it is free for reuse. */
export function pageUse(model: SdpModel, state: WorldSnapshot, pfn: number): PageUse | undefined {
  for (const buffer of model.buffers) {
    if (!buffer.pages.includes(pfn)) continue;
    if (buffer.dmaBuf === undefined) {
      if (liveGuests(model, state).has(buffer.allocatedBy)) return { kind: 'buffer', name: buffer.name };
      continue;
    }
    const snap = part(state, buffer.dmaBuf);
    if (bufferIsQuarantined(snap)) return { kind: 'quarantined', heap: buffer.name };
    if (!bufferIsFree(snap)) return { kind: 'buffer', name: buffer.name };
  }
  const page = model.pages[pfn]!;
  if (page.pkvm !== undefined) {
    const context = part<PkvmPageContext>(state, page.pkvm).context;
    const live = liveGuests(model, state);
    for (const [vm, view] of context.guests.entries()) {
      const name = model.guests[vm]?.name;
      if (name && live.has(name) && ownsPage(view)) return { kind: 'guest', name };
    }
  }
  for (const slot of model.ffaTransactions) {
    const c = part<FfaTransactionContext>(state, slot).context;
    if (c.shareFunc !== null && c.pages.includes(pfn)) return { kind: 'ffa', handle: c.handle };
  }
  for (const pool of model.pools) {
    const c = part<ProtectedHeapContext>(state, pool.component).context;
    if (c.quarantined.includes(pfn)) return { kind: 'quarantined', heap: pool.heap };
    if (c.allocated.includes(pfn) || c.pendingAlloc.includes(pfn)) return { kind: 'pool', heap: pool.heap };
  }
  return undefined;
}
