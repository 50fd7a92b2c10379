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
