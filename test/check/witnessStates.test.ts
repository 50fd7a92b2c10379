/**
 * A witness step by step: the run of the legitimate parties that displays a frame, as a check
 * report prints it (calls, callers and words, no replay token), replayed in the design's world
 * so that a review can step through it like a counterexample, with no step marked violating.
 */
import { describe, expect, it } from 'vitest';
import { ReplayTokenError } from '../../src/check/replayToken.ts';
import { witnessStates } from '../../src/check/traceStates.ts';
import { checkOneProperty } from '../support/checkOneProperty.ts';

describe('witnessStates', async () => {
  const { loaded, result: reached } = await checkOneProperty(
    'test/fixtures/review/tzasc-sound.yaml',
    'pipelineReachable',
  );

  it('replays the pipeline to a displayed frame, a state per step, none violating', () => {
    const steps = reached.witness!.steps;
    const trace = witnessStates(loaded.topology, reached.name, steps);
    expect(trace.outcome).toBe('witness');
    expect(trace.states).toHaveLength(steps.length + 1);
    expect(trace.states.map((s) => s.step?.event)).toEqual([undefined, ...steps.map((s) => s.event)]);
    expect(trace.states.some((s) => s.violating)).toBe(false);
    expect(trace.states.at(-1)!.pages.some((page) => page.plaintext.length > 0)).toBe(true);
  });

  it('refuses a step the design does not allow at that point', () => {
    const steps = reached.witness!.steps;
    expect(() => witnessStates(loaded.topology, reached.name, [...steps].reverse())).toThrow(
      ReplayTokenError,
    );
  });
});
