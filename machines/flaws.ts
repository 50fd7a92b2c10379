/**
 * Named flaws: buggy implementations of one check, which a topology switches on by name. A
 * machine with flaws exports `<machine>Flaws` (`pkvmPageFlaws` for `pkvmPageMachine`), keyed by
 * flaw name. Each entry says how the machine is switched (`machine.provide(entry.provide)`) and
 * either describes the flaw or, for a flaw whose check spans two machines, points at the entry
 * of the machine that owns the check, which describes it for both. The machine file is the only
 * place a flaw is described: `src/topology/flaws.ts` lists what topologies may name from these
 * exports, and `src/world/flawSwitches.ts` applies them.
 */

/** A flaw described where its check lives. */
export interface MachineFlaw<Provide = unknown> {
  /** What the buggy implementation does, and the real code or bug class it stands for. */
  readonly summary: string;
  readonly provide: Provide;
}

/** This machine's half of a flaw another machine's entry of the same name describes. */
export interface FlawPart<Provide = unknown> {
  /** The entry that describes the flaw: `protectedHeapFlaws.reclaimFailureIgnored`. */
  readonly describedBy: MachineFlaw;
  readonly provide: Provide;
}

export type FlawEntry<Provide = unknown> = MachineFlaw<Provide> | FlawPart<Provide>;

/** True iff the entry describes its flaw (rather than pointing at the entry that does). */
export function describesFlaw(entry: FlawEntry): entry is MachineFlaw {
  return 'summary' in entry;
}
