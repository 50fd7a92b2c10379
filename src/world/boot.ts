/**
 * The boot sequence: the calls that bring a platform up before exploration starts (VMs get
 * their memory, firmware programs its regions, the secure world and the heaps come up), each a
 * named step, and what becomes of a design whose boot a machine refuses.
 */
import type { ErrorCode } from '../../machines/refusals.ts';
import type { Delivery, DeliveryRefusal, World, WorldState } from './world.ts';

/**
 * One call of the boot sequence: who makes it, the source function it stands for, what it acts
 * on, and the machine events it delivers.
 */
export interface BootStep {
  readonly actor: string;
  /** The source function, as its source spells it: `__pkvm_host_donate_guest()`. */
  readonly call: string;
  /** What the call acts on, in report words: `page carveout:0`, `guest decrypt`. */
  readonly subject: string;
  readonly text: string;
  readonly deliveries: readonly Delivery[];
}

/** The boot step a machine refused, and how: the design cannot come up as written. */
export interface BootFailure {
  /** 0-based position of the refused step in the boot sequence. */
  readonly index: number;
  readonly step: BootStep;
  /** The refusing machine instance, as reports name it. */
  readonly component: string;
  readonly code: ErrorCode;
  readonly failedGuard?: string;
  /** `the host's __pkvm_host_donate_guest() refuses page carveout:0 (-EPERM)`. */
  readonly message: string;
}

/**
 * A call the design makes first once it is up, whose refusal does not depend on the state it is
 * made in (a descriptor the proxy rejects by its shape): tried once at the booted state without
 * keeping its effect, and reported as a refused boot step when a machine refuses it.
 */
export interface BootProbe extends Omit<BootStep, 'deliveries'> {
  /** The call's deliveries at the booted state; `undefined` when it cannot be made there. */
  readonly deliveries: (state: WorldState) => readonly Delivery[] | undefined;
}

/**
 * Runs the boot steps in order from the world's initial state and makes the state reached the
 * initial state of exploration; stops at the first step a machine refuses. Then tries each
 * probe at that state, keeping none of their effects; a refused probe is reported as the step
 * after the boot sequence.
 */
export function bootWorld(
  world: World,
  steps: readonly BootStep[],
  probes: readonly BootProbe[] = [],
): { unbootable?: BootFailure } {
  let state = world.initial;
  for (const [index, step] of steps.entries()) {
    const outcome = world.deliver(state, step.deliveries);
    if ('refused' in outcome) return { unbootable: failure(index, step, outcome.refused) };
    state = outcome.state;
  }
  world.initial = state;
  for (const probe of probes) {
    const deliveries = probe.deliveries(state);
    if (deliveries === undefined) continue;
    const step: BootStep = { ...probe, deliveries };
    const outcome = world.deliver(state, deliveries);
    if ('refused' in outcome) return { unbootable: failure(steps.length, step, outcome.refused) };
  }
  return {};
}

function failure(index: number, step: BootStep, refused: DeliveryRefusal): BootFailure {
  const { component, code, failedGuard } = refused;
  const possessive = step.actor.startsWith('guest ')
    ? `${step.actor}'s`
    : `the ${step.actor === 'vmm' ? 'VMM' : step.actor}'s`;
  return {
    index,
    step,
    component: component.label,
    code,
    ...(failedGuard ? { failedGuard } : {}),
    message: `${possessive} ${step.call} refuses ${step.subject} (${formatCode(code)})`,
  };
}

/** An error code as its source prints it: errno names negated (`-EPERM`), others as they are. */
export function formatCode(code: ErrorCode): string {
  return /^E[A-Z0-9]+$/.test(code) ? `-${code}` : code;
}
