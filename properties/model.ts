/**
 * What properties read: the composed world as data. The world builder in `src/world` produces
 * these shapes; properties never import it (imports flow `src/` → `properties/` → `machines/`).
 */

import type { MachineSnapshot } from '../machines/snapshot.ts';

export type { MachineSnapshot };

/** One machine's state inside a world state: the active leaf path and its context. */
export type ComponentSnapshot<Context = unknown> = MachineSnapshot<Context>;

/** A world state: one snapshot per component, in the order of `WorldModel.components`. */
export interface WorldSnapshot {
  readonly parts: readonly ComponentSnapshot[];
}

export type ComponentKind =
  | 'pkvmPage'
  | 'guestVm'
  | 'pageContent'
  | 'iommuDomain'
  | 'ffaTransaction'
  | 'ffaProxy'
  | 'tzascRegion'
  | 'decryptTrustedApp'
  | 'dmaHeapBuffer'
  | 'protectedPool'
  | 'virtioDmabufExport'
  | 'sharedObjectEntry'
  | 'vhostBackend'
  | 'virtioGpuImport'
  | 'swiotlbBounce'
  | 'mediaDevice'
  | 'assignedDevice'
  | 'guestProgram'
  | 'xenGrantEntry'
  | 'gntdevDmabuf'
  | 'ccaGranule'
  | 'gunyahMemparcel';

export interface ComponentInfo {
  readonly index: number;
  /** Stable identifier, for example `page:3` or `vm:decrypt`. */
  readonly id: string;
  readonly kind: ComponentKind;
  /** How a person names it in a report, for example `page 3` or `VM decrypt`. */
  readonly label: string;
}

/** The static facts of a world that properties need besides its state. */
export interface WorldModel {
  readonly components: readonly ComponentInfo[];
  /** Guest VM names by VM index (the index events and page contexts use). */
  readonly guestNames: readonly string[];
  /** Whether each guest VM is protected, by VM index. */
  readonly guestProtected: readonly boolean[];
  /** Component indices of each kind, in declaration order. */
  readonly byKind: Readonly<Partial<Record<ComponentKind, readonly number[]>>>;
  /** Which kernel the hypervisor runs: its rules differ where the reference says so. */
  readonly kernel: 'upstream' | 'android';
}

export type InvariantKind = 'wellFormed' | 'safety' | 'reachability';

/** One broken claim, as data first: who, what was expected, what was found. */
export interface Violation {
  readonly property: string;
  /** The thing the claim is about, for example `page 3`. */
  readonly subject: string;
  /** Parties involved (readers, owners, borrowers), when the claim is about parties. */
  readonly parties?: readonly string[];
  readonly expected: string;
  readonly actual: string;
}

/**
 * A named claim about the world. `component` claims read one component's snapshot and are
 * checked once per distinct snapshot; `world` claims read the whole state.
 */
export interface Invariant {
  /** The claim, lowerCamel: `pageHasSingleOwner`. */
  readonly name: string;
  /** One sentence: "True iff ...". */
  readonly summary: string;
  readonly kind: InvariantKind;
  readonly component?: {
    readonly kind: ComponentKind;
    check(snapshot: ComponentSnapshot, info: ComponentInfo, model: WorldModel): readonly Violation[];
  };
  readonly world?: (state: WorldSnapshot, model: WorldModel) => readonly Violation[];
}

/** Renders a violation as one line: subject, expected, actual. */
export function formatViolation(violation: Violation): string {
  return `${violation.subject}: expected ${violation.expected}; actual ${violation.actual}`;
}
