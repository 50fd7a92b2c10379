/**
 * The coverage renderers: the text section and the HTML fragment say the same things (where the
 * pipeline stopped, each step's count, what refused each step never taken, per machine the
 * share covered), and the fragment escapes every word it is given.
 */
import { expect, it } from 'vitest';
import type { Coverage } from '../../src/check/coverageReport.ts';
import { coverageHtml } from '../../src/render/coverageHtml.ts';
import { coverageLines } from '../../src/render/coverageText.ts';

const coverage: Coverage = {
  sampling: { states: 2, of: 3, method: 'every stored state' },
  steps: {
    taken: 1,
    total: 2,
    percent: 50,
    counts: [
      { step: 'host starts vdec', event: 'VIDIOC_STREAMON', actor: 'host', role: 'pipeline', taken: 1234 },
      {
        step: 'host queues <clear> on vdec',
        event: 'VIDIOC_QBUF',
        actor: 'host',
        role: 'adversary',
        taken: 0,
      },
    ],
  },
  neverTaken: [
    {
      step: 'host queues <clear> on vdec',
      event: 'VIDIOC_QBUF',
      actor: 'host',
      role: 'adversary',
      why: {
        kind: 'guard',
        says: 'vdec refuses VIDIOC_QBUF: its check secureInputImpliesSecureOutput fails with EINVAL',
        seenAt: 2,
        guard: 'secureInputImpliesSecureOutput',
        code: 'EINVAL',
        source: { functions: ['vb2_core_reqbufs()'], files: [] },
      },
    },
  ],
  machines: [
    {
      machine: 'mediaDeviceMachine',
      components: 1,
      states: { visited: 2, total: 3, percent: 66.7, unvisited: ['running'] },
      transitions: { taken: 1, total: 8, percent: 12.5, untaken: ['running on DEVICE_RUN'] },
    },
  ],
  pipeline: {
    search: 'pipeline',
    stages: [
      { name: 'decrypt', text: 'frame holds plaintext of movie', reached: true },
      { name: 'display', text: 'dpu shows a frame of movie', reached: false },
    ],
    lastReached: 'decrypt',
    firstUnreached: 'display',
    says: 'the pipeline stops after "frame holds plaintext of movie"',
  },
};

it('prints the pipeline, every step with its count, each refusal and each machine', () => {
  const text = coverageLines(coverage).join('\n');
  expect(text).toContain('pipeline (pipeline search): ✔ decrypt  ✖ display');
  expect(text).toContain('1,234  host starts vdec  [VIDIOC_STREAMON]');
  expect(text).toContain('tried again at 2 of the 3 stored states: every stored state');
  expect(text).toContain(
    'secureInputImpliesSecureOutput fails with EINVAL  (guard, at 2 of the sampled states)',
  );
  expect(text).toContain('mediaDeviceMachine ×1: states 2/3 (66.7%), transitions 1/8 (12.5%)');
  expect(text).toContain('states never visited: running');
});

it('gives the same as an HTML fragment, escaped, without styles or scripts', () => {
  const html = coverageHtml(coverage);
  expect(html.startsWith('<div class="coverage-report">')).toBe(true);
  expect(html).toContain('host queues &lt;clear&gt; on vdec');
  expect(html).not.toContain('<clear>');
  expect(html).not.toMatch(/<style|<script/);
  expect(html).toContain('<li class="unreached">✖ display: dpu shows a frame of movie</li>');
  expect(html).toContain(
    '<code>secureInputImpliesSecureOutput</code> <span class="source">vb2_core_reqbufs()</span>',
  );
  expect(html).toContain('<td class="count">2/3 (66.7%)</td>');
  expect(html).toContain('<tr class="never-taken">');
});
