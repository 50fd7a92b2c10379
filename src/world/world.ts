/**
 * The composed world: a fixed set of machine instances (components), the calls parties can
 * make (steps), and the routing of each call, and of what machines emit, to machine events.
 *
 * A world state is one snapshot per component. Snapshots are interned per component, so equal
 * snapshots are one object with one small id, and a state is fully named by its vector of ids
 * (a `Uint32Array`, one word per component): the search stores only those words, and a step's
 * outcome, remembered per tuple of the ids it touches, turns one vector into the next without
 * building a snapshot. Per-component invariants run once per distinct snapshot.
 */
import { type ErrorCode, type RefusalTable, refusalCode } from '../../machines/refusals.ts';
import type { ComponentInfo, ComponentKind, WorldModel, WorldSnapshot } from '../../properties/model.ts';
import type { MachineEvent, MachineSnapshot, Stepper } from '../engine/stepper.ts';
import { CandidateSteps } from './candidateSteps.ts';
import { guardReads } from './declarationCheck.ts';
import { OutcomeArena, REFUSED } from './outcomes.ts';
import { MISS, ReadMemo } from './readMemo.ts';
import type { UnmetPrecondition } from './unmetPrecondition.ts';

export interface WorldState extends WorldSnapshot {
  readonly parts: readonly MachineSnapshot[];
  /** Interned id of each part: equal ids ⇔ equal snapshots. */
  readonly ids: Uint32Array;
}

export interface WorldComponent extends ComponentInfo {
  readonly stepper: Stepper;
  // biome-ignore lint/suspicious/noExplicitAny: a table is typed by its own machine
  readonly refusals?: RefusalTable<string, any, any>;
  readonly input: unknown;
}

/** A machine event as the world builds it: its type and the fields the machine reads. */
export interface EventData {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** A machine transition `World.take` remembers: the next snapshot's id and what it emitted. */
interface TakenTransition {
  readonly id: number;
  readonly emitted: readonly MachineEvent[];
}

/** A remembered refusal in `World.take`'s table. */
const REFUSED_TRANSITION = 0;

/** One machine event for one component. */
export interface Delivery {
  readonly component: number;
  readonly event: EventData;
  /** A refusal of an optional delivery is skipped instead of refusing the whole step. */
  readonly optional?: boolean;
}

/** The arguments that identify a step, kept small and serialisable for replay tokens. */
export type StepArgs = Readonly<Record<string, string | number>>;

export interface StepDef {
  readonly index: number;
  /** The exported function of its family that defines the step: `shareFd`, `lendPool`. */
  readonly action: string;
  /** The call's name as its source spells it, in MACRO_CASE: `HOST_SHARE_HYP`, `FFA_MEM_LEND`. */
  readonly call: string;
  /** Who makes the call: `host`, `hyp`, `guest decrypt`, `secure world`, a device. */
  readonly actor: string;
  /**
   * Whose behaviour the step is: the legitimate `pipeline`, an untrusted party (`adversary`,
   * the default), or the `environment` (firmware, the secure world's answers, failures).
   */
  readonly role: 'pipeline' | 'adversary' | 'environment';
  readonly args: StepArgs;
  /** The call in domain words: "host shares page 3 with hyp". */
  readonly text: string;
  /**
   * The machine events this call delivers in `state`, or `undefined` when the caller cannot
   * make it now (a guest hypercall needs a running vCPU; a bounded counter is at its bound).
   */
  readonly plan: (state: WorldState) => readonly Delivery[] | undefined;
  /**
   * Every component whose snapshot the step reads or writes, including writes caused by what
   * the machines emit. The outcome is a function of these snapshots alone.
   */
  readonly touches: readonly number[];
  /** Why the caller cannot make the call in `state`, when `plan` says it cannot (for coverage). */
  readonly unmet?: UnmetPrecondition;
}

/** Where an event a component emits goes: the deliveries it causes. */
export type EmitRoute = (from: number, event: MachineEvent, state: WorldState) => readonly Delivery[];

/** A machine's refusal of a delivery: which component, which event, in which state, with what code. */
export interface DeliveryRefusal {
  readonly component: WorldComponent;
  readonly event: EventData;
  /** The component's state when it refused. */
  readonly state: string;
  readonly code: ErrorCode;
  /** The first named check that failed, when a guard refused. */
  readonly failedGuard?: string;
}

/** The result of delivering events outside a step: the state reached, or the first refusal. */
export type DeliveryOutcome = { readonly state: WorldState } | { readonly refused: DeliveryRefusal };

export interface WorldFacts {
  readonly guestNames: readonly string[];
  readonly guestProtected: readonly boolean[];
  readonly kernel: 'upstream' | 'android';
  /** Remember step outcomes per touched-snapshot tuple (default true; off only to measure or cross-check). */
  readonly memoize?: boolean;
  /**
   * Check on every computed step that it read and wrote only the components it declared (a
   * wrong declaration fails loudly instead of exploring a wrong space). On by default under
   * vitest or with `PROTMEM_CHECK_DECLARATIONS=1`; it costs a proxy per computed step.
   */
  readonly checkDeclarations?: boolean;
}

/** Whether steps check their declarations unless told: in tests, or when asked by the environment. */
export function checkDeclarationsByDefault(): boolean {
  return process.env.PROTMEM_CHECK_DECLARATIONS === '1' || process.env.VITEST !== undefined;
}

export class World implements WorldModel {
  readonly components: readonly WorldComponent[];
  readonly steps: readonly StepDef[];
  /** The state exploration starts from: the components' initial states after the boot sequence. */
  initial: WorldState;
  readonly guestNames: readonly string[];
  readonly guestProtected: readonly boolean[];
  readonly kernel: 'upstream' | 'android';
  readonly byKind: Readonly<Partial<Record<ComponentKind, readonly number[]>>>;
  private readonly interned: Map<string, { snap: MachineSnapshot; id: number }>[];
  private readonly snapsById: MachineSnapshot[][];
  private readonly route: EmitRoute;
  private readonly memo: ReadMemo<number>[];
  /** Per component, its remembered machine transitions (`take`), by snapshot id and event. */
  private readonly transitions: Map<string, TakenTransition | typeof REFUSED_TRANSITION>[];
  private readonly candidateIndex: CandidateSteps;
  /** Per component, the mask of the steps whose remembered plans ever read it. */
  private readonly readers: Uint32Array[];
  private readonly outcomes = new OutcomeArena();
  private readonly memoize: boolean;
  /** Scratch for `enabled`: a step mask and one state vector. */
  private readonly enabledMask: Uint32Array;
  private readonly enabledScratch: Uint32Array;
  private readonly checkDeclarations: boolean;
  private transitionLog: Set<string> | undefined; // `component|state|EVENT`: see recordTransitions

  constructor(
    components: readonly WorldComponent[],
    steps: readonly StepDef[],
    route: EmitRoute,
    facts: WorldFacts,
  ) {
    this.components = components;
    this.steps = steps;
    this.route = route;
    this.guestNames = facts.guestNames;
    this.guestProtected = facts.guestProtected;
    this.kernel = facts.kernel;
    const byKind: Partial<Record<ComponentKind, number[]>> = {};
    for (const component of components) {
      const list = byKind[component.kind] ?? [];
      list.push(component.index);
      byKind[component.kind] = list;
    }
    this.byKind = byKind;
    this.interned = components.map(() => new Map());
    this.transitions = components.map(() => new Map());
    this.memo = steps.map(() => new ReadMemo<number>());
    this.candidateIndex = new CandidateSteps(this.memo, components.length);
    this.readers = components.map(() => new Uint32Array(this.candidateIndex.words));
    this.enabledMask = new Uint32Array(this.candidateIndex.words);
    this.enabledScratch = new Uint32Array(components.length);
    this.memoize = facts.memoize ?? true;
    this.checkDeclarations = facts.checkDeclarations ?? checkDeclarationsByDefault();
    this.snapsById = components.map(() => []);
    const parts: MachineSnapshot[] = [];
    const ids = new Uint32Array(components.length);
    components.forEach((component, index) => {
      const [snap, id] = this.intern(index, component.stepper.initial(component.input));
      parts.push(snap);
      ids[index] = id;
    });
    this.initial = { parts, ids };
  }

  /** The canonical object and id of a component snapshot. */
  private intern(component: number, snap: MachineSnapshot): [MachineSnapshot, number] {
    const table = this.interned[component]!;
    const key = `${snap.value}|${JSON.stringify(snap.context)}`;
    const found = table.get(key);
    if (found) return [found.snap, found.id];
    const id = table.size;
    table.set(key, { snap, id });
    this.snapsById[component]!.push(snap);
    return [snap, id];
  }

  /**
   * Delivers events outside any step (the boot sequence that brings the platform to the state
   * exploration starts from). Every delivery must be accepted: the first refusal ends the
   * delivery and is returned, named by its component, event and code, so the caller can report
   * the design as one that does not boot.
   */
  deliver(state: WorldState, deliveries: readonly Delivery[]): DeliveryOutcome {
    const parts = state.parts.slice();
    const ids = state.ids.slice();
    let queue: readonly Delivery[] = deliveries;
    for (let i = 0; i < queue.length; i++) {
      const delivery = queue[i]!;
      const component = this.components[delivery.component]!;
      const emitted: MachineEvent[] = [];
      const snap = parts[delivery.component]!;
      const next = component.stepper.step(snap, delivery.event, emitted);
      if (!next) {
        if (delivery.optional) continue;
        const refusal = component.stepper.explain(snap, delivery.event);
        const code: ErrorCode =
          component.refusals && refusal
            ? refusalCode(component.refusals, refusal, snap.context, delivery.event)
            : 'EINVAL';
        return {
          refused: {
            component,
            event: delivery.event,
            state: snap.value,
            code,
            ...(refusal?.failedGuard ? { failedGuard: refusal.failedGuard } : {}),
          },
        };
      }
      const [canonical, id] = this.intern(delivery.component, next);
      parts[delivery.component] = canonical;
      ids[delivery.component] = id;
      if (emitted.length > 0) {
        const current = { parts, ids };
        queue = [...queue, ...emitted.flatMap((event) => this.route(delivery.component, event, current))];
      }
    }
    return { state: { parts, ids } };
  }

  /**
   * From now on, adds each machine transition a computed step takes to the set returned. A step
   * is computed once per tuple of snapshots it reads: the set covers every step applied since.
   */
  recordTransitions(): ReadonlySet<string> {
    this.transitionLog ??= new Set();
    return this.transitionLog;
  }

  /** The snapshot of a component that id `id` names. */
  snapshot(component: number, id: number): MachineSnapshot {
    return this.snapsById[component]![id]!;
  }

  /** Number of distinct snapshots seen so far for a component. */
  distinctSnapshots(component: number): number {
    return this.snapsById[component]!.length;
  }

  /** The snapshots a vector of ids names, as a state. */
  stateOf(ids: Uint32Array): WorldState {
    const parts: MachineSnapshot[] = new Array(ids.length);
    for (let c = 0; c < ids.length; c++) parts[c] = this.snapsById[c]![ids[c]!]!;
    return { parts, ids };
  }

  /**
   * Fills `state.parts` in place with the snapshots `ids` names: for a caller that reads one
   * state at a time (the search's invariant checks) and wants no allocation per state.
   */
  fill(state: { parts: MachineSnapshot[]; ids: Uint32Array }, ids: Uint32Array): void {
    const parts = state.parts;
    for (let c = 0; c < ids.length; c++) parts[c] = this.snapsById[c]![ids[c]!]!;
    state.ids = ids;
  }

  /**
   * Writes into `out` the ids of the state after step `step` from the state whose ids are `ids`,
   * and returns their `hashWords`, computed from `hash` (that of `ids`) by the ids that changed;
   * returns -1 if the step is not issued or some machine refuses it.
   *
   * A step's outcome depends only on the snapshots it reads, and those are interned, so outcomes
   * are remembered per step by the ids it read (`ReadMemo`): after the first time, applying a
   * step is a lookup. On a miss the step is computed for real.
   */
  successor(ids: Uint32Array, step: number, out: Uint32Array, hash = 0): number {
    const def = this.steps[step]!;
    let outcome: number;
    if (this.memoize) {
      const memo = this.memo[step]!;
      const found = memo.get(ids);
      if (found === MISS) {
        outcome = memo.compute(this.stateOf(ids), (view) => this.compute(view, def));
        this.candidateIndex.computed(step, ids);
        for (const component of memo.lastReads) this.readers[component]![step >>> 5]! |= 1 << (step & 31);
      } else {
        outcome = found;
      }
    } else {
      const state = this.stateOf(ids);
      outcome = this.compute({ parts: state.parts.slice(), ids }, def);
    }
    if (outcome === REFUSED) return -1;
    out.set(ids);
    return this.outcomes.applyHashed(outcome, out, hash);
  }

  /** Words of the step masks `candidates` writes. */
  get stepMaskWords(): number {
    return this.candidateIndex.words;
  }

  /**
   * Writes into `out` a mask of the steps that may apply in the state with ids `ids` (bit `s` of
   * word `s >> 5` for step `s`); every other step is refused there. With outcomes not
   * remembered, every step is a candidate.
   */
  candidates(ids: Uint32Array, out: Uint32Array): void {
    if (this.memoize) this.candidateIndex.candidates(ids, out);
    else out.fill(0xffffffff);
  }

  /**
   * Writes into `out` the mask of the steps whose outcome may differ between the states with ids
   * `before` and `after`: those whose remembered plans ever read a component that differs. Every
   * other step has the same outcome in both (it read the same snapshots), so a search can take
   * their enabledness from `before`. With outcomes not remembered, every step.
   */
  dirtySteps(before: Uint32Array, after: Uint32Array, out: Uint32Array): void {
    if (!this.memoize) {
      out.fill(0xffffffff);
      return;
    }
    out.fill(0);
    const words = out.length;
    for (let component = 0; component < before.length; component++) {
      if (before[component] === after[component]) continue;
      const readers = this.readers[component]!;
      for (let w = 0; w < words; w++) out[w]! |= readers[w]!;
    }
  }

  /** The state after `step`, or `undefined` if the step is not issued or some machine refuses it. */
  apply(state: WorldState, step: StepDef): WorldState | undefined {
    const out = new Uint32Array(state.ids.length);
    return this.successor(state.ids, step.index, out) >= 0 ? this.stateOf(out) : undefined;
  }

  /**
   * One machine's transition: the id of the snapshot `event` takes component `component` to from
   * `snap` (whose id is `id`), with the events it emits, or `undefined` if the machine refuses.
   * A machine's step is a function of its snapshot and the event alone, so with outcomes
   * remembered it is remembered too, per (snapshot id, event): steps that read different
   * tuples of other components but deliver the same event to the same snapshot step the
   * machine, and intern its next snapshot, once.
   */
  private take(
    component: number,
    snap: MachineSnapshot,
    id: number,
    event: EventData,
  ): TakenTransition | undefined {
    const remember = this.memoize;
    const table = this.transitions[component]!;
    const key = remember ? `${id}|${JSON.stringify(event)}` : '';
    const known = remember ? table.get(key) : undefined;
    if (known !== undefined) return known === REFUSED_TRANSITION ? undefined : known;
    const emitted: MachineEvent[] = [];
    const next = this.components[component]!.stepper.step(snap, event, emitted);
    const taken = next ? { id: this.intern(component, next)[1], emitted } : undefined;
    if (remember) table.set(key, taken ?? REFUSED_TRANSITION);
    return taken;
  }

  /**
   * Runs `step` for real on `view` (whose `parts` it updates as machines step): `REFUSED`, or
   * the number of its outcome (the changed components and their new ids).
   */
  private compute(view: { parts: MachineSnapshot[]; ids: Uint32Array }, step: StepDef): number {
    const allowed = this.checkDeclarations ? new Set(step.touches) : undefined;
    const state: WorldState = allowed ? guardReads(this.components, view, allowed, step) : view;
    const deliveries = step.plan(state);
    if (!deliveries) return REFUSED;
    const parts = view.parts;
    const ids = view.ids.slice();
    const changed = new Set<number>();
    const taken: string[] | undefined = this.transitionLog ? [] : undefined;
    let queue: readonly Delivery[] = deliveries;
    for (let i = 0; i < queue.length; i++) {
      const delivery = queue[i]!;
      if (allowed && !allowed.has(delivery.component)) {
        throw new Error(
          `step "${step.text}" delivers to ${this.components[delivery.component]!.id}, which it does not declare`,
        );
      }
      const taking = this.take(
        delivery.component,
        parts[delivery.component]!,
        ids[delivery.component]!,
        delivery.event,
      );
      if (taking === undefined) {
        if (delivery.optional) continue;
        return REFUSED;
      }
      taken?.push(`${delivery.component}|${parts[delivery.component]!.value}|${delivery.event.type}`);
      const { id, emitted } = taking;
      const snap = this.snapsById[delivery.component]![id]!;
      parts[delivery.component] = snap;
      ids[delivery.component] = id;
      changed.add(delivery.component);
      if (emitted.length > 0) {
        const current: WorldState = allowed
          ? guardReads(this.components, { parts, ids }, allowed, step)
          : { parts, ids };
        const more = emitted.flatMap((event) => this.route(delivery.component, event, current));
        if (more.length > 0) queue = [...queue, ...more];
      }
    }
    if (taken) for (const transition of taken) this.transitionLog!.add(transition);
    return this.outcomes.add(
      [...changed].sort((a, b) => a - b).flatMap((component) => [component, ids[component]!]),
    );
  }

  /**
   * The steps that apply in `state`, in step order, without building their successor states:
   * only the candidates `candidates` leaves are tried, each into one scratch vector.
   */
  enabled(state: WorldState): StepDef[] {
    const mask = this.enabledMask;
    const scratch = this.enabledScratch;
    this.candidates(state.ids, mask);
    const out: StepDef[] = [];
    for (let w = 0; w < mask.length; w++) {
      let bits = mask[w]!;
      while (bits !== 0) {
        const bit = 31 - Math.clz32(bits & -bits);
        bits &= bits - 1;
        const step = (w << 5) | bit;
        if (step < this.steps.length && this.successor(state.ids, step, scratch) >= 0)
          out.push(this.steps[step]!);
      }
    }
    return out;
  }

  /** The steps that apply in `state`, with their successor states. */
  successors(state: WorldState): { step: StepDef; next: WorldState }[] {
    const out: { step: StepDef; next: WorldState }[] = [];
    for (const step of this.steps) {
      const next = this.apply(state, step);
      if (next) out.push({ step, next });
    }
    return out;
  }

  /** A canonical key: equal keys ⇔ equal world states. */
  fingerprint(state: WorldState): string {
    return state.ids.join(',');
  }

  /** Distinct tuples remembered per step (what the outcome memo holds). */
  memoEntries(): number {
    return this.memo.reduce((sum, memo) => sum + memo.entries, 0);
  }

  /** The first step with this call and these arguments. */
  findStep(call: string, args: StepArgs = {}): StepDef | undefined {
    return this.steps.find(
      (step) => step.call === call && Object.entries(args).every(([key, value]) => step.args[key] === value),
    );
  }
}
