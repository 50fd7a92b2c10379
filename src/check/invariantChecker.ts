/**
 * Evaluates invariants on world states. Component invariants depend only on one component's
 * snapshot, and snapshots are interned, so each is checked once per distinct snapshot and the
 * answer is remembered by id.
 */
import type { Invariant, Violation, WorldModel } from '../../properties/model.ts';
import type { World, WorldState } from '../world/world.ts';

export class InvariantChecker {
  private readonly memo: Map<number, readonly Violation[]>[];
  private readonly componentChecks: { invariant: Invariant; components: readonly number[] }[];
  private readonly worldChecks: Invariant[];

  constructor(
    private readonly world: World,
    readonly invariants: readonly Invariant[],
    /** The static facts properties read; a topology world passes its richer SDP model. */
    private readonly model: WorldModel = world,
  ) {
    this.memo = world.components.map(() => new Map());
    this.componentChecks = invariants
      .filter((invariant) => invariant.component)
      .map((invariant) => ({ invariant, components: world.byKind[invariant.component!.kind] ?? [] }));
    this.worldChecks = invariants.filter((invariant) => invariant.world);
  }

  /** Every violation in `state`, component invariants first, in declaration order. */
  violations(state: WorldState): Violation[] {
    const out: Violation[] = [];
    const components = new Set<number>();
    for (const { components: indices } of this.componentChecks)
      for (const index of indices) components.add(index);
    for (const index of [...components].sort((a, b) => a - b)) {
      out.push(...this.componentViolations(state, index));
    }
    for (const invariant of this.worldChecks) out.push(...invariant.world!(state, this.model));
    return out;
  }

  /** True iff no invariant is violated (stops at the first violation). */
  holds(state: WorldState): boolean {
    for (const { components } of this.componentChecks) {
      for (const index of components) if (this.componentViolations(state, index).length > 0) return false;
    }
    for (const invariant of this.worldChecks)
      if (invariant.world!(state, this.model).length > 0) return false;
    return true;
  }

  private componentViolations(state: WorldState, index: number): readonly Violation[] {
    const id = state.ids[index]!;
    const memo = this.memo[index]!;
    let found = memo.get(id);
    if (found === undefined) {
      const info = this.world.components[index]!;
      const snapshot = state.parts[index]!;
      found = this.componentChecks
        .filter((check) => check.invariant.component!.kind === info.kind)
        .flatMap((check) => check.invariant.component!.check(snapshot, info, this.model));
      memo.set(id, found);
    }
    return found;
  }
}
