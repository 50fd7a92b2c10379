/**
 * Trusted guests' programs (`vms[].program`): a protected VM's hypercalls and its own pipeline
 * stages, made in the design's order. Each entry is a step the guest can take only when its
 * program is at that entry; a pipeline stage named in the program (writing the ciphertext,
 * decrypting) waits for its turn the same way.
 *
 * The hypercalls are the guest's memory-sharing calls of `nvhe/mem_protect.c`:
 * `__pkvm_guest_share_host()` (MEM_SHARE), `__pkvm_guest_unshare_host()` (MEM_UNSHARE) and, in
 * the Android Common Kernel, `__pkvm_guest_relinquish_to_host()` (MEM_RELINQUISH), issued per
 * page of a buffer of the guest's own memory from a loaded vCPU (`pkvm_memshare_call()` and
 * friends in `nvhe/pkvm.c`). A call the page machine refuses leaves the program where it was.
 */
import {
  type GuestProgramEvent,
  guestProgramMachine,
  guestProgramRefusals,
  programIsAt,
} from '../../../machines/guestProgramMachine.ts';
import type { PkvmPageEvent } from '../../../machines/pkvmPageMachine.ts';
import type { ProgramEntrySpec, Topology } from '../../topology/schema.ts';
import { type Component, type StepInput, send, snapshotOf, type WorldBuilder } from '../builder.ts';
import type { Delivery, WorldState } from '../world.ts';
import type { DmaHeapFamily } from './dmaHeapFamily.ts';
import type { PkvmFamily } from './pkvmFamily.ts';

export type GuestProgram = Component<typeof guestProgramMachine>;

/** A guest's program, with the world component that keeps its place. */
export interface Program {
  readonly vm: string;
  readonly index: number;
  readonly component: GuestProgram;
  readonly entries: readonly ProgramEntrySpec[];
}

/** The step call each pipeline entry of a program stands for. */
const STAGE_CALLS: Readonly<Record<string, string>> = {
  writeCiphertext: 'WRITE_CIPHERTEXT',
  decrypt: 'CDM_DECRYPT',
};

const MEMORY_CALLS = {
  memShare: { event: 'GUEST_SHARE_HOST', call: 'MEM_SHARE', words: 'shares', with: 'with' },
  memUnshare: { event: 'GUEST_UNSHARE_HOST', call: 'MEM_UNSHARE', words: 'unshares', with: 'from' },
  memRelinquish: {
    event: 'GUEST_RELINQUISH_TO_HOST',
    call: 'MEM_RELINQUISH',
    words: 'relinquishes',
    with: 'to',
  },
} as const;

/** One program component per guest that has a program. */
export function addGuestPrograms(builder: WorldBuilder, topology: Topology): Program[] {
  return topology.vms.flatMap((vm, index) =>
    vm.program === undefined || vm.program.length === 0
      ? []
      : [
          {
            vm: vm.name,
            index,
            entries: vm.program,
            component: builder.addComponent({
              id: `program:${vm.name}`,
              kind: 'guestProgram',
              label: `program of ${vm.name}`,
              machine: guestProgramMachine,
              input: { length: vm.program.length },
              refusals: guestProgramRefusals,
            }),
          },
        ],
  );
}

function advance(program: Program, position: number): Delivery {
  const event: GuestProgramEvent = { type: 'PROGRAM_STEP', index: position };
  return send(program.component, event);
}

/**
 * A program's memory call: the guest issues it on every page of the buffer, from a loaded vCPU.
 */
export function guestMemoryCall(
  program: Program,
  position: number,
  pkvm: PkvmFamily,
  heaps: DmaHeapFamily,
): StepInput {
  const entry = program.entries[position]!;
  const call = MEMORY_CALLS[entry.call as keyof typeof MEMORY_CALLS];
  const buffer = heaps.bufferByName.get(entry.buffer!)!;
  const pages = buffer.pages.map((pfn) => pkvm.pages[pfn]!);
  return {
    action: 'guestMemoryCall',
    call: call.call,
    actor: program.vm,
    role: 'pipeline',
    args: { vm: program.vm, buffer: buffer.name, entry: position + 1 },
    text: `${program.vm} ${call.words} ${buffer.name} ${call.with} the host (${call.call}, program entry ${position + 1})`,
    touches: [program.component, pkvm.guests[program.index]!, ...pages],
    plan: (state) => {
      if (!programIsAt(snapshotOf(state, program.component), position)) return undefined;
      const facts = pkvm.guestFacts(state, program.index);
      if (!facts.vcpuLoaded) return undefined;
      return [
        ...pages.map((page) => send(page, { ...facts, type: call.event } as PkvmPageEvent)),
        advance(program, position),
      ];
    },
  };
}

/** The program's memory calls, in the order the world offers them. */
export function addGuestProgramSteps(
  add: (step: StepInput) => void,
  programs: readonly Program[],
  pkvm: PkvmFamily,
  heaps: DmaHeapFamily,
): void {
  for (const program of programs) {
    program.entries.forEach((entry, position) => {
      if (entry.call in MEMORY_CALLS) add(guestMemoryCall(program, position, pkvm, heaps));
    });
  }
}

/**
 * Wraps `add` so that a pipeline stage a program names waits for its entry: the step is enabled
 * only at that entry and moves the program on.
 */
export function inProgramOrder(
  add: (step: StepInput) => void,
  programs: readonly Program[],
): (step: StepInput) => void {
  return (step) => {
    for (const program of programs) {
      if (step.actor !== program.vm) continue;
      const position = program.entries.findIndex((entry) => STAGE_CALLS[entry.call] === step.call);
      if (position < 0) continue;
      const touches = step.touches;
      add({
        ...step,
        args: { ...step.args, entry: position + 1 },
        touches: () => [...(typeof touches === 'function' ? touches() : touches), program.component],
        plan: (state: WorldState) => {
          if (!programIsAt(snapshotOf(state, program.component), position)) return undefined;
          const deliveries = step.plan(state);
          return deliveries === undefined ? undefined : [...deliveries, advance(program, position)];
        },
      });
      return;
    }
    add(step);
  };
}
