/**
 * When output is coloured (the matrix of NO_COLOR, FORCE_COLOR and a terminal) and what the
 * colouring does to a text report.
 */
import { describe, expect, it } from 'vitest';
import { colourEnabled } from '../../src/cli/colour.ts';
import { colourText, withoutColour } from '../../src/render/colour.ts';

describe('colourEnabled', () => {
  it.each([
    // env, isTTY, coloured
    [{}, true, true],
    [{}, false, false],
    [{}, undefined, false],
    [{ TERM: 'dumb' }, true, false],
    [{ NO_COLOR: '1' }, true, false],
    [{ NO_COLOR: 'yes' }, false, false],
    [{ NO_COLOR: '' }, true, true],
    [{ FORCE_COLOR: '1' }, false, true],
    [{ FORCE_COLOR: '3' }, false, true],
    [{ FORCE_COLOR: 'true' }, false, true],
    [{ FORCE_COLOR: '0' }, true, false],
    [{ FORCE_COLOR: 'false' }, true, false],
    [{ FORCE_COLOR: '' }, false, false],
    [{ FORCE_COLOR: '' }, true, true],
    [{ FORCE_COLOR: '1', NO_COLOR: '1' }, false, true],
    [{ FORCE_COLOR: '0', NO_COLOR: '' }, true, false],
    [{ FORCE_COLOR: '1', TERM: 'dumb' }, false, true],
  ] as const)('%j on a terminal: %s gives colour %s', (env, isTTY, coloured) => {
    expect(colourEnabled(env, isTTY)).toBe(coloured);
  });
});

describe('colourText', () => {
  const report = [
    '✖ scrubBeforeReuse violated after 5 steps  (a.yaml)',
    '  trace:',
    '    1. host frees it  [DMA_BUF_RELEASE]',
    '  ✖ 2. the page is reused  [ALLOC]',
    '  hint: zero pages before they are free again',
    '! pipelineReachable vacuous: no frame',
    '✔ pageConservation',
    '[ 3/34] ✖ design  violation  1.2 s',
    'explored 5 distinct states',
  ].join('\n');

  it('colours the marked lines, and nothing else', () => {
    const lines = colourText(report).split('\n');
    expect(lines[0]).toBe('\x1b[31m✖ scrubBeforeReuse violated after 5 steps  (a.yaml)\x1b[0m');
    expect(lines[1]).toBe('  trace:');
    expect(lines[2]).toBe('    1. host frees it  [DMA_BUF_RELEASE]');
    expect(lines[3]).toBe('  \x1b[31m✖ 2. the page is reused  [ALLOC]\x1b[0m');
    expect(lines[4]).toBe('  \x1b[2mhint: zero pages before they are free again\x1b[0m');
    expect(lines[5]).toBe('\x1b[33m! pipelineReachable vacuous: no frame\x1b[0m');
    expect(lines[6]).toBe('\x1b[32m✔\x1b[0m pageConservation');
    expect(lines[7]).toBe('[ 3/34] \x1b[31m✖ design  violation  1.2 s\x1b[0m');
    expect(lines[8]).toBe('explored 5 distinct states');
  });

  it('changes nothing but the escape codes', () => {
    expect(withoutColour(colourText(report))).toBe(report);
  });
});
