/**
 * The check options a topology asks for in its `check:` section (mode, depth, states, runs):
 * what `protmem check <file>` uses when no flag overrides them, and what a review uses for
 * every topology, so that each is checked with its own bounds.
 */
import type { Topology } from '../topology/schema.ts';
import type { CheckOptions } from './report.ts';

export function topologyCheckOptions(topology: Topology, seed: number): CheckOptions {
  const defaults = topology.check;
  return {
    mode: defaults.mode,
    runs: defaults.runs,
    maxDepth: defaults.maxDepth,
    maxStates: defaults.maxStates,
    seed,
    properties: [],
  };
}
