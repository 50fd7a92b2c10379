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
  readonly args: StepArgs;
  readonly text: string;
  readonly plan: (state: WorldState) => readonly Delivery[] | undefined;
}

export class WorldBuilder {
  private readonly components: WorldComponent[] = [];
  private readonly steps: StepDef[] = [];
  private readonly routes = new Map<string, EmitRoute>();
  private readonly steppers = new Map<AnyStateMachine, Stepper>();

  constructor(readonly stepperKind: StepperKind = 'compiled') {}

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

  /** Routes events of type `eventType` emitted by components of `kind`. */
  onEmit(kind: ComponentKind, eventType: string, route: EmitRoute): void {
    this.routes.set(`${kind}:${eventType}`, route);
  }

  build(facts: WorldFacts): World {
    const components = this.components;
    const routes = this.routes;
    const route: EmitRoute = (from: number, event: MachineEvent, state: WorldState) => {
      const handler = routes.get(`${components[from]!.kind}:${event.type}`);
      return handler ? handler(from, event, state) : [];
    };
    return new World(components, this.steps, route, facts);
  }
}
