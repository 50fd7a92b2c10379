/**
 * Checks of the reference catalog as data: each returns what differs from the manifest (an
 * empty list when nothing does), so a test asserts it is empty and a script can print it. Split
 * across test files so vitest runs the catalog on several workers.
 */
import { join } from 'node:path';
import { loadManifest, type Manifest } from '../../src/catalog/manifest.ts';
import { catalogFiles, compareWithManifest, type Mismatch } from '../../src/catalog/runCatalog.ts';
import { check } from '../../src/check/check.ts';
import type { CheckOptions, CheckReport } from '../../src/check/report.ts';
import { type LoadedTopology, loadTopologyFile } from '../../src/topology/load.ts';
import { validateTopology } from '../../src/topology/validate.ts';
import { renameAndReverse } from './renameAndReverse.ts';

export const CATALOG = join(import.meta.dirname, '..', '..', 'topologies');

export async function catalog(): Promise<{ manifest: Manifest; files: string[] }> {
  return { manifest: await loadManifest(join(CATALOG, 'manifest.yaml')), files: await catalogFiles(CATALOG) };
}

/** The check options of a manifest entry, in `mode`. */
function entryOptions(
  manifest: Manifest,
  file: string,
  loaded: LoadedTopology,
  mode: CheckOptions['mode'],
): CheckOptions {
  const entry = manifest.topologies[file];
  if (entry === undefined) throw new Error(`${file} has no manifest entry`);
  return {
    mode,
    maxDepth: entry.maxDepth,
    maxStates: entry.maxStates ?? loaded.topology.check.maxStates,
    runs: entry.runs ?? loaded.topology.check.runs,
    seed: 0,
    properties: [],
  };
}

/** Checks one catalog topology in `mode`: its report, and how it differs from the manifest. */
export async function manifestMismatches(
  manifest: Manifest,
  file: string,
  mode: 'exhaustive' | 'random',
): Promise<{ report: CheckReport; mismatches: Mismatch[] }> {
  const loaded = await loadTopologyFile(join(CATALOG, file));
  const report = check(loaded, entryOptions(manifest, file, loaded, mode));
  return { report, mismatches: compareWithManifest(report, manifest.topologies[file]!) };
}

/**
 * The same topology with every name changed and every list reversed (see `renameAndReverse`):
 * its validation problems, and how its exhaustive check differs from the manifest's statuses,
 * distinct states and counterexample lengths.
 */
export async function mirroredMismatches(manifest: Manifest, file: string): Promise<(string | Mismatch)[]> {
  const loaded = await loadTopologyFile(join(CATALOG, file));
  const mirrored = renameAndReverse(loaded.topology);
  const problems = validateTopology(mirrored);
  if (problems.length > 0) return problems.map((problem) => `mirror image is invalid: ${problem.message}`);
  const report = check({ ...loaded, topology: mirrored }, entryOptions(manifest, file, loaded, 'exhaustive'));
  return compareWithManifest(report, manifest.topologies[file]!);
}

/**
 * Random mode on one catalog topology reaches the manifest's verdicts, and for each property it
 * violated, fast-check's minimized counterexample is no shorter than the shortest one, which is
 * the manifest's (breadth-first search's, held to the manifest by the catalog verdict tests).
 * Returns every way that fails.
 */
export async function randomDisagreements(manifest: Manifest, file: string): Promise<(string | Mismatch)[]> {
  const random = await manifestMismatches(manifest, file, 'random');
  const out: (string | Mismatch)[] = [...random.mismatches];
  const shortest = manifest.topologies[file]!.counterexamples ?? {};
  for (const property of random.report.properties) {
    if (!property.counterexample) continue;
    const length = shortest[property.name];
    if (length === undefined) {
      out.push(`${property.name}: random mode violated it, the manifest records no shortest counterexample`);
    } else if (length > property.counterexample.steps.length) {
      out.push(
        `${property.name}: the shortest trace is ${length} steps, yet random mode found one of ${property.counterexample.steps.length}`,
      );
    }
  }
  return out;
}
