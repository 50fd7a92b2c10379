/**
 * Assembles a `World` from families of components (pKVM pages and VMs, FF-A, heaps, virtio,
 * devices): each family adds its machine instances, the calls that drive them, and routes for
 * what they emit.
 */
import type { AnyStateMachine } from 'xstate';
import type { ComponentKind } from '../../properties/model.ts';
import { compileMachine, interpretedStepper, type MachineEvent, type Stepper } from '../engine/stepper.ts';
import {
  type Delivery,
  type EmitRoute,
  type StepArgs,
  type StepDef,
  World,
  type WorldComponent,
  type WorldFacts,
  type WorldState,
} from './world.ts';

/** How the world steps its machines: XState's own `machine.transition`, or the compiled driver. */
export type StepperKind = 'compiled' | 'interpreted';

export interface StepInput {
  readonly call: string;
  readonly actor: string;
  readonly role?: 'pipeline' | 'adversary' | 'environment';
  readonly args: StepArgs;
  readonly text: string;
  readonly plan: (state: WorldState) => readonly Delivery[] | undefined;
  /**
   * Components the step reads or writes (see `StepDef.touches`); a function when some of them
   * are added to the world after the step (resolved when the world is built).
   */
  readonly touches: readonly number[] | (() => readonly number[]);
}

export class WorldBuilder {
  private readonly components: WorldComponent[] = [];
  private readonly steps: (Omit<StepDef, 'touches'> & Pick<StepInput, 'touches'>)[] = [];
  private readonly routes = new Map<string, EmitRoute>();
  private readonly routeTargets: ((from: number) => readonly number[])[] = [];
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

  /** Adds a machine instance and returns its component index. */
  addComponent(input: {
    id: string;
    kind: ComponentKind;
    label: string;
    machine: AnyStateMachine;
    input: unknown;
    refusals?: WorldComponent['refusals'];
  }): number {
    const index = this.components.length;
    this.components.push({
      index,
      id: input.id,
      kind: input.kind,
      label: input.label,
      stepper: this.stepperFor(input.machine),
      input: input.input,
      ...(input.refusals ? { refusals: input.refusals } : {}),
    });
    return index;
  }

  addStep(step: StepInput): void {
    this.steps.push({ index: this.steps.length, ...step });
  }

  /**
   * Routes events of type `eventType` emitted by components of `kind`. `targets` names every
   * component the route may deliver to from a given emitter, so that steps touching the
   * emitter also declare what its emissions touch.
   */
  onEmit(
    kind: ComponentKind,
    eventType: string,
    route: EmitRoute,
    targets: (from: number) => readonly number[],
  ): void {
    this.routes.set(`${kind}:${eventType}`, route);
    this.routeTargets.push((from) => (this.components[from]!.kind === kind ? targets(from) : []));
  }

  /** A step's declared components plus everything their emissions may reach, transitively. */
  private closeTouches(touches: readonly number[]): number[] {
    const all = new Set(touches);
    const queue = [...touches];
    while (queue.length > 0) {
      const from = queue.pop()!;
      for (const targets of this.routeTargets) {
        for (const target of targets(from)) {
          if (!all.has(target)) {
            all.add(target);
            queue.push(target);
          }
        }
      }
    }
    return [...all].sort((a, b) => a - b);
  }

  build(facts: WorldFacts): World {
    const components = this.components;
    const routes = this.routes;
    const route: EmitRoute = (from: number, event: MachineEvent, state: WorldState) => {
      const handler = routes.get(`${components[from]!.kind}:${event.type}`);
      return handler ? handler(from, event, state) : [];
    };
    const steps = this.steps.map((step) => ({
      ...step,
      touches: this.closeTouches(typeof step.touches === 'function' ? step.touches() : step.touches),
    }));
    return new World(components, steps, route, { ...facts, memoize: this.memoize });
  }
}
