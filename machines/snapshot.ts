/**
 * A machine's state as the explorer stores it: the dot-joined path of its active leaf state
 * (`NOPAGE.ownedByGuest`) and its context. Each machine file exports predicates over its own
 * snapshots (`bufferIsExported`, `poolIsLent`), so nothing outside a machine compares its state
 * names.
 */
export interface MachineSnapshot<Context = unknown> {
  readonly value: string;
  readonly context: Context;
}
