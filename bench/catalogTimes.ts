/**
 * The catalog part of `npm run bench`: how soon each flawed design's first counterexample is
 * found (the search time the JSON report gives as `counterexample.found.ms`), how long each
 * whole check takes and how it ends, and the wall time of `protmem catalog` (what `npm start`
 * runs) with its default workers. Designs are checked one after another in this process, under
 * their manifest bounds, exactly as the catalog checks them.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadManifest } from '../src/catalog/manifest.ts';
import { MANIFEST } from '../src/catalog/runCatalog.ts';
import { check } from '../src/check/check.ts';
import type { SearchEnd } from '../src/check/report.ts';
import { loadTopologyFile } from '../src/topology/load.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CATALOG = join(ROOT, 'topologies');

export interface CatalogTime {
  readonly design: string;
  readonly verdict: string;
  /** The first counterexample found: its property, the states stored by then and the search time. */
  readonly first?: { readonly property: string; readonly states: number; readonly ms: number };
  readonly states: number;
  readonly ended: SearchEnd;
  readonly checkMs: number;
}

/** Each exhaustive catalog design, checked under its manifest bound. */
export async function measureCatalog(): Promise<CatalogTime[]> {
  const manifest = await loadManifest(join(CATALOG, MANIFEST));
  const rows: CatalogTime[] = [];
  for (const [file, entry] of Object.entries(manifest.topologies)) {
    if (entry.mode !== 'exhaustive') continue;
    const loaded = await loadTopologyFile(join(CATALOG, file));
    const report = check(loaded, {
      mode: 'exhaustive',
      maxDepth: entry.maxDepth,
      maxStates: entry.maxStates ?? loaded.topology.check.maxStates,
      runs: 1,
      seed: 0,
      properties: [],
    });
    const found = report.properties.flatMap((p) =>
      p.counterexample?.found
        ? [{ property: p.name, states: p.counterexample.found.states, ms: p.counterexample.found.ms ?? 0 }]
        : [],
    );
    const first = found.sort((a, b) => a.states - b.states)[0];
    rows.push({
      design: file.replace(/\.yaml$/, ''),
      verdict: report.verdict,
      ...(first ? { first } : {}),
      states: report.statistics.distinctStates,
      ended: report.statistics.ended,
      checkMs: report.statistics.durationMs,
    });
  }
  return rows;
}

/** Wall time of `protmem catalog topologies` in a child process, with its default workers. */
export function catalogWallMs(): { ms: number; matches: boolean } {
  const started = performance.now();
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'catalog', CATALOG, '--no-timing'],
    { encoding: 'utf8', cwd: ROOT },
  );
  return { ms: performance.now() - started, matches: child.status === 0 };
}
