/**
 * A dynamic heap's endpoint list (`heaps[].memAttrs`): only on a protectedDynamic heap, each
 * endpoint OP-TEE or a declared secure app, listed once, OP-TEE among them, at most two. Each
 * test asserts the issue's code, where it points, and what was expected and found.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { edit, issueAt, issuesOf, positionOf } from '../support/topologyIssues.ts';

const TWO = readFileSync('topologies/dynamic-heap-two-endpoints-pkvm.yaml', 'utf8');
const LIST = '    memAttrs:\n      - endpoint: secure\n      - endpoint: video-sp\n';

describe("a dynamic heap's endpoint list", () => {
  it('is valid as the catalog writes it', () => {
    expect(issuesOf(TWO)).toEqual([]);
    expect(
      issuesOf(readFileSync('topologies/dynamic-heap-two-endpoints-no-hypervisor.yaml', 'utf8')),
    ).toEqual([]);
  });

  it('names declared endpoints only', () => {
    const text = edit(TWO, '      - endpoint: video-sp', '      - endpoint: video-s');
    expect(issueAt(text, 'heaps[1].memAttrs[1].endpoint')).toMatchObject({
      code: 'unknownReference',
      ...positionOf(text, 'video-s', 'memAttrs'),
      message: 'unknown endpoint "video-s"; did you mean "video-sp"?',
    });
  });

  it('lists each endpoint once', () => {
    const text = edit(TWO, '      - endpoint: video-sp', '      - endpoint: secure');
    expect(issueAt(text, 'heaps[1].memAttrs[1].endpoint')).toMatchObject({
      code: 'duplicateName',
      ...positionOf(text, 'secure', 'endpoint: secure\nbuffers'),
      found: '"secure", already memAttrs[0]',
    });
  });

  it('names OP-TEE, which retrieves the lend', () => {
    const text = edit(TWO, '      - endpoint: secure\n', '');
    expect(issueAt(text, 'heaps[1].memAttrs')).toMatchObject({
      code: 'incompatible',
      expected: 'an entry { endpoint: secure }',
      found: '"video-sp"',
    });
  });

  it('holds at most two endpoints (Hafnium MAX_MEM_SHARE_RECIPIENTS)', () => {
    const text = edit(TWO, LIST, `${LIST}      - endpoint: secure\n`);
    expect(issuesOf(text).map((issue) => issue.path)).toContain('heaps[1].memAttrs');
  });

  it('names several endpoints only with Hafnium, whose limit is the one modelled', () => {
    const text = edit(
      TWO,
      '  spmc: hafnium\n  protectsLentMemory: true\n',
      '  spmc: el3spmc\n  protectsLentMemory: true\n',
    );
    expect(issueAt(text, 'heaps[1].memAttrs')).toMatchObject({
      code: 'requiresFeature',
      expected: 'secureWorld.spmc: hafnium',
      found: 'secureWorld.spmc: el3spmc',
    });
  });

  it('belongs to a protectedDynamic heap only', () => {
    const text = edit(
      TWO,
      '    region: dram\n',
      `    region: dram\n    memAttrs:\n      - endpoint: secure\n`,
    );
    expect(issueAt(text, 'heaps[0].memAttrs')).toMatchObject({
      code: 'incompatible',
      ...positionOf(text, '- endpoint', 'region: dram'),
      expected: 'kind: protectedDynamic',
      found: 'kind: system',
    });
  });
});
