/**
 * The boot sequence: the calls that bring a platform up before exploration starts (VMs get
 * their memory, firmware programs its regions, the secure world and the heaps come up), each a
 * named step, and what becomes of a design whose boot a machine refuses.
 */
import type { ErrorCode } from '../../machines/refusals.ts';
import type { Delivery, World } from './world.ts';

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
 * Runs the boot steps in order from the world's initial state and makes the state reached the
 * initial state of exploration; stops at the first step a machine refuses.
 */
export function bootWorld(world: World, steps: readonly BootStep[]): { unbootable?: BootFailure } {
  let state = world.initial;
  for (const [index, step] of steps.entries()) {
    const outcome = world.deliver(state, step.deliveries);
    if ('refused' in outcome) {
      const { component, code, failedGuard } = outcome.refused;
      const possessive = step.actor.startsWith('guest ')
        ? `${step.actor}'s`
        : `the ${step.actor === 'vmm' ? 'VMM' : step.actor}'s`;
      return {
        unbootable: {
          index,
          step,
          component: component.label,
          code,
          ...(failedGuard ? { failedGuard } : {}),
          message: `${possessive} ${step.call} refuses ${step.subject} (${formatCode(code)})`,
        },
      };
    }
    state = outcome.state;
  }
  world.initial = state;
  return {};
}

/** An error code as its source prints it: errno names negated (`-EPERM`), others as they are. */
export function formatCode(code: ErrorCode): string {
  return /^E[A-Z0-9]+$/.test(code) ? `-${code}` : code;
}
