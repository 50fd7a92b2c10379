/**
 * The named flaws a topology can switch on. Each stands for a buggy implementation of one
 * check and is described once, in the machine file where that check lives (its `<machine>Flaws`
 * export, see `machines/flaws.ts`). This file lists those exports with the kind of component
 * the world builds from each machine; `FLAWS` (what topologies may name, and what `protmem
 * flaws` prints) and the world's switches (`src/world/flawSwitches.ts`) are derived from it.
 */
import { assignedDeviceFlaws } from '../../machines/assignedDeviceMachine.ts';
import { ccaGranuleFlaws } from '../../machines/ccaGranuleMachine.ts';
import { decryptTrustedAppFlaws } from '../../machines/decryptTrustedAppMachine.ts';
import { dmaBufFlaws } from '../../machines/dmaBufMachine.ts';
import { describesFlaw, type FlawEntry } from '../../machines/flaws.ts';
import { mediaDeviceFlaws } from '../../machines/mediaDeviceMachine.ts';
import { pkvmFfaProxyFlaws } from '../../machines/pkvmFfaProxyMachine.ts';
import { pkvmPageFlaws } from '../../machines/pkvmPageMachine.ts';
import { protectedHeapFlaws } from '../../machines/protectedHeapMachine.ts';
import { sharedObjectEntryFlaws } from '../../machines/sharedObjectEntryMachine.ts';
import { virtioGpuImportFlaws } from '../../machines/virtioGpuImportMachine.ts';
import { xenGrantEntryFlaws } from '../../machines/xenGrantEntryMachine.ts';
import type { ComponentKind } from '../../properties/model.ts';

/** One machine's flaws, and the kind of the components the world builds from that machine. */
export interface FlawSource {
  readonly kind: ComponentKind;
  readonly flaws: Readonly<Record<string, FlawEntry>>;
}

/** Every machine's `<machine>Flaws` export; `FLAWS` lists the flaws in this order. */
export const FLAW_SOURCES: readonly FlawSource[] = [
  { kind: 'ffaProxy', flaws: pkvmFfaProxyFlaws },
  { kind: 'pkvmPage', flaws: pkvmPageFlaws },
  { kind: 'protectedPool', flaws: protectedHeapFlaws },
  { kind: 'dmaHeapBuffer', flaws: dmaBufFlaws },
  { kind: 'virtioGpuImport', flaws: virtioGpuImportFlaws },
  { kind: 'sharedObjectEntry', flaws: sharedObjectEntryFlaws },
  { kind: 'mediaDevice', flaws: mediaDeviceFlaws },
  { kind: 'decryptTrustedApp', flaws: decryptTrustedAppFlaws },
  { kind: 'assignedDevice', flaws: assignedDeviceFlaws },
  { kind: 'xenGrantEntry', flaws: xenGrantEntryFlaws },
  { kind: 'ccaGranule', flaws: ccaGranuleFlaws },
];

export interface FlawInfo {
  readonly name: string;
  /** What the buggy implementation does, and the real bug or bug class it stands for. */
  readonly summary: string;
}

/**
 * Each flaw once, with the summary of the one entry that describes it. Throws when a flaw has
 * no describing entry or two, or when an entry points at an entry that does not describe it.
 */
export function describeFlaws(sources: readonly FlawSource[]): readonly FlawInfo[] {
  const entries = new Map<string, FlawEntry[]>();
  for (const source of sources)
    for (const [name, entry] of Object.entries(source.flaws))
      entries.set(name, [...(entries.get(name) ?? []), entry]);
  return [...entries].map(([name, all]) => {
    const described = all.filter(describesFlaw);
    if (described.length !== 1)
      throw new Error(`flaw ${name} is described by ${described.length} machine entries, not one`);
    const description = described[0]!;
    for (const entry of all)
      if (!describesFlaw(entry) && entry.describedBy !== description)
        throw new Error(`an entry of flaw ${name} points at the description of another flaw`);
    return { name, summary: description.summary };
  });
}

export const FLAWS: readonly FlawInfo[] = describeFlaws(FLAW_SOURCES);

export const FLAW_NAMES: readonly string[] = FLAWS.map((flaw) => flaw.name);
