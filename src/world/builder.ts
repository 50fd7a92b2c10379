/**
 * Assembles a `World` from families of components (pKVM pages and VMs, page contents, firewall
 * regions, FF-A, heaps and buffers, devices, the decrypt app, virtio): each family adds its
 * machine instances, the steps that drive them, and what happens when a machine emits an event.
 *
 * Components are typed by their machine: `addComponent` returns a `Component<M>`, so a family
 * reads a snapshot with the machine's own context type (`snapshotOf`), builds a delivery with
 * the machine's own event type (`send`), and handles what a machine emits with that machine's
 * own emitted event type (`onEmit`). No family casts an event or compares a state name.
 */
import type { AnyStateMachine, ContextFrom, EmittedFrom, EventFromLogic } from 'xstate';
import type { MachineSnapshot } from '../../machines/snapshot.ts';
import type { ComponentKind } from '../../properties/model.ts';
import { compileMachine, interpretedStepper, type MachineEvent, type Stepper } from '../engine/stepper.ts';
import {
  type Delivery,
  type EmitRoute,
  type EventData,
  type StepDef,
  World,
  type WorldComponent,
  type WorldFacts,
  type WorldState,
} from './world.ts';

/** How the world steps its machines: XState's own `machine.transition`, or the compiled driver. */
export type StepperKind = 'compiled' | 'interpreted';

declare const machineOf: unique symbol;

/** A component's index, typed by the machine it runs. */
export type Component<M extends AnyStateMachine = AnyStateMachine> = number & { readonly [machineOf]?: M };

/** The snapshot of a component in a state, with its machine's context type. */
export function snapshotOf<M extends AnyStateMachine>(
  state: WorldState,
  component: Component<M>,
): MachineSnapshot<ContextFrom<M>> {
  return state.parts[component] as MachineSnapshot<ContextFrom<M>>;
}

/** A delivery of one of a component's own events. */
export function send<M extends AnyStateMachine>(
  component: Component<M>,
  event: EventFromLogic<M>,
  options: { readonly optional?: boolean } = {},
): Delivery {
  return { component, event: event as EventData, ...(options.optional ? { optional: true } : {}) };
}

/** The events of type `T` a machine emits. */
export type EmittedEvent<M extends AnyStateMachine, T extends string> = Extract<EmittedFrom<M>, { type: T }>;

/**
 * A step as a family declares it: a `StepDef` without its index, whose touched components may
 * be a function when some of the components it reads are known only once every family has
 * added its components.
 */
export type StepInput = Omit<StepDef, 'index' | 'touches'> & {
  readonly touches: readonly number[] | (() => readonly number[]);
};

export interface ComponentSpec<M extends AnyStateMachine> {
  readonly id: string;
  readonly kind: ComponentKind;
  readonly label: string;
  readonly machine: M;
  readonly input: unknown;
  readonly refusals?: WorldComponent['refusals'];
}

interface Route {
  readonly deliver: (event: MachineEvent, state: WorldState) => readonly Delivery[];
  readonly targets: () => readonly number[];
}

export class WorldBuilder {
  private readonly components: WorldComponent[] = [];
  private readonly steps: StepInput[] = [];
  /** Per component, per emitted event type, what it causes. */
  private readonly routes: Map<string, Route[]>[] = [];
  private readonly steppers = new Map<AnyStateMachine, Stepper>();

  constructor(
    readonly stepperKind: StepperKind = 'compiled',
    readonly memoize = true,
  ) {}

  private stepperFor(machine: AnyStateMachine): Stepper {
    let stepper = this.steppers.get(machine);
    if (!stepper) {
      stepper = this.stepperKind === 'compiled' ? compileMachine(machine) : interpretedStepper(machine);
      this.steppers.set(machine, stepper);
    }
    return stepper;
  }

  /** Adds a machine instance. */
  addComponent<M extends AnyStateMachine>(spec: ComponentSpec<M>): Component<M> {
    const index = this.components.length;
    this.components.push({
      index,
      id: spec.id,
      kind: spec.kind,
      label: spec.label,
      stepper: this.stepperFor(spec.machine),
      input: spec.input,
      ...(spec.refusals ? { refusals: spec.refusals } : {}),
    });
    this.routes.push(new Map());
    return index as Component<M>;
  }

  addStep(step: StepInput): void {
    this.steps.push(step);
  }

  /**
   * What `from` emitting an event of `type` causes: the deliveries `deliver` returns. `targets`
   * names every component those deliveries may go to, so that a step touching `from` also
   * declares what its emissions touch (a function when some targets are added later).
   */
  onEmit<M extends AnyStateMachine, T extends EmittedFrom<M>['type'] & string>(
    from: Component<M>,
    type: T,
    targets: readonly number[] | (() => readonly number[]),
    deliver: (event: EmittedEvent<M, T>, state: WorldState) => readonly Delivery[],
  ): void {
    const routes = this.routes[from]!;
    const list = routes.get(type) ?? [];
    list.push({
      deliver: (event, state) => deliver(event as EmittedEvent<M, T>, state),
      targets: typeof targets === 'function' ? targets : () => targets,
    });
    routes.set(type, list);
  }

  /** A step's declared components plus everything their emissions may reach, transitively. */
  private closeTouches(touches: readonly number[]): number[] {
    const all = new Set(touches);
    const queue = [...touches];
    while (queue.length > 0) {
      const from = queue.pop()!;
      for (const list of this.routes[from]!.values()) {
        for (const route of list) {
          for (const target of route.targets()) {
            if (!all.has(target)) {
              all.add(target);
              queue.push(target);
            }
          }
        }
      }
    }
    return [...all].sort((a, b) => a - b);
  }

  build(facts: WorldFacts): World {
    const routes = this.routes;
    const route: EmitRoute = (from: number, event: MachineEvent, state: WorldState) => {
      const list = routes[from]!.get(event.type);
      if (list === undefined) return [];
      return list.length === 1
        ? list[0]!.deliver(event, state)
        : list.flatMap((r) => r.deliver(event, state));
    };
    const steps: StepDef[] = this.steps.map((step, index) => ({
      ...step,
      index,
      touches: this.closeTouches(typeof step.touches === 'function' ? step.touches() : step.touches),
    }));
    return new World(this.components, steps, route, { ...facts, memoize: this.memoize });
  }
}
