/**
 * Helpers for the family tests, which build a world from only the families a case needs: a
 * design from an inline YAML body, the boot calls delivered in order, a step found by its call
 * and applied. Each returns data or throws with what went wrong; none asserts.
 */
import { parseTopology } from '../../src/topology/load.ts';
import type { Topology } from '../../src/topology/schema.ts';
import type { BootStep } from '../../src/world/boot.ts';
import type { Delivery, StepArgs, StepDef, World, WorldState } from '../../src/world/world.ts';

/** A design from the body of a topology file (everything but its name and description). */
export function tinyDesign(body: string): Topology {
  return parseTopology(`name: tiny\ndescription: a design for a family test\n${body}`, 'x.yaml').topology;
}

/** The state after delivering `deliveries`; throws naming the refusal if a machine refuses one. */
export function delivered(world: World, state: WorldState, deliveries: readonly Delivery[]): WorldState {
  const outcome = world.deliver(state, deliveries);
  if ('refused' in outcome) {
    const { component, event, code } = outcome.refused;
    throw new Error(`${component.id} refuses ${event.type} (${code})`);
  }
  return outcome.state;
}

/** What a machine answers to `deliveries`: `accepted`, or the first refusal's component and code. */
export function deliveryOutcome(world: World, state: WorldState, deliveries: readonly Delivery[]): string {
  const outcome = world.deliver(state, deliveries);
  if ('refused' in outcome) return `${outcome.refused.component.id} ${outcome.refused.code}`;
  return 'accepted';
}

/** The state after every boot step, from `state` (the world's initial state by default). */
export function booted(world: World, steps: readonly BootStep[], state = world.initial): WorldState {
  return steps.reduce((s, step) => delivered(world, s, step.deliveries), state);
}

/** The world's step with this call and these arguments; throws when there is none. */
export function stepOf(world: World, call: string, args: StepArgs = {}): StepDef {
  const step = world.findStep(call, args);
  if (!step) throw new Error(`no step ${call} ${JSON.stringify(args)}`);
  return step;
}

/** The state after `step`; throws when the step is not issued or a machine refuses it. */
export function applied(world: World, state: WorldState, step: StepDef): WorldState {
  const next = world.apply(state, step);
  if (!next) throw new Error(`step "${step.text}" does not apply`);
  return next;
}

/** The state after the world's steps named by `[call, args]`, in order. */
export function appliedAll(
  world: World,
  state: WorldState,
  calls: readonly (readonly [string, StepArgs?])[],
): WorldState {
  return calls.reduce((s, [call, args]) => applied(world, s, stepOf(world, call, args)), state);
}

/** The event types of deliveries, with the id of the component each goes to. */
export function deliveryTypes(
  world: World,
  deliveries: readonly Delivery[] | undefined,
): string[] | undefined {
  return deliveries?.map((d) => `${world.components[d.component]!.id} ${d.event.type}`);
}
