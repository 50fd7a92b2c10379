/**
 * The pipeline as an ordered chain of stages (docs/model.md#pipeline): decrypt, then each
 * device stage the design declares (decode, compose), then the display. Each stage reads the
 * buffer the stage before it wrote; the decrypt stage reads the pipeline's input.
 */
import type { Topology } from './schema.ts';

export type PipelineSpec = Topology['pipeline'];

/** A stage that runs on a media device and writes a frame: decode (decoder) or compose (GPU). */
export type DeviceStageKind = 'decode' | 'compose';

export interface ChainStage {
  readonly kind: 'decrypt' | DeviceStageKind | 'display';
  /** The party or device that runs the stage. */
  readonly by: string;
  /** The buffer the stage reads. */
  readonly reads: string;
  /** The buffer the stage writes; none for the display. */
  readonly output?: string;
}

/** The device role each device stage needs. */
export const STAGE_ROLE = { decode: 'decoder', compose: 'gpu', display: 'display' } as const;

/** The stages of the pipeline, in the order the frame moves through them. */
export function pipelineChain(pipeline: PipelineSpec): ChainStage[] {
  const chain: ChainStage[] = [
    { kind: 'decrypt', by: pipeline.decrypt.by, reads: pipeline.input, output: pipeline.decrypt.output },
  ];
  let carrier = pipeline.decrypt.output;
  for (const kind of ['decode', 'compose'] as const) {
    const stage = pipeline[kind];
    if (stage === undefined) continue;
    chain.push({ kind, by: stage.by, reads: carrier, output: stage.output });
    carrier = stage.output;
  }
  chain.push({ kind: 'display', by: pipeline.display.by, reads: carrier });
  return chain;
}

/** The devices that run a stage of the pipeline: the pipeline hands them their buffers. */
export function pipelineDevices(pipeline: PipelineSpec): string[] {
  return pipelineChain(pipeline)
    .filter((stage) => stage.kind !== 'decrypt')
    .map((stage) => stage.by);
}

/** The buffers that carry the stream's plaintext: every stage's output. */
export function plaintextBuffers(pipeline: PipelineSpec): string[] {
  return pipelineChain(pipeline).flatMap((stage) => (stage.output !== undefined ? [stage.output] : []));
}
