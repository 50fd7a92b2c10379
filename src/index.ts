/**
 * protmem as a library, for property tests in your own vitest suites: load a topology, compose
 * its world, generate runs of enabled steps with fast-check, read the properties, or check the
 * whole design and get the same report `protmem check --json` prints.
 *
 * ```ts
 * import fc from 'fast-check';
 * import { composeWorld, loadTopologyFile, runsOf, sdpInvariants, InvariantChecker } from 'protmem';
 * ```
 */
import type fc from 'fast-check';
import { type ResolvedStep, resolveChoices, stepChoices } from '../properties/arbitraries/stepChoices.ts';
import type { StepDef, World, WorldState } from './world/world.ts';

export type { ComponentSnapshot, Invariant, Violation, WorldModel } from '../properties/model.ts';
export { formatViolation } from '../properties/model.ts';
export { accessPaths, inAudience, pageLabel } from '../properties/sdp/access.ts';
export { PROPERTY_NAMES, pipelineReachable, sdpInvariants } from '../properties/sdp/index.ts';
export type { SdpModel } from '../properties/sdp/sdpModel.ts';
export { catalogPath } from './catalog/catalogPath.ts';
export { check } from './check/check.ts';
export { searchWorld } from './check/exhaustive.ts';
export { InvariantChecker } from './check/invariantChecker.ts';
export { MergeError, mergeShardReports, type ShardReport } from './check/mergeReports.ts';
export type { CheckOptions, CheckReport, PropertyResult, TraceStep } from './check/report.ts';
export { parseReport } from './check/reportFile.ts';
export { parseShard, type Shard } from './check/shard.ts';
export { breadthFirstSearch } from './engine/bfs.ts';
export { minimizeTrace } from './engine/minimizeTrace.ts';
export { type LoadedTopology, loadTopologyFile, parseTopology, TopologyError } from './topology/load.ts';
export type { Topology } from './topology/schema.ts';
export { composeWorld, type SdpWorld } from './world/compose.ts';
export type { StepDef, World, WorldState } from './world/world.ts';

/** A run of a world: the steps taken (enabled ones, plus refused calls that changed nothing). */
export type Run = ResolvedStep<WorldState, StepDef>[];

/**
 * A fast-check arbitrary of runs through `world`: `length` choices, most among the steps enabled
 * in the state reached so far. Each run starts from the world's initial state (after boot).
 */
export function runsOf(
  world: World,
  options: { minLength?: number; maxLength?: number } = {},
): fc.Arbitrary<Run> {
  const model = {
    initial: world.initial,
    steps: world.steps,
    apply: world.apply.bind(world),
    enabled: world.enabled.bind(world),
  };
  return stepChoices({
    minLength: options.minLength ?? 1,
    maxLength: options.maxLength ?? 12,
    enabledBias: 0.85,
  }).map((choices) => resolveChoices(model, choices));
}
