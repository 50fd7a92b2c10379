/**
 * The legitimate pipeline as a sequence of stages, each a fact about one world state and the
 * steps that bring it about: the input buffer is allocated, the ciphertext is written into it,
 * it is decrypted into the output, (decoded, composed,) and a frame of the stream is on the
 * display. How far a search got along them says where a vacuous design's pipeline gets stuck.
 */
import { bufferIsExported } from '../../machines/dmaBufMachine.ts';
import { pipelineChain } from '../topology/pipelineChain.ts';
import type { Topology } from '../topology/schema.ts';
import { snapshotOf } from './builder.ts';
import type { DmaHeapFamily } from './families/dmaHeapFamily.ts';
import type { PageContentFamily } from './families/pageContentFamily.ts';
import type { StepDef, World, WorldState } from './world.ts';

export interface PipelineStage {
  /** `allocate`, `write`, `decrypt`, `decode`, `compose`, `display`. */
  readonly name: string;
  /** The stage done, in words: "frame holds plaintext of movie". */
  readonly text: string;
  /** True iff the stage's outcome holds in the state. */
  readonly reached: (state: WorldState) => boolean;
  /** The legitimate steps that bring the stage about, in step order. */
  readonly steps: readonly StepDef[];
}

export interface StageSources {
  readonly pipeline: Topology['pipeline'];
  readonly world: World;
  readonly heaps: DmaHeapFamily;
  readonly content: PageContentFamily;
  readonly displayed: (state: WorldState) => boolean;
}

/** The stages of the design's pipeline, in order. */
export function pipelineStages(sources: StageSources): PipelineStage[] {
  const { pipeline, world, heaps, content } = sources;
  const stream = pipeline.stream;
  const input = heaps.bufferByName.get(pipeline.input)!;
  const output = heaps.bufferByName.get(pipeline.decrypt.output)!;
  const legitimate = world.steps.filter((step) => step.role === 'pipeline');
  const stepsOf = (test: (step: StepDef) => boolean) => legitimate.filter(test);
  // A device's steps that move the frame: queueing the buffer that carries it, starting, running.
  const deviceSteps = (device: string, carrier: string) =>
    stepsOf(
      (step) =>
        step.args.device === device && (step.action !== 'queueBuffers' || step.args.input === carrier),
    );
  const holdsPlaintext = (buffer: typeof output) => (state: WorldState) =>
    content.label(state, buffer.pages).plaintext.includes(stream);
  const stages: PipelineStage[] = [
    {
      name: 'allocate',
      text: `input buffer ${input.name} allocated`,
      reached: (state) => input.dmaBuf === undefined || bufferIsExported(snapshotOf(state, input.dmaBuf)),
      steps: stepsOf((step) => step.action === 'allocateBuffer' && step.args.buffer === input.name),
    },
    {
      name: 'write',
      text: `ciphertext of ${stream} written into ${input.name}`,
      reached: (state) => content.label(state, input.pages).ciphertext.includes(stream),
      steps: stepsOf((step) => step.action === 'writeCiphertext'),
    },
    {
      name: 'decrypt',
      text: `${output.name} holds plaintext of ${stream}`,
      reached: holdsPlaintext(output),
      steps: stepsOf((step) => step.action === 'invokeDecrypt' || step.action === 'cdmDecrypt'),
    },
  ];
  for (const stage of pipelineChain(pipeline)) {
    if (stage.kind === 'decode' || stage.kind === 'compose') {
      const written = heaps.bufferByName.get(stage.output!)!;
      stages.push({
        name: stage.kind,
        text: `${stage.by} ${stage.kind === 'decode' ? 'decoded' : 'composed'} ${stream} into ${written.name}`,
        reached: holdsPlaintext(written),
        steps: deviceSteps(stage.by, stage.reads),
      });
    } else if (stage.kind === 'display') {
      stages.push({
        name: 'display',
        text: `${stage.by} shows a frame of ${stream}`,
        reached: sources.displayed,
        steps: deviceSteps(stage.by, stage.reads),
      });
    }
  }
  return stages;
}
