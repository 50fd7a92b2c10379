/**
 * The composed world: a fixed set of machine instances (components), the calls parties can
 * make (steps), and the routing of each call, and of what machines emit, to machine events.
 *
 * A world state is one snapshot per component. Snapshots are interned per component, so equal
 * snapshots are one object with one small id; a state's fingerprint is its id vector. That
 * makes de-duplication cheap and lets per-component invariants run once per distinct snapshot.
 */
import { type ErrorCode, type RefusalTable, refusalCode } from '../../machines/refusals.ts';
import type { ComponentInfo, ComponentKind, WorldModel, WorldSnapshot } from '../../properties/model.ts';
import type { MachineEvent, MachineSnapshot, Stepper } from '../engine/stepper.ts';

export interface WorldState extends WorldSnapshot {
  readonly parts: readonly MachineSnapshot[];
  /** Interned id of each part: equal ids ⇔ equal snapshots. */
  readonly ids: readonly number[];
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

/** Why a step does not apply in a state. */
export type StepRefusal =
  | { readonly kind: 'notIssued' }
  | {
      readonly kind: 'refused';
      readonly component: WorldComponent;
      readonly event: MachineEvent;
      readonly code: ErrorCode;
      readonly failedGuard?: string;
    };

export interface WorldFacts {
  readonly guestNames: readonly string[];
  readonly guestProtected: readonly boolean[];
  readonly kernel: 'upstream' | 'android';
  /** Remember step outcomes per touched-snapshot tuple (default true; off only to measure or cross-check). */
  readonly memoize?: boolean;
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
  private readonly memo: Map<number | string, readonly number[] | null>[];
  private readonly memoize: boolean;

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
    this.memo = steps.map(() => new Map());
    this.memoize = facts.memoize ?? true;
    this.snapsById = components.map(() => []);
    const parts: MachineSnapshot[] = [];
    const ids: number[] = [];
    components.forEach((component, index) => {
      const [snap, id] = this.intern(index, component.stepper.initial(component.input));
      parts.push(snap);
      ids.push(id);
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

  /** Number of distinct snapshots seen so far for a component. */
  distinctSnapshots(component: number): number {
    return this.snapsById[component]!.length;
  }

  /**
   * The state after `step`, or `undefined` if the step is not issued or some machine refuses it.
   *
   * A step's outcome depends only on the snapshots of the components it touches, and those are
   * interned, so outcomes are remembered per step and per id tuple of its touched components:
   * after the first time, applying a step is a lookup. On every miss the step is computed for
   * real, and the world checks that it read and wrote only components it declared: a wrong
   * declaration fails loudly instead of exploring a wrong space.
   */
  apply(state: WorldState, step: StepDef): WorldState | undefined {
    if (!this.memoize) return this.applyOutcome(state, this.compute(state, step));
    const memo = this.memo[step.index]!;
    const touches = step.touches;
    let key: number | string;
    if (touches.length === 1) key = state.ids[touches[0]!]!;
    else if (touches.length === 2) key = state.ids[touches[0]!]! * 0x10000 + state.ids[touches[1]!]!;
    else {
      key = '';
      for (const index of touches) key += `${state.ids[index]},`;
    }
    let outcome = memo.get(key);
    if (outcome === undefined) {
      outcome = this.compute(state, step);
      memo.set(key, outcome);
    }
    return this.applyOutcome(state, outcome);
  }

  private applyOutcome(state: WorldState, outcome: readonly number[] | null): WorldState | undefined {
    if (outcome === null) return undefined;
    const parts = state.parts.slice();
    const ids = state.ids.slice();
    for (let i = 0; i < outcome.length; i += 2) {
      const component = outcome[i]!;
      const id = outcome[i + 1]!;
      ids[component] = id;
      parts[component] = this.snapsById[component]![id]!;
    }
    return { parts, ids };
  }

  /** Runs `step` for real: `null` if refused, else the changed components and their new ids. */
  private compute(state: WorldState, step: StepDef): readonly number[] | null {
    const allowed = new Set(step.touches);
    const guarded = this.guardReads(state, allowed, step);
    const deliveries = step.plan(guarded);
    if (!deliveries) return null;
    const parts = state.parts.slice();
    const ids = state.ids.slice();
    const changed = new Set<number>();
    let queue: readonly Delivery[] = deliveries;
    for (let i = 0; i < queue.length; i++) {
      const delivery = queue[i]!;
      if (!allowed.has(delivery.component)) {
        throw new Error(
          `step "${step.text}" delivers to ${this.components[delivery.component]!.id}, which it does not declare`,
        );
      }
      const component = this.components[delivery.component]!;
      const emitted: MachineEvent[] = [];
      const next = component.stepper.step(parts[delivery.component]!, delivery.event, emitted);
      if (!next) {
        if (delivery.optional) continue;
        return null;
      }
      const [snap, id] = this.intern(delivery.component, next);
      parts[delivery.component] = snap;
      ids[delivery.component] = id;
      changed.add(delivery.component);
      if (emitted.length > 0) {
        const current = this.guardReads({ parts, ids }, allowed, step);
        const more = emitted.flatMap((event) => this.route(delivery.component, event, current));
        if (more.length > 0) queue = [...queue, ...more];
      }
    }
    return [...changed].sort((a, b) => a - b).flatMap((component) => [component, ids[component]!]);
  }

  /** A view of `state` that throws when a step reads a component it did not declare. */
  private guardReads(state: WorldState, allowed: ReadonlySet<number>, step: StepDef): WorldState {
    const components = this.components;
    const check = (target: readonly unknown[]) =>
      new Proxy(target, {
        get(array, property, receiver) {
          if (typeof property === 'string' && /^\d+$/.test(property) && !allowed.has(Number(property))) {
            throw new Error(
              `step "${step.text}" reads ${components[Number(property)]!.id}, which it does not declare`,
            );
          }
          return Reflect.get(array, property, receiver);
        },
      });
    return {
      parts: check(state.parts) as readonly MachineSnapshot[],
      ids: check(state.ids) as readonly number[],
    };
  }

  /** Why `step` does not apply in `state`; `undefined` if it does. */
  explain(state: WorldState, step: StepDef): StepRefusal | undefined {
    if (this.apply(state, step)) return undefined;
    const deliveries = step.plan(state);
    if (!deliveries) return { kind: 'notIssued' };
    const parts = state.parts.slice();
    for (const delivery of deliveries) {
      const component = this.components[delivery.component]!;
      const snap = parts[delivery.component]!;
      const next = component.stepper.step(snap, delivery.event, []);
      if (next) {
        parts[delivery.component] = next;
        continue;
      }
      if (delivery.optional) continue;
      const refusal = component.stepper.explain(snap, delivery.event) ?? {
        reason: 'guard' as const,
        state: snap.value,
      };
      const code: ErrorCode = component.refusals
        ? refusalCode(component.refusals, refusal, snap.context, delivery.event)
        : 'EINVAL';
      return {
        kind: 'refused',
        component,
        event: delivery.event,
        code,
        ...(refusal.failedGuard ? { failedGuard: refusal.failedGuard } : {}),
      };
    }
    return { kind: 'notIssued' };
  }

  /** Indices of the steps that apply in `state`, with their successor states. */
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

  /** The first step with this call and these arguments. */
  findStep(call: string, args: StepArgs = {}): StepDef | undefined {
    return this.steps.find(
      (step) => step.call === call && Object.entries(args).every(([key, value]) => step.args[key] === value),
    );
  }
}
