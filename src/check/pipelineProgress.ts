/**
 * How far the legitimate pipeline got: each state a search stores is read for the longest prefix
 * of the pipeline's stages that holds in it, and the states at the deepest prefix are kept (a
 * bounded sample). When a stage is never reached, its steps are tried again at those states, and
 * the step that came nearest names where the frame got stuck and what refused it.
 */
import type { MachineSnapshot } from '../../machines/snapshot.ts';
import type { PipelineStage } from '../world/pipelineStages.ts';
import type { World } from '../world/world.ts';
import { StateSample } from './coverageCollector.ts';
import type { PipelineProgress } from './coverageReport.ts';
import { nearestRefusal } from './stepRefusals.ts';

export class StageTracker {
  /** Stages held, as a prefix, in the deepest state so far. */
  deepest = -1;
  private sample = new StateSample(128);
  private readonly scratch: { parts: MachineSnapshot[]; ids: Uint32Array };

  constructor(
    private readonly world: World,
    private readonly stages: readonly PipelineStage[],
  ) {
    this.scratch = { parts: [...world.initial.parts], ids: world.initial.ids };
  }

  /** Takes note of a newly stored state. */
  readonly onState = (ids: Uint32Array): void => {
    this.world.fill(this.scratch, ids);
    let prefix = 0;
    while (prefix < this.stages.length && this.stages[prefix]!.reached(this.scratch)) prefix++;
    if (prefix < this.deepest) return;
    if (prefix > this.deepest) {
      this.deepest = prefix;
      this.sample = new StateSample(128);
    }
    this.sample.add(ids);
  };

  /** The stages reached, and for the first one not reached, where and why the pipeline stopped. */
  progress(search: PipelineProgress['search']): PipelineProgress {
    const reachedCount = Math.max(0, this.deepest);
    const stages = this.stages.map((stage, i) => ({
      name: stage.name,
      text: stage.text,
      reached: i < reachedCount,
    }));
    const last = reachedCount > 0 ? this.stages[reachedCount - 1] : undefined;
    const next = this.stages[reachedCount];
    const head = {
      search,
      stages,
      ...(last ? { lastReached: last.name } : {}),
      ...(next ? { firstUnreached: next.name } : {}),
    };
    if (next === undefined) return { ...head, says: `every stage was reached: ${this.stages.at(-1)?.text}` };
    const since = last ? `after "${last.text}"` : 'from boot';
    const states = this.sample.states;
    const tried = next.steps.map((step) => ({ step, ...nearestRefusal(this.world, step, states) }));
    // The first step of the stage never applied there; else the stage's last step, which applied
    // somewhere but never brought the stage about.
    const blocked = tried.find((t) => t.enabledAt === 0) ?? tried.filter((t) => t.nearest).at(-1);
    if (blocked === undefined || blocked.nearest === undefined) {
      return {
        ...head,
        says: `the pipeline stops ${since}: no legitimate step brings about "${next.text}"`,
      };
    }
    const where =
      blocked.enabledAt === 0
        ? 'never applies'
        : `applies at only ${blocked.enabledAt} of them, never bringing it about`;
    return {
      ...head,
      stuck: {
        step: blocked.step.text,
        event: blocked.step.call,
        tried: states.length,
        enabledAt: blocked.enabledAt,
        why: blocked.nearest,
      },
      says: `the pipeline stops ${since} and never reaches "${next.text}": at the ${states.length} sampled states that far, "${blocked.step.text}" [${blocked.step.call}] ${where}; nearest miss: ${blocked.nearest.says}`,
    };
  }
}
