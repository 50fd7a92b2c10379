/**
 * The pipeline's stages: each is run by the right kind of party, writes a declared buffer of
 * its own, and reads what the stage before it wrote. One test per rule, each asserting where
 * the issue points and what was expected and found.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTopology, TopologyError, type TopologyIssue } from '../../src/topology/load.ts';
import { pipelineChain, pipelineDevices, plaintextBuffers } from '../../src/topology/pipelineChain.ts';
import { edit, positionOf } from '../support/topologyIssues.ts';

/** The carveout design with a GPU composing the decoded frame before the display shows it. */
const COMPOSED = readFileSync('test/fixtures/tzasc-carveout.yaml', 'utf8')
  .replace('    pages: 2\ndevices:', '    pages: 2\n  - name: composed\n    heap: secure-video\ndevices:')
  .replace(
    '  - name: dpu\n    role: display',
    '  - name: dpu\n    role: display\n  - name: gpu\n    role: gpu',
  )
  .replace('  display: { by: dpu }', '  compose: { by: gpu, output: composed }\n  display: { by: dpu }');

function onlyIssue(text: string): TopologyIssue {
  try {
    parseTopology(text, 't.yaml');
  } catch (error) {
    if (!(error instanceof TopologyError)) throw error;
    expect(error.issues).toHaveLength(1);
    return error.issues[0]!;
  }
  throw new Error('the topology was accepted');
}

describe('a compose stage', () => {
  it('is a valid stage between decode and display, in the order the frame moves', () => {
    const { pipeline } = parseTopology(COMPOSED, 't.yaml').topology;
    expect(pipelineChain(pipeline)).toEqual([
      { kind: 'decrypt', by: 'secure', reads: 'ciphertext', output: 'bitstream' },
      { kind: 'decode', by: 'vdec', reads: 'bitstream', output: 'frame' },
      { kind: 'compose', by: 'gpu', reads: 'frame', output: 'composed' },
      { kind: 'display', by: 'dpu', reads: 'composed' },
    ]);
    expect(pipelineDevices(pipeline)).toEqual(['vdec', 'gpu', 'dpu']);
    expect(plaintextBuffers(pipeline)).toEqual(['bitstream', 'frame', 'composed']);
  });

  it('reads the decrypt output when there is no decode stage', () => {
    const text = edit(COMPOSED, '  decode: { by: vdec, output: frame }\n', '');
    const chain = pipelineChain(parseTopology(text, 't.yaml').topology.pipeline);
    expect(chain.map((stage) => [stage.kind, stage.reads])).toEqual([
      ['decrypt', 'ciphertext'],
      ['compose', 'bitstream'],
      ['display', 'composed'],
    ]);
  });

  it('names the device that runs it', () => {
    const text = edit(
      COMPOSED,
      '  compose: { by: gpu, output: composed }',
      '  compose: { output: composed }',
    );
    expect(onlyIssue(text)).toMatchObject({
      code: 'missingField',
      path: 'pipeline.compose.by',
      ...positionOf(text, 'compose: { output'),
    });
  });

  it('is run by a GPU', () => {
    const text = edit(COMPOSED, '  compose: { by: gpu,', '  compose: { by: vdec,');
    expect(onlyIssue(text)).toMatchObject({
      code: 'wrongRole',
      ...positionOf(text, 'vdec,', 'compose:'),
      path: 'pipeline.compose.by',
      expected: 'a gpu device (gpu)',
      found: '"vdec" with role decoder',
      message: 'device "vdec" is not a gpu',
    });
  });

  it('writes a declared buffer', () => {
    const text = edit(COMPOSED, 'output: composed }', 'output: compose }');
    expect(onlyIssue(text)).toMatchObject({
      code: 'unknownReference',
      ...positionOf(text, 'compose }'),
      path: 'pipeline.compose.output',
      expected: 'a declared buffer (ciphertext, bitstream, frame or composed)',
      message: 'unknown buffer "compose"; did you mean "composed"?',
    });
  });

  it('writes a buffer of its own, not the one it reads', () => {
    const text = edit(COMPOSED, 'output: composed }', 'output: frame }');
    expect(onlyIssue(text)).toMatchObject({
      code: 'incompatible',
      ...positionOf(text, 'frame }', 'compose:'),
      path: 'pipeline.compose.output',
      expected: 'a buffer no earlier stage reads or writes (not ciphertext, bitstream or frame)',
      found: '"frame"',
      message: 'the compose stage writes buffer "frame", which pipeline.decode.output already names',
    });
  });
});

describe('the decrypt and decode stages', () => {
  it('keep their meaning: a decoder may still be named to write the buffer it reads', () => {
    const text = edit(
      COMPOSED,
      'decode: { by: vdec, output: frame }',
      'decode: { by: vdec, output: bitstream }',
    );
    expect(() => parseTopology(edit(text, 'output: composed }', 'output: frame }'), 't.yaml')).not.toThrow();
  });

  it('leave the compose stage checked against every buffer before it', () => {
    const text = edit(COMPOSED, 'output: composed }', 'output: ciphertext }');
    expect(onlyIssue(text)).toMatchObject({
      code: 'incompatible',
      path: 'pipeline.compose.output',
      message: 'the compose stage writes buffer "ciphertext", which pipeline.input already names',
    });
  });
});
