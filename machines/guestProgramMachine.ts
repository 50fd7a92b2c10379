/**
 * The program of a trusted guest: the calls a protected VM makes, in the order the design gives
 * (`vms[].program`). A trusted party does only what it is written to do, so its hypercalls and
 * its own pipeline stages are entries of one ordered list, and a design can compare orderings
 * ("share the page, unshare it, then decrypt into it" against "decrypt, then unshare") instead
 * of letting the guest act in any order. This is the design's driver, as a P test driver is, not
 * a mechanism of the platform: the calls themselves go to the machines that model them, and a
 * refused call leaves the program where it was (the guest retries, or hangs).
 */
import { and, assign, setup } from 'xstate';
import type { RefusalTable } from './refusals.ts';
import type { MachineSnapshot } from './snapshot.ts';

export interface GuestProgramInput {
  /** How many entries the program has. */
  readonly length: number;
}

export interface GuestProgramContext {
  readonly length: number;
  /** The entry the guest makes next (0-based). */
  readonly next: number;
}

/** The guest made entry `index` of its program. */
export type GuestProgramEvent = { readonly type: 'PROGRAM_STEP'; readonly index: number };

export const guestProgramMachine = setup({
  types: {
    context: {} as GuestProgramContext,
    events: {} as GuestProgramEvent,
    input: {} as GuestProgramInput,
  },
  guards: {
    /** The entry made is the one the program is at: entries are made in order, once each. */
    entryIsNext: ({ context, event }) => event.index === context.next,
    /** It is the last entry. */
    lastEntry: ({ context }) => context.next === context.length - 1,
  },
  actions: {
    advance: assign(({ context }) => ({ next: context.next + 1 })),
  },
}).createMachine({
  id: 'guestProgram',
  description: "A trusted guest's program: the calls it makes, one after another, in the design's order.",
  context: ({ input }) => ({ length: input.length, next: 0 }),
  initial: 'running',
  states: {
    running: {
      description: 'Entry `next` is the one the guest makes next',
      on: {
        PROGRAM_STEP: [
          { guard: and(['entryIsNext', 'lastEntry']), target: 'done', actions: 'advance' },
          { guard: 'entryIsNext', actions: 'advance' },
        ],
      },
    },
    done: {
      description: 'Every entry was made',
      type: 'final',
    },
  },
});

/** True iff the program's next entry is `index`. */
export function programIsAt(snapshot: MachineSnapshot<GuestProgramContext>, index: number): boolean {
  return snapshot.value === 'running' && snapshot.context.next === index;
}

/** Refusal codes: an entry out of order is never made by the guest. */
export const guestProgramRefusals = {
  unhandled: { default: 'NOT_ISSUED' },
  guards: { entryIsNext: 'NOT_ISSUED', lastEntry: 'NOT_ISSUED' },
} as const satisfies RefusalTable<'entryIsNext' | 'lastEntry', GuestProgramContext, GuestProgramEvent>;
