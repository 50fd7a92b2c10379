/**
 * The guard citation table is data derived from the machines' doc comments: it must say what
 * the comments say, or a coverage report would cite a function the guard no longer mirrors.
 */
import { expect, it } from 'vitest';
import { guardCitations } from '../../src/check/guardCitations.ts';
import { citationOf, guardCitationTable } from '../support/guardCitationTable.ts';

it('matches the guards and doc comments of machines/ (npx tsx test/support/recordGuardCitations.ts rewrites it)', async () => {
  const fromComments = Object.fromEntries(
    Object.entries(await guardCitationTable()).map(([machine, guards]) => [
      machine,
      Object.fromEntries(
        Object.entries(guards).map(([guard, { functions, files }]) => [guard, { functions, files }]),
      ),
    ]),
  );
  expect(guardCitations).toEqual(fromComments);
});

it('cites the source functions and files a guard comment names', () => {
  expect(guardCitations.pkvmPage!.hypPageNotPinned!.functions[0]).toBe('__pkvm_host_unshare_hyp()');
  expect(
    citationOf(
      'Mirrors `vb2_core_reqbufs()` and `vb2_dc_map_dmabuf()` in `drivers/media/common/videobuf2/`.',
    ),
  ).toMatchObject({
    functions: ['vb2_core_reqbufs()', 'vb2_dc_map_dmabuf()'],
    files: ['drivers/media/common/videobuf2/'],
  });
});
