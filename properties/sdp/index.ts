/**
 * The properties a Secure Data Path world is checked against: pKVM well-formedness first (as
 * TLA+ checks a type invariant before the safety ones), then page conservation, the safety
 * properties, and the reachability of the legitimate pipeline.
 */
import type { Invariant } from '../model.ts';
import { pkvmInvariants } from '../pkvm/index.ts';
import { noDanglingAccessAfterRelease } from './noDanglingAccessAfterRelease.ts';
import { pageConservation } from './pageConservation.ts';
import { pipelineReachable } from './pipelineReachable.ts';
import { plaintextNeverReachesUntrusted } from './plaintextNeverReachesUntrusted.ts';
import { protectedBufferIntegrity } from './protectedBufferIntegrity.ts';
import { protectedBufferNotExposed } from './protectedBufferNotExposed.ts';
import { scrubBeforeReuse } from './scrubBeforeReuse.ts';
import { sharedObjectTableAuthority } from './sharedObjectTableAuthority.ts';

export const sdpInvariants: readonly Invariant[] = [
  ...pkvmInvariants,
  pageConservation,
  plaintextNeverReachesUntrusted,
  protectedBufferNotExposed,
  protectedBufferIntegrity,
  scrubBeforeReuse,
  noDanglingAccessAfterRelease,
  sharedObjectTableAuthority,
];

export { pipelineReachable };

/** Every property name a user may pass to `--property`. */
export const PROPERTY_NAMES: readonly string[] = [
  ...sdpInvariants.map((p) => p.name),
  pipelineReachable.name,
];
