/**
 * Shared checks of the reference catalog, split across test files so vitest runs them on
 * several workers.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { loadManifest, type Manifest } from '../../src/catalog/manifest.ts';
import { catalogFiles, compareWithManifest } from '../../src/catalog/runCatalog.ts';
import { check } from '../../src/check/check.ts';
import type { CheckReport } from '../../src/check/report.ts';
import { loadTopologyFile } from '../../src/topology/load.ts';
import { validateTopology } from '../../src/topology/validate.ts';
import { renameAndReverse } from './renameAndReverse.ts';

export const CATALOG = join(import.meta.dirname, '..', '..', 'topologies');

export async function catalog(): Promise<{ manifest: Manifest; files: string[] }> {
  return { manifest: await loadManifest(join(CATALOG, 'manifest.yaml')), files: await catalogFiles(CATALOG) };
}

/** Checks one catalog topology in `mode` and asserts every property's status is the manifest's. */
export async function expectManifestVerdicts(
  manifest: Manifest,
  file: string,
  mode: 'exhaustive' | 'random',
): Promise<CheckReport> {
  const entry = manifest.topologies[file];
  expect(entry, `${file} has no manifest entry`).toBeDefined();
  const loaded = await loadTopologyFile(join(CATALOG, file));
  const report = check(loaded, {
    mode,
    maxDepth: entry!.maxDepth,
    maxStates: entry!.maxStates ?? loaded.topology.check.maxStates,
    runs: entry!.runs ?? loaded.topology.check.runs,
    seed: 0,
    properties: [],
  });
  expect(compareWithManifest(report, entry!), `${file} (${mode})`).toEqual([]);
  return report;
}

/**
 * The same topology with every name changed and every list reversed gives exactly the
 * manifest's statuses, distinct states and counterexample lengths (see `renameAndReverse`).
 */
export async function expectMirroredVerdicts(manifest: Manifest, file: string): Promise<void> {
  const entry = manifest.topologies[file]!;
  const loaded = await loadTopologyFile(join(CATALOG, file));
  const mirrored = renameAndReverse(loaded.topology);
  expect(validateTopology(mirrored), `${file} renamed and reversed is still valid`).toEqual([]);
  const report = check(
    { ...loaded, topology: mirrored },
    {
      mode: 'exhaustive',
      maxDepth: entry.maxDepth,
      maxStates: entry.maxStates ?? loaded.topology.check.maxStates,
      runs: 1,
      seed: 0,
      properties: [],
    },
  );
  expect(compareWithManifest(report, entry), `${file} renamed and reversed`).toEqual([]);
}

/**
 * Random mode on one catalog topology reaches the manifest's verdicts, and breadth-first search
 * finds, for each property random mode violated, a counterexample no longer than fast-check's
 * minimized one.
 */
export async function expectRandomAgreesWithExhaustive(manifest: Manifest, file: string): Promise<void> {
  const random = await expectManifestVerdicts(manifest, file, 'random');
  const violated = random.properties.filter((p) => p.counterexample).map((p) => p.name);
  if (violated.length === 0) return;
  const entry = manifest.topologies[file]!;
  const shortest = check(await loadTopologyFile(join(CATALOG, file)), {
    mode: 'exhaustive',
    maxDepth: entry.maxDepth,
    maxStates: entry.maxStates ?? 300_000,
    runs: 1,
    seed: 0,
    properties: violated,
  });
  for (const property of random.properties.filter((p) => p.counterexample)) {
    const bfs = shortest.properties.find((p) => p.name === property.name)?.counterexample;
    expect(bfs, property.name).toBeDefined();
    expect(bfs!.steps.length, property.name).toBeLessThanOrEqual(property.counterexample!.steps.length);
  }
}
