/**
 * Reading a pKVM page snapshot the way the invariants talk about it.
 */
import type { GuestPageState, PageState, PkvmPageContext } from '../../machines/pkvmPageState.ts';
import type { ComponentSnapshot, WorldModel } from '../model.ts';

export type PageSnapshot = ComponentSnapshot<PkvmPageContext>;

/** Owner annotation of a host `NOPAGE` page, from the state path `NOPAGE.ownedByX`. */
export type NoPageOwner = 'hyp' | 'guest' | 'ffa';

/** The host's `enum pkvm_page_state` for the page: the first segment of the state path. */
export function hostState(snapshot: ComponentSnapshot): PageState {
  const dot = snapshot.value.indexOf('.');
  return (dot < 0 ? snapshot.value : snapshot.value.slice(0, dot)) as PageState;
}

/** Who the host stage-2 annotation names as owner while the host is `NOPAGE`. */
export function noPageOwner(snapshot: ComponentSnapshot): NoPageOwner | undefined {
  switch (snapshot.value) {
    case 'NOPAGE.ownedByHyp':
      return 'hyp';
    case 'NOPAGE.ownedByGuest':
      return 'guest';
    case 'NOPAGE.ownedByFfa':
      return 'ffa';
    default:
      return undefined;
  }
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
    `host ${hostState(snapshot)}${owner ? ` (owner ${owner === 'guest' ? guestLabel(model, c.guestOwner) : owner})` : ''}`,
    `hyp ${c.hyp}`,
    ...guests,
    ...(c.sharedWithFfa ? ['shared with FF-A'] : []),
    ...(c.hypPinCount ? [`${c.hypPinCount} hyp pin(s)`] : []),
    ...(c.dmaRefcount ? [`${c.dmaRefcount} DMA mapping(s)`] : []),
    ...(c.hostShareGuestCount ? [`host_share_guest_count ${c.hostShareGuestCount}`] : []),
  ].join(', ');
}
