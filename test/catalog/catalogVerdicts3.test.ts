/**
 * Every reference topology, checked exhaustively under its manifest bound, gives exactly the
 * manifest's verdicts, distinct states and counterexample lengths, and so does its mirror image
 * (every name changed, every list reversed; part 3 of 3, so the catalog runs on several workers).
 */
import { describe, expect, it } from 'vitest';
import { catalog, manifestMismatches, mirroredMismatches } from '../support/catalog.ts';

describe('catalog verdicts, exhaustive (part 3)', async () => {
  const { manifest, files } = await catalog();
  for (const file of files.filter((_, i) => i % 3 === 2)) {
    it(file, async () => {
      expect((await manifestMismatches(manifest, file, 'exhaustive')).mismatches).toEqual([]);
    }, 120_000);
    it(`${file}, renamed and reversed`, async () => {
      expect(await mirroredMismatches(manifest, file)).toEqual([]);
    }, 120_000);
  }
});
