/**
 * The `pipeline` section of a topology: the legitimate stages that must be able to run, each
 * with the party that runs it and the buffer its output goes to, which the next stage reads
 * (docs/model.md#pipeline).
 */
import { z } from 'zod';
import { Name } from './schemaName.ts';

/** A memory-to-memory device stage: the device, and the buffer it writes its frame into. */
function deviceStage(role: string, what: string) {
  return z.strictObject({
    by: Name.describe(`a ${role} device`),
    output: Name.describe(`The buffer the ${what} frame is written to.`),
  });
}

export const Pipeline = z.strictObject({
  stream: Name.describe('The stream the pipeline carries.'),
  input: Name.describe('The buffer the ciphertext arrives in.'),
  decrypt: z
    .strictObject({
      by: z.string().describe('a secure app (secure unless secureWorld.apps names others) or a guest VM'),
      output: Name.describe('The buffer the plaintext is written to.'),
    })
    .describe('The decrypt stage: who holds the key, and where the plaintext goes.'),
  decode: deviceStage('decoder', 'decoded')
    .optional()
    .describe('The decode stage, when the stream is compressed: it reads the decrypt output.'),
  compose: deviceStage('gpu', 'composed')
    .optional()
    .describe(
      'The composition stage: a GPU reads the decoded frame (or the decrypt output when there is no decode stage) and writes the composed frame the display shows (docs/model.md#pipeline).',
    ),
  display: z
    .strictObject({ by: Name.describe('a display device') })
    .describe(
      'The display stage: it scans out the last output before it; a frame of the stream scanned out is the pipeline reached.',
    ),
});
