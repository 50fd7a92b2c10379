/**
 * Checks the predicates a machine file exports over its own snapshots (`vmIsRunning`,
 * `bufferIsFree`) against the machine's states: each is true in exactly the leaf states it names,
 * and every state it names is one the machine has, so renaming a state breaks the test rather
 * than the predicate.
 */
import { expect } from 'vitest';
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import type { MachineSnapshot } from '../../machines/snapshot.ts';

/** Every leaf state of the machine, as a snapshot names it: `NOPAGE.ownedByGuest`. */
export function leafStates(machine: AnyStateMachine): string[] {
  const leaves: string[] = [];
  const walk = (node: AnyStateNode, path: readonly string[]): void => {
    const children = Object.values(node.states) as AnyStateNode[];
    if (children.length === 0) leaves.push(path.join('.'));
    for (const child of children) walk(child, [...path, child.key]);
  };
  walk(machine.root, []);
  return leaves.sort();
}

/** `predicate` holds for a snapshot in each of `states` and in no other leaf state of `machine`. */
export function expectTrueExactlyIn(
  machine: AnyStateMachine,
  predicate: (snapshot: MachineSnapshot) => boolean,
  states: readonly string[],
  context: unknown = undefined,
): void {
  const leaves = leafStates(machine);
  for (const state of states) expect(leaves, `${predicate.name}: a state of ${machine.id}`).toContain(state);
  const holds = leaves.filter((value) => predicate({ value, context }));
  expect(holds, predicate.name).toEqual([...states].sort());
}
