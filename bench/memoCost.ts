/**
 * What the world's remembered step outcomes hold after an exhaustive search, and what they
 * cost: `node --expose-gc --import tsx bench/memoCost.ts [configuration]`.
 *
 * The tables are private to `World`; this script reads them through a structural cast, for
 * reporting only. Their memory is the drop in `heapUsed` (after full collections) when they
 * are cleared.
 */
import { breadthFirstSearch } from '../src/engine/bfs.ts';
import { buildPkvmWorld } from '../src/world/families/pkvmFamily.ts';
import { benchConfigs } from './configs.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const heapAfterGc = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
};

for (const config of benchConfigs) {
  if (process.argv[2] && config.name !== process.argv[2]) continue;
  const { world } = buildPkvmWorld(config.spec);
  const result = breadthFirstSearch(world, {
    maxDepth: 1000,
    maxStates: 100_000_000,
    properties: ['never'],
    violated: () => [],
  });
  const memo = (world as unknown as { memo: Map<unknown, unknown>[] }).memo;
  let entries = 0;
  let refusals = 0;
  let multiKey = 0;
  for (const table of memo) {
    for (const [key, outcome] of table) {
      entries++;
      if (outcome === null) refusals++;
      if (typeof key === 'string') multiKey++;
    }
  }
  const before = heapAfterGc();
  for (const table of memo) table.clear();
  const after = heapAfterGc();
  const snapshots = world.components.map((component) => world.distinctSnapshots(component.index));
  console.log(
    `${config.name}: ${result.distinctStates.toLocaleString('en-US')} states, ` +
      `${result.transitions.toLocaleString('en-US')} transitions, ${world.steps.length} steps; ` +
      `${entries.toLocaleString('en-US')} remembered outcomes (${refusals.toLocaleString('en-US')} refusals, ` +
      `${multiKey.toLocaleString('en-US')} keyed by 3+ components), ${(before - after).toFixed(1)} MB; ` +
      `distinct snapshots per component ${snapshots.join(' ')}`,
  );
}
