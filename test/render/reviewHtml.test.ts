/**
 * The review page as text: self-contained (no URL it could fetch, a policy forbidding fetches),
 * a matrix row per topology and a cell per property with the hooks the page script and the
 * browser test use, a panel template per cell, and escaped prose.
 */
import { describe, expect, it } from 'vitest';
import { renderReviewHtml } from '../../src/render/reviewHtml.ts';
import { externalUrls } from '../support/externalUrls.ts';
import { reviewEntries } from '../support/reviewEntries.ts';

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

  it('has one matrix row per topology and one cell per property column', () => {
    const rows = html.match(/<tr data-topology="[^"]+">/g)!;
    expect(rows).toEqual(['<tr data-topology="pkvm-guest-decrypt">', '<tr data-topology="carveout-sound">']);
    const cells = html.match(
      /<td data-topology="carveout-sound" data-property="[^"]+" data-status="[^"]+"/g,
    )!;
    expect(cells).toHaveLength(17);
    expect(html).toContain(
      '<td data-topology="carveout-sound" data-property="pageHasSingleOwner" data-status="notChecked"',
    );
    expect(html).toMatch(
      /<td data-topology="pkvm-guest-decrypt" data-property="plaintextNeverReachesUntrusted" data-status="violated"><button type="button" data-open="cell-0-\d+"[^>]*>✖ 2<\/button><\/td>/,
    );
  });

  it('holds a panel template per checked cell; a violated one has the stepper and page tables', () => {
    const open = html.match(/data-open="(cell-0-\d+)"[^>]*>✖ 2</)![1]!;
    const start = html.indexOf(`<template id="${open}">`);
    const template = html.slice(start, html.indexOf('</template>', start));
    for (const hook of ['id="stepper-prev"', 'id="stepper-next"', 'id="stepper-step" data-step="0"']) {
      expect(template).toContain(hook);
    }
    expect(template).toContain('<div class="stepper" data-last-step="2">');
    expect(template).toContain(
      '<li data-step="2" class="violating"><span class="mark">✖</span> decrypt decrypts movie from ciphertext into clear',
    );
    expect(template.match(/<div class="step-pages[^"]*" data-step="\d"/g)).toEqual([
      '<div class="step-pages" data-step="0"',
      '<div class="step-pages" data-step="1"',
      '<div class="step-pages violating" data-step="2"',
    ]);
    expect(template).toContain('<th scope="col">decrypt view</th>');
    expect(template).toContain('<th scope="col">Writers</th>');
    expect(template).toContain('<td class="content plaintext changed">plaintext of movie</td>');
    expect(template).toContain('<svg class="sequence"');
    expect(template).toContain('<g class="seq-step seq-violating" data-step="2">');
    expect(template).toContain('Mermaid source of the sequence diagram');
    expect(html.match(/<template id="cell-/g)).toHaveLength(17 + 2);
  });

  it("shows each topology's assumptions, bound and drawing", () => {
    expect(html).toContain(
      '<section class="topology" id="topology-pkvm-guest-decrypt" data-topology="pkvm-guest-decrypt">',
    );
    expect(html).toContain('<li>IOMMU identity domain mirroring the host stage-2</li>');
    expect(html).toMatch(
      /exhaustive search, max depth 6, max states 200,000, seed 0: explored [\d,]+ distinct states/,
    );
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg"><g id="t1-graph0"></g></svg>');
  });

  it('escapes prose', () => {
    expect(html).toContain('A design whose description has &lt;markup&gt; &amp; &quot;quotes&quot;.');
    expect(html).not.toContain('<markup>');
  });
});
