/**
 * Evaluates invariants on world states. Component invariants depend only on one component's
 * snapshot, and snapshots are interned, so each is checked once per distinct snapshot and the
 * answer is remembered by id.
 */
import type { Invariant, Violation, WorldModel } from '../../properties/model.ts';
import { MISS, ReadMemo } from '../world/readMemo.ts';
import type { World, WorldState } from '../world/world.ts';

const NONE: readonly Violation[] = Object.freeze([]);

export class InvariantChecker {
  private readonly memo: Map<number, readonly Violation[]>[];
  private readonly componentChecks: { invariant: Invariant; components: readonly number[] }[];
  private readonly worldChecks: Invariant[];
  /** Per world invariant, its violations remembered by the snapshots it read. */
  private readonly worldMemo: ReadMemo<readonly Violation[]>[];
  /** Every component some component invariant reads, in order. */
  private readonly checked: readonly number[];
  /**
   * Per component, per snapshot id: 0 when not known yet, else `1 | bits << 1` with bit `i`
   * set when component check `i` is violated by that snapshot.
   */
  private violatedBits: Int32Array[];

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
    this.worldMemo = this.worldChecks.map(() => new ReadMemo<readonly Violation[]>());
    if (this.componentChecks.length > 30)
      throw new Error('at most 30 component invariants are checked at once');
    this.checked = [...new Set(this.componentChecks.flatMap((check) => check.components))].sort(
      (a, b) => a - b,
    );
    this.violatedBits = world.components.map(() => new Int32Array(16));
  }

  /** A world invariant's violations in `state`, remembered by what it read. */
  private worldViolations(state: WorldState, check: number): readonly Violation[] {
    const memo = this.worldMemo[check]!;
    const found = memo.get(state.ids);
    if (found !== MISS) return found;
    const invariant = this.worldChecks[check]!;
    return memo.compute(state, (view) => {
      const violations = invariant.world!(view, this.model);
      return violations.length === 0 ? NONE : violations;
    });
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
    this.worldChecks.forEach((_, check) => {
      out.push(...this.worldViolations(state, check));
    });
    return out;
  }

  /** The names of the invariants among `open` that `state` violates. */
  violatedAmong(state: WorldState, open: ReadonlySet<string>): string[] {
    const out: string[] = [];
    let bits = 0;
    for (const index of this.checked) bits |= this.componentBits(state, index);
    this.componentChecks.forEach(({ invariant }, check) => {
      if ((bits & (1 << check)) !== 0 && open.has(invariant.name)) out.push(invariant.name);
    });
    this.worldChecks.forEach((invariant, check) => {
      if (open.has(invariant.name) && this.worldViolations(state, check).length > 0) out.push(invariant.name);
    });
    return out;
  }

  /** Which component checks component `index`'s snapshot in `state` violates, as bits. */
  private componentBits(state: WorldState, index: number): number {
    const id = state.ids[index]!;
    let known = this.violatedBits[index]!;
    if (id < known.length && known[id] !== 0) return known[id]! >>> 1;
    if (id >= known.length) {
      let length = known.length;
      while (length <= id) length *= 2;
      const grown = new Int32Array(length);
      grown.set(known);
      this.violatedBits[index] = known = grown;
    }
    const names = new Set(this.componentViolations(state, index).map((violation) => violation.property));
    let bits = 0;
    this.componentChecks.forEach(({ invariant }, check) => {
      if (names.has(invariant.name)) bits |= 1 << check;
    });
    known[id] = 1 | (bits << 1);
    return bits;
  }

  /** True iff no invariant is violated (stops at the first violation). */
  holds(state: WorldState): boolean {
    for (const { components } of this.componentChecks) {
      for (const index of components) if (this.componentViolations(state, index).length > 0) return false;
    }
    for (let check = 0; check < this.worldChecks.length; check++) {
      if (this.worldViolations(state, check).length > 0) return false;
    }
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
