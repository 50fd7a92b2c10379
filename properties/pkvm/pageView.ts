/**
 * Reading a pKVM page snapshot the way the invariants talk about it.
 */
import {
  type GuestPageState,
  hostPageState,
  type PkvmPageContext,
  pageIsOwnedByFfa,
  pageIsOwnedByGuest,
  pageIsOwnedByHyp,
} from '../../machines/pkvmPageState.ts';
import type { ComponentInfo, ComponentSnapshot, Invariant, Violation, WorldModel } from '../model.ts';

export type PageSnapshot = ComponentSnapshot<PkvmPageContext>;

/** Owner annotation of a host `NOPAGE` page. */
export type NoPageOwner = 'hyp' | 'guest' | 'ffa';

/** Who the host stage-2 annotation names as owner while the host is `NOPAGE`. */
export function noPageOwner(snapshot: ComponentSnapshot): NoPageOwner | undefined {
  if (pageIsOwnedByHyp(snapshot)) return 'hyp';
  if (pageIsOwnedByGuest(snapshot)) return 'guest';
  if (pageIsOwnedByFfa(snapshot)) return 'ffa';
  return undefined;
}

/**
 * A well-formedness claim about one pKVM page: `check` reads the page's snapshot and is run once
 * per distinct snapshot of every `pkvmPage` component.
 */
export function pageInvariant(claim: {
  readonly name: string;
  readonly summary: string;
  check(page: PageSnapshot, info: ComponentInfo, model: WorldModel): readonly Violation[];
}): Invariant {
  return {
    name: claim.name,
    summary: claim.summary,
    kind: 'wellFormed',
    component: {
      kind: 'pkvmPage',
      check: (snapshot, info, model) => claim.check(snapshot as PageSnapshot, info, model),
    },
  };
}

/** `guest <name>` for a VM index. */
export function guestLabel(model: WorldModel, vm: number): string {
  return `guest ${model.guestNames[vm] ?? `#${vm}`}`;
}

/** VM indices whose view of the page is one of `states`. */
export function guestsIn(context: PkvmPageContext, states: readonly GuestPageState[]): number[] {
  const out: number[] = [];
  context.guests.forEach((state, vm) => {
    if (states.includes(state)) out.push(vm);
  });
  return out;
}

/** "host OWNED, hyp NOPAGE, guest decrypt OWNED, refcount 0+0, guest shares 0" for messages. */
export function describePage(snapshot: PageSnapshot, model: WorldModel): string {
  const c = snapshot.context;
  const guests = c.guests
    .map((state, vm) => (state === 'NOPAGE' ? undefined : `${guestLabel(model, vm)} ${state}`))
    .filter((text) => text !== undefined);
  const owner = noPageOwner(snapshot);
  return [
    `host ${hostPageState(snapshot)}${owner ? ` (owner ${owner === 'guest' ? guestLabel(model, c.guestOwner) : owner})` : ''}`,
    `hyp ${c.hyp}`,
    ...guests,
    ...(c.sharedWithFfa ? ['shared with FF-A'] : []),
    ...(c.hypPinCount ? [`${c.hypPinCount} hyp pin(s)`] : []),
    ...(c.dmaRefcount ? [`${c.dmaRefcount} DMA mapping(s)`] : []),
    ...(c.hostShareGuestCount ? [`host_share_guest_count ${c.hostShareGuestCount}`] : []),
  ].join(', ');
}
