/**
 * The legitimate pipeline can run (docs/model.md#trust). Reachability: some reachable state
 * shows a frame of the pipeline's stream on the display. It is what keeps a verdict honest: a
 * design where nothing can be decrypted, decoded or displayed has no leak because it has no
 * function, and is reported as vacuous, not safe. Checked by the engines as a goal (a witness
 * trace), not as a per-state invariant.
 */
export const pipelineReachable = {
  name: 'pipelineReachable',
  summary: "True iff some reachable state has the display showing plaintext of the pipeline's stream.",
  kind: 'reachability' as const,
};
