/**
 * Which properties a check decides: the ones named (all when none is), less the component
 * invariants about machines the design does not have.
 */
import type { ComponentKind, Invariant } from '../../properties/model.ts';
import { PROPERTY_NAMES, pipelineReachable, sdpInvariants } from '../../properties/sdp/index.ts';
import type { World } from '../world/world.ts';
import { PropertyNotApplicableError, UnknownPropertyError } from './errors.ts';

/** The selected invariants, and whether the pipeline's reachability is asked for. */
export function selectInvariants(names: readonly string[]): {
  invariants: Invariant[];
  reachability: boolean;
} {
  for (const name of names) {
    if (!PROPERTY_NAMES.includes(name)) {
      throw new UnknownPropertyError(
        `unknown property "${name}"; properties are ${PROPERTY_NAMES.join(', ')}`,
      );
    }
  }
  if (names.length === 0) return { invariants: [...sdpInvariants], reachability: true };
  return {
    invariants: sdpInvariants.filter((p) => names.includes(p.name)),
    reachability: names.includes(pipelineReachable.name),
  };
}

/** What a design needs for the machines a component invariant reads to exist. */
const COMPONENT_NEEDS: Readonly<Partial<Record<ComponentKind, string>>> = {
  pkvmPage: 'it is about pKVM page ownership and the design has no pKVM (hypervisor.kind: none)',
};

/**
 * Component invariants about machines the design does not have (pKVM pages without a
 * hypervisor) are left out rather than reported as trivially holding; one the user named is an
 * error, because a run that checks nothing it was asked to check must not pass.
 */
export function applicableInvariants(
  world: World,
  selected: readonly Invariant[],
  named: readonly string[],
): Invariant[] {
  const applies = (invariant: Invariant) =>
    !invariant.component || (world.byKind[invariant.component.kind]?.length ?? 0) > 0;
  const missing = selected.filter((invariant) => !applies(invariant) && named.includes(invariant.name));
  if (missing.length > 0) {
    const [first] = missing;
    const kind = first!.component!.kind;
    const why = COMPONENT_NEEDS[kind] ?? `the design has no ${kind} machine for it to read`;
    throw new PropertyNotApplicableError(
      `property ${missing.map((m) => m.name).join(', ')} does not apply to this design: ${why}`,
    );
  }
  return selected.filter(applies);
}
