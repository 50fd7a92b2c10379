/**
 * What the world's remembered step outcomes hold after an exhaustive search, and what the
 * world costs: `node --expose-gc --import tsx bench/memoCost.ts [configuration]`.
 *
 * The memory is the drop in `heapUsed` (after full collections) when the world (its interned
 * snapshots and remembered outcomes) is released; the search's own store is released first.
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
  const before = heapAfterGc();
  let world: ReturnType<typeof buildPkvmWorld>['world'] | undefined = buildPkvmWorld(config.spec).world;
  const result = breadthFirstSearch(world, {
    maxDepth: 1000,
    maxStates: 100_000_000,
    properties: ['never'],
    violated: () => [],
  });
  const withWorld = heapAfterGc();
  const entries = world.memoEntries();
  const snapshots = world.components.map((component) => world!.distinctSnapshots(component.index));
  const steps = world.steps.length;
  world = undefined;
  const after = heapAfterGc();
  console.log(
    `${config.name}: ${result.distinctStates.toLocaleString('en-US')} states, ` +
      `${result.transitions.toLocaleString('en-US')} transitions, ${steps} steps; ` +
      `${entries.toLocaleString('en-US')} remembered outcomes; the world holds ${(withWorld - after).toFixed(1)} MB ` +
      `(${(withWorld - before).toFixed(1)} MB over the heap before it was built); ` +
      `distinct snapshots per component ${snapshots.join(' ')}`,
  );
}
