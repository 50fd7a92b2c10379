/**
 * A design review as one self-contained HTML page: the matrix of designs by properties (the
 * verdict first, the properties grouped by kind, well-formedness collapsed) with a toolbar to
 * search, filter and compare, and a side panel beside it that opens a cell (its counterexample
 * or witness to step through, or why it holds or is vacuous), a design (its assumptions, bound,
 * exploration and drawing), or the comparison of the designs ticked. Styles, scripts and SVG
 * are inline and the page's Content-Security-Policy forbids every fetch, so it opens from disk
 * with no network. Pure: review entries in, one HTML document out.
 *
 * Hooks for scripts and tests: see `reviewMatrix.ts` for the matrix; the panel is
 * `#side-panel` with `#panel-back` and `#panel-body`; an open trace has `#stepper-prev`,
 * `#stepper-next` and `#stepper-step` (whose `data-step` is the step shown, 0 after boot); a
 * design's panel has `section.coverage`, filled by `ReviewOptions.coverageSection`.
 */
import { escapeHtml } from './markup.ts';
import { compareData, scriptJson } from './reviewCompare.ts';
import { designPanelHtml } from './reviewDesign.ts';
import { CELL_LEGEND, type ReviewEntry, type ReviewOptions, verdictCounts } from './reviewEntry.ts';
import {
  cellTemplateId,
  designTemplateId,
  type MatrixColumn,
  matrixColumns,
  matrixHtml,
} from './reviewMatrix.ts';
import { REVIEW_SCRIPT } from './reviewScript.ts';
import { REVIEW_STYLE } from './reviewStyles.ts';
import { counterexampleHtml, propertyNoteHtml, witnessHtml } from './traceView.ts';
import { verdictCountsText } from './verdicts.ts';

function templatesHtml(
  entries: readonly ReviewEntry[],
  columns: readonly MatrixColumn[],
  options: ReviewOptions,
): string {
  const out: string[] = [];
  entries.forEach((entry, index) => {
    const topology = entry.report.topology;
    out.push(
      `<template id="${designTemplateId(topology)}">${designPanelHtml(entry, index, options)}</template>`,
    );
    for (const column of columns) {
      const result = entry.report.properties.find((p) => p.name === column.name);
      if (result === undefined) continue;
      const key = cellTemplateId(topology, column.name);
      const trace = entry.traces.get(column.name);
      const witness = entry.witnesses.get(column.name);
      const content =
        result.status === 'violated' && result.counterexample && trace
          ? counterexampleHtml(entry, result, trace, key)
          : result.status === 'holds' && witness
            ? witnessHtml(entry, result, witness, key)
            : propertyNoteHtml(entry, result);
      out.push(`<template id="${key}">${content}</template>`);
    }
  });
  return out.join('\n');
}

/** The review page. */
export function renderReviewHtml(entries: readonly ReviewEntry[], options: ReviewOptions = {}): string {
  const columns = matrixColumns(entries);
  const counts = verdictCounts(entries);
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>protmem review</title>',
    `<style>${REVIEW_STYLE}</style>`,
    '</head>',
    '<body>',
    '<header class="page">',
    `<h1>protmem review <span class="muted">${entries.length} design${entries.length === 1 ? '' : 's'}, each with its own bounds: ${verdictCountsText(counts)}</span></h1>`,
    `<p class="legend">Click a cell to open it beside the matrix (a violated cell opens its counterexample, a reached pipeline its run, both with a stepper), a name to open the design, or tick rows to compare them. ${escapeHtml(CELL_LEGEND)}</p>`,
    '</header>',
    '<main id="layout">',
    `<section class="matrix-pane" aria-label="matrix">${matrixHtml(entries, columns)}</section>`,
    '<aside id="side-panel" hidden aria-live="polite"><div class="panel-bar"><button type="button" id="panel-back">← Back to the matrix</button><span class="keys">(Esc, or the browser\'s back button)</span></div><div id="panel-body"></div></aside>',
    '</main>',
    templatesHtml(entries, columns, options),
    `<script type="application/json" id="review-data">${scriptJson(compareData(entries, columns))}</script>`,
    `<script>${REVIEW_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
