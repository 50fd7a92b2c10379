/**
 * The search for a legitimate run that displays a frame: breadth-first over the pipeline's and
 * the environment's steps only, so that its witness is a clean pipeline run, and a design that
 * cannot display a frame is reported as vacuous rather than safe. It also reads every state it
 * stores for how far along the pipeline's stages it is, so a vacuous verdict says where the
 * frame got stuck.
 */
import type { SdpWorld } from '../world/compose.ts';
import type { StepDef } from '../world/world.ts';
import type { PipelineProgress } from './coverageReport.ts';
import { searchWorld } from './exhaustive.ts';
import { StageTracker } from './pipelineProgress.ts';
import type { SearchSummary } from './report.ts';

/** The depth the pipeline search goes to: deeper than the main search, for long pipelines. */
const PIPELINE_MIN_DEPTH = 16;

/** A shortest legitimate run that displays a frame, or, without one, how far the pipeline got. */
export function searchPipeline(
  sdp: SdpWorld,
  maxDepth: number,
  maxStates: number,
): { witness?: readonly StepDef[]; summary: SearchSummary; progress?: PipelineProgress } {
  const legit = sdp.world.steps.filter((step) => step.role === 'pipeline' || step.role === 'environment');
  const depth = Math.max(maxDepth, PIPELINE_MIN_DEPTH);
  const tracker = new StageTracker(sdp.world, sdp.stages);
  const result = searchWorld(sdp.world, {
    maxDepth: depth,
    maxStates,
    properties: [],
    goal: sdp.displayed,
    steps: legit,
    onState: tracker.onState,
  });
  return {
    ...(result.witness ? { witness: result.witness } : { progress: tracker.progress('pipeline') }),
    summary: {
      kind: 'pipeline',
      bound: { maxDepth: depth, maxStates },
      distinctStates: result.distinctStates,
      depth: result.depth,
      ended: result.ended,
    },
  };
}
