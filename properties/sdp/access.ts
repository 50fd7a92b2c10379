/**
 * What the properties ask about pages: who can reach one (the world's `Reach`, read through the
 * model), what it holds, and whether a party may see a stream. Reach is a capability: a party
 * that *can* read plaintext is a leak whether or not it has done so yet, because the untrusted
 * parties (host kernel, VMM, host-programmed DMA masters) choose what to read.
 */
import type { ContentLabel } from '../../machines/contentLabel.ts';
import type { ComponentSnapshot, WorldSnapshot } from '../model.ts';
import type { Access, AccessPath, SdpModel } from './sdpModel.ts';

export type { Access, AccessPath } from './sdpModel.ts';

/** Every party that can make `access` to page `pfn`, with the path that allows it. */
export function accessPaths(
  model: SdpModel,
  state: WorldSnapshot,
  pfn: number,
  access: Access,
): readonly AccessPath[] {
  return model.reach.paths(state, pfn, access);
}

/** The content label of a page. */
export function pageLabel(model: SdpModel, state: WorldSnapshot, pfn: number): ContentLabel {
  return (state.parts[model.pages[pfn]!.content] as ComponentSnapshot<ContentLabel>).context;
}

/**
 * True iff `party` may see the stream's plaintext: in that stream's audience or its trusted
 * set. Each stream is judged on its own, so a party of one stream's audience reading another
 * stream's plaintext is outside the second one's audience.
 */
export function inAudience(model: SdpModel, stream: string, party: string): boolean {
  const declared = model.streams.find((s) => s.name === stream);
  if (declared === undefined) return false;
  return declared.trusted.includes(party) || declared.audience.includes(party);
}

/** The parties a stream trusts (its trusted computing base besides its audience). */
export function trustedBy(model: SdpModel, stream: string): readonly string[] {
  return model.streams.find((s) => s.name === stream)?.trusted ?? [];
}
