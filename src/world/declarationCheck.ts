/**
 * The check that a step reads only the components it declares (`StepDef.touches`): a world
 * state whose arrays throw on any other index, so a wrong declaration fails loudly instead of
 * exploring a wrong space.
 */
import type { StepDef, WorldComponent, WorldState } from './world.ts';

/** A view of `state` that throws when a step reads a component it did not declare. */
export function guardReads(
  components: readonly WorldComponent[],
  state: WorldState,
  allowed: ReadonlySet<number>,
  step: StepDef,
): WorldState {
  const check = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(array, property) {
        if (typeof property === 'string' && /^\d+$/.test(property) && !allowed.has(Number(property))) {
          throw new Error(
            `step "${step.text}" reads ${components[Number(property)]!.id}, which it does not declare`,
          );
        }
        const value: unknown = Reflect.get(array, property);
        return typeof value === 'function' ? value.bind(array) : value;
      },
    });
  return { parts: check(state.parts), ids: check(state.ids) };
}
