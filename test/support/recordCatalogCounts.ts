/**
 * `npm run catalog:record`: checks every catalog design under its manifest bound and writes the
 * distinct-state count and the length of each counterexample into `topologies/manifest.yaml`
 * (the statuses stay as written by hand), and the README's table of how far each design is
 * explored. Run it only when a change to the model or the engine
 * is meant to change what is explored, and say why in the commit.
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { loadManifest } from '../../src/catalog/manifest.ts';
import { check } from '../../src/check/check.ts';
import { loadTopologyFile } from '../../src/topology/load.ts';
import { catalogSearchSummary, catalogSearchTable, withCatalogSearchTable } from './catalogSearchTable.ts';

const DIR = join(import.meta.dirname, '..', '..', 'topologies');
const FILE = join(DIR, 'manifest.yaml');

const manifest = await loadManifest(FILE);
const document = parseDocument(await readFile(FILE, 'utf8'));
for (const [file, entry] of Object.entries(manifest.topologies)) {
  if (entry.mode !== 'exhaustive') continue;
  const loaded = await loadTopologyFile(join(DIR, file));
  const report = check(loaded, {
    mode: 'exhaustive',
    maxDepth: entry.maxDepth,
    maxStates: entry.maxStates ?? loaded.topology.check.maxStates,
    runs: entry.runs ?? loaded.topology.check.runs,
    seed: 0,
    properties: [],
  });
  const counterexamples = Object.fromEntries(
    report.properties.flatMap((p) => (p.counterexample ? [[p.name, p.counterexample.steps.length]] : [])),
  );
  const before = `${entry.states} ${JSON.stringify(entry.counterexamples ?? {})}`;
  const after = `${report.statistics.distinctStates} ${JSON.stringify(counterexamples)}`;
  document.setIn(['topologies', file, 'states'], report.statistics.distinctStates);
  document.setIn(
    ['topologies', file, 'counterexamples'],
    document.createNode(counterexamples, { flow: true }),
  );
  process.stdout.write(`${before === after ? 'same   ' : 'changed'} ${file}: ${after}\n`);
}
await writeFile(FILE, document.toString({ lineWidth: 110 }));
const README = join(DIR, '..', 'README.md');
const recorded = await loadManifest(FILE);
const readme = await readFile(README, 'utf8');
await writeFile(
  README,
  withCatalogSearchTable(readme, catalogSearchSummary(recorded), catalogSearchTable(recorded)),
);
// The house formatter has the last word on layout, so what is recorded passes `npm run lint`.
execFileSync(join(DIR, '..', 'node_modules', '.bin', 'biome'), ['format', '--write', FILE, README], {
  stdio: 'inherit',
});
