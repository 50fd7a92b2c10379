/** Reading one component's snapshot out of a world state. */
import type { ComponentSnapshot, WorldSnapshot } from '../model.ts';

/** The snapshot of component `index` in `state`, read as that of a machine with context `C`. */
export function part<C = unknown>(state: WorldSnapshot, index: number): ComponentSnapshot<C> {
  return state.parts[index] as ComponentSnapshot<C>;
}
