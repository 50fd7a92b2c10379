/**
 * Checks every topology of a catalog folder under the mode and bound its manifest entry gives,
 * and compares each property's status with the expected one.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { checkInParallel, defaultWorkers } from '../check/parallelChecks.ts';
import type { CheckReport, PropertyStatus, SearchEnd, Verdict } from '../check/report.ts';
import { loadTopologyFile } from '../topology/load.ts';
import { type ExpectedStatus, loadManifest, type ManifestEntry } from './manifest.ts';

export const MANIFEST = 'manifest.yaml';

export interface Mismatch {
  /**
   * A property's name; `verdict`, `states`, or `<property> trace` (a counterexample's length)
   * when the entry records them; `exhausted` when an entry without a `bound` did not exhaust.
   */
  readonly property: string;
  readonly expected: ExpectedStatus | Verdict | number | 'absent' | 'exhausted';
  readonly actual: PropertyStatus | Verdict | number | 'absent' | SearchEnd;
}

export interface CatalogRow {
  readonly file: string;
  readonly report: CheckReport;
  readonly entry: ManifestEntry;
  readonly mismatches: readonly Mismatch[];
}

export interface CatalogResult {
  readonly manifest: string;
  readonly rows: readonly CatalogRow[];
  /** Topology files the manifest does not list. */
  readonly unlisted: readonly string[];
  /** Manifest entries with no topology file. */
  readonly missing: readonly string[];
}

/** The topology files of a catalog folder, sorted, without the manifest. */
export async function catalogFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  return names.filter((name) => /\.(ya?ml|json)$/.test(name) && name !== MANIFEST).sort();
}

/** Differences between a report and the statuses a manifest entry expects. */
export function compareWithManifest(report: CheckReport, entry: ManifestEntry): Mismatch[] {
  const actual = new Map(report.properties.map((p) => [p.name, p.status]));
  const names = [...new Set([...Object.keys(entry.expect), ...actual.keys()])];
  const mismatches: Mismatch[] = names
    .map((property) => ({
      property,
      expected: entry.expect[property] ?? ('absent' as const),
      actual: actual.get(property) ?? ('absent' as const),
    }))
    .filter((m) => m.expected !== m.actual);
  if (entry.verdict !== undefined && entry.verdict !== report.verdict) {
    mismatches.push({ property: 'verdict', expected: entry.verdict, actual: report.verdict });
  }
  // Counts are those of the entry's exhaustive search; a random run explores other states.
  if (report.mode !== 'exhaustive') return mismatches;
  const complete = ['exhausted', 'decided', 'notBooted'].includes(report.statistics.ended);
  if (entry.bound === undefined && !complete) {
    mismatches.push({ property: 'exhausted', expected: 'exhausted', actual: report.statistics.ended });
  }
  if (entry.states !== undefined && entry.states !== report.statistics.distinctStates) {
    mismatches.push({ property: 'states', expected: entry.states, actual: report.statistics.distinctStates });
  }
  for (const [property, expected] of Object.entries(entry.counterexamples ?? {})) {
    const actual = report.properties.find((p) => p.name === property)?.counterexample?.steps.length;
    if (actual !== expected) {
      mismatches.push({ property: `${property} trace`, expected, actual: actual ?? 'absent' });
    }
  }
  for (const property of report.properties) {
    if (
      property.counterexample &&
      entry.counterexamples !== undefined &&
      !(property.name in entry.counterexamples)
    ) {
      mismatches.push({
        property: `${property.name} trace`,
        expected: 'absent',
        actual: property.counterexample.steps.length,
      });
    }
  }
  return mismatches;
}

export async function runCatalog(
  dir: string,
  hooks: {
    /** Each design as its check finishes (in the order they finish). */
    onRow?: (row: CatalogRow, done: number, total: number) => void;
    only?: (file: string) => boolean;
    /** Worker threads checking designs at once (default: the machine's cores). */
    workers?: number;
  } = {},
): Promise<CatalogResult> {
  const manifestFile = join(dir, MANIFEST);
  const manifest = await loadManifest(manifestFile);
  const files = await catalogFiles(dir);
  const selected = files.filter((file) => manifest.topologies[file] && (hooks.only?.(file) ?? true));
  const tasks = await Promise.all(
    selected.map(async (file) => {
      const entry = manifest.topologies[file]!;
      const loaded = await loadTopologyFile(join(dir, file));
      return {
        file: join(dir, file),
        options: {
          mode: entry.mode,
          maxDepth: entry.maxDepth,
          maxStates: entry.maxStates ?? loaded.topology.check.maxStates,
          runs: entry.runs ?? loaded.topology.check.runs,
          seed: 0,
          properties: [],
        },
        // The states the manifest recorded: a longer check starts sooner.
        cost: entry.states ?? 0,
      };
    }),
  );
  const rows: CatalogRow[] = new Array(selected.length);
  let done = 0;
  await checkInParallel(tasks, hooks.workers ?? defaultWorkers(), {
    onDone: (index, report) => {
      const file = selected[index]!;
      const entry = manifest.topologies[file]!;
      rows[index] = { file, report, entry, mismatches: compareWithManifest(report, entry) };
      hooks.onRow?.(rows[index]!, ++done, selected.length);
    },
  });
  return {
    manifest: manifestFile,
    rows,
    unlisted: files.filter((file) => !manifest.topologies[file]),
    missing: Object.keys(manifest.topologies).filter((file) => !files.includes(file)),
  };
}
