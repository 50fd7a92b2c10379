/**
 * The review page as text: self-contained (no URL it could fetch, a policy forbidding fetches),
 * a matrix row per design with the verdict first and the properties grouped by kind, a panel
 * template per cell and per design (with the place of its coverage section), the compare
 * view's data, a witness to step through, and escaped prose.
 */
import { describe, expect, it } from 'vitest';
import type { CompareData } from '../../src/render/reviewCompare.ts';
import { buildReviewEntry } from '../../src/render/reviewEntry.ts';
import { renderReviewHtml } from '../../src/render/reviewHtml.ts';
import { checkOneProperty } from '../support/checkOneProperty.ts';
import { externalUrls } from '../support/externalUrls.ts';
import { reviewEntries } from '../support/reviewEntries.ts';

const template = (html: string, id: string) => {
  const start = html.indexOf(`<template id="${id}">`);
  expect(start, id).toBeGreaterThan(0);
  return html.slice(start, html.indexOf('</template>', start));
};

describe('renderReviewHtml', async () => {
  const entries = await reviewEntries();
  const html = renderReviewHtml(entries, { timing: false });

  it('is one document that fetches nothing', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(externalUrls(html)).toEqual([]);
    expect(html).not.toMatch(/<link\b|<script[^>]*\bsrc=|<img\b|<iframe\b|@import|url\((?!#)/);
    expect(html).toContain(
      `content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"`,
    );
    expect(html).not.toContain('<!DOCTYPE svg');
  });

  it('has one row per design: a tick box, the name without its path, the verdict, then the cells', () => {
    const rows = html.match(/<tr data-topology="[^"]+" data-verdict="[^"]+">/g)!;
    expect(rows).toEqual([
      '<tr data-topology="pkvm-guest-decrypt" data-verdict="violation">',
      '<tr data-topology="carveout-sound" data-verdict="pass">',
    ]);
    const row = html.slice(html.indexOf('<tr data-topology="carveout-sound"'));
    expect(row).toMatch(
      /^<tr[^>]*><td class="pick"><input type="checkbox" class="compare-pick" value="carveout-sound"[^>]*><\/td><th scope="row" class="design"><button type="button" class="design-open" data-hash="design:carveout-sound" title="designs\/carveout-sound.yaml">carveout-sound<\/button><\/th><td class="verdict pass"[^>]*>✔ pass<\/td><td class="cell safety"/,
    );
    const cells = html.match(/<td class="cell [^"]+" data-topology="carveout-sound" data-property="[^"]+"/g)!;
    expect(cells).toHaveLength(17);
  });

  it('groups the columns: safety, then reachability, then well-formedness behind a toggle', () => {
    const names = [
      ...html.matchAll(/<th scope="col" class="property (\w+)[^"]*" data-property="(\w+)"/g),
    ].map((m) => `${m[1]} ${m[2]}`);
    const kinds = names.map((name) => name.split(' ')[0]);
    expect(kinds.indexOf('reachability')).toBeGreaterThan(kinds.lastIndexOf('safety'));
    expect(kinds.indexOf('wellFormed')).toBeGreaterThan(kinds.lastIndexOf('reachability'));
    expect(names[0]).toBe('safety plaintextNeverReachesUntrusted');
    expect(html).toContain(
      '<th scope="col" class="property wellFormed wf-col" data-property="pageHasSingleOwner"',
    );
    expect(html).toMatch(
      /<button type="button" class="wf-toggle" aria-expanded="false"[^>]*>Well-formedness \(10\)/,
    );
    expect(html).toContain('plaintext<wbr>Never<wbr>Reaches<wbr>Untrusted');
    // The collapsed column sums up the design's well-formedness cells.
    expect(html).toMatch(/<td class="cell wellFormed wf-summary" data-status="notChecked"[^>]*>—<\/td>/);
  });

  it('holds a panel per checked cell; a violated one has the stepper, page tables and stepped drawing', () => {
    expect(html).toMatch(
      /<td class="cell safety" data-topology="pkvm-guest-decrypt" data-property="plaintextNeverReachesUntrusted" data-status="violated"><button type="button" data-hash="cell:pkvm-guest-decrypt:plaintextNeverReachesUntrusted"[^>]*>✖ 2<\/button><\/td>/,
    );
    const panel = template(html, 'cell-pkvm-guest-decrypt-plaintextNeverReachesUntrusted');
    for (const hook of ['id="stepper-prev"', 'id="stepper-next"', 'id="stepper-step" data-step="0"']) {
      expect(panel).toContain(hook);
    }
    expect(panel).toContain('<div class="stepper" data-last-step="2">');
    expect(panel).toContain(
      '<li data-step="2" class="violating"><span class="mark">✖</span> decrypt decrypts movie from ciphertext into clear',
    );
    expect(panel.match(/<div class="step-pages[^"]*" data-step="\d"/g)).toEqual([
      '<div class="step-pages" data-step="0"',
      '<div class="step-pages" data-step="1"',
      '<div class="step-pages violating" data-step="2"',
    ]);
    expect(panel).toContain('<td class="content plaintext changed">plaintext of movie</td>');
    expect(panel).toContain('<g class="seq-step seq-violating" data-step="2">');
    expect(panel).toContain('<figure class="stepped-topology">');
    expect(panel).toMatch(/class="edge reach s0 s1 s2"/);
    expect(panel).toContain('<a href="#design:pkvm-guest-decrypt">');
    expect(html.match(/<template id="cell-/g)).toHaveLength(17 + 2);
  });

  it('holds a panel per design with its assumptions, bound, drawing, legend and coverage place', () => {
    const panel = template(html, 'design-pkvm-guest-decrypt');
    expect(panel).toContain('<li>IOMMU identity domain mirroring the host stage-2</li>');
    expect(panel).toMatch(
      /exhaustive search, max depth 6, max states 200,000, seed 0: explored [\d,]+ distinct states/,
    );
    expect(panel).toContain('<ul class="drawing-legend"><li data-legend-color="#1d4ed8">');
    expect(panel).toContain('<section class="coverage" data-topology="pkvm-guest-decrypt"></section>');
    expect(template(html, 'design-carveout-sound')).toContain(
      '<svg xmlns="http://www.w3.org/2000/svg"><g id="t1-graph0"></g></svg>',
    );
    const covered = renderReviewHtml(entries, {
      timing: false,
      coverageSection: (entry) => `<h3>Coverage of ${entry.report.topology}</h3>`,
    });
    expect(covered).toContain(
      '<section class="coverage" data-topology="carveout-sound"><h3>Coverage of carveout-sound</h3></section>',
    );
  });

  it('embeds what the compare view lines up: facts and cells per design', () => {
    const json = html.match(/<script type="application\/json" id="review-data">(.*?)<\/script>/s)![1]!;
    const data = JSON.parse(json) as CompareData;
    expect(data.designs.map((d) => d.topology)).toEqual(['pkvm-guest-decrypt', 'carveout-sound']);
    expect(data.properties[0]).toEqual({ name: 'plaintextNeverReachesUntrusted', kind: 'safety' });
    expect(data.designs[1]!.cells.pageHasSingleOwner).toEqual(['notChecked', '—']);
    expect(data.designs[0]!.facts.find(([aspect]) => aspect === 'IOMMU')).toEqual(['IOMMU', 'identity']);
    expect(data.designs[1]!.facts).toContainEqual(['decrypt by', 'secure']);
  });

  it('escapes prose, also inside the JSON data', () => {
    expect(html).toContain('A design whose description has &lt;markup&gt; &amp; &quot;quotes&quot;.');
    expect(html).not.toContain('<markup>');
    const withMarkup = renderReviewHtml(
      entries.map((entry) => ({ ...entry, facts: [{ aspect: 'flaws', value: '</script><b>' }] })),
      { timing: false },
    );
    const json = withMarkup.match(/<script type="application\/json" id="review-data">(.*?)<\/script>/s)![1]!;
    expect(json).toContain('\\u003c/script>\\u003cb>');
  });
});

describe('a passing design in the review', async () => {
  const { loaded, report } = await checkOneProperty(
    'test/fixtures/review/tzasc-sound.yaml',
    'pipelineReachable',
  );
  const html = renderReviewHtml([await buildReviewEntry(loaded, report)], { timing: false });

  it("steps through the pipeline's witness like a counterexample", () => {
    const panel = template(html, 'cell-tzasc-sound-pipelineReachable');
    expect(panel).toMatch(
      /<h2><span class="status-holds">✔<\/span> pipelineReachable holds: a frame is displayed after \d+ steps<\/h2>/,
    );
    expect(panel).toContain('id="stepper-next"');
    expect(panel).not.toContain('class="violating"');
    expect(panel).toContain('<figure class="stepped-topology">');
    expect(panel).toMatch(/<h3>✔ Step (\d+) of \1: /);
  });
});
