/** A writeback connector (`devices[].writeback`) belongs to a display controller only. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { edit, issueAt, issuesOf, positionOf } from '../support/topologyIssues.ts';

const WRITEBACK = readFileSync('topologies/display-writeback-to-host-memory.yaml', 'utf8');

describe('a writeback connector', () => {
  it('is valid as the catalog writes it', () => {
    expect(issuesOf(WRITEBACK)).toEqual([]);
    expect(issuesOf(readFileSync('topologies/display-writeback-secure-out.yaml', 'utf8'))).toEqual([]);
  });

  it('is part of a display controller', () => {
    const text = edit(WRITEBACK, '    role: dma\n', '    role: dma\n    writeback: true\n');
    expect(issueAt(text, 'devices[1].writeback')).toMatchObject({
      code: 'incompatible',
      ...positionOf(text, 'true', 'role: dma'),
      expected: 'role: display',
      found: 'role: dma',
    });
  });
});
