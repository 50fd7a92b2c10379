/**
 * A design review as one self-contained HTML page: the matrix of topologies by properties
 * (each cell opens its counterexample, or says why the property holds or is vacuous), then
 * each topology's assumptions, bound, exploration and drawing. Styles, scripts and SVG are
 * inline and the page's Content-Security-Policy forbids every fetch, so it opens from disk
 * with no network. Pure: review entries in, one HTML document out.
 *
 * Hooks for scripts and tests: rows carry `data-topology`; cells carry `data-topology`,
 * `data-property` and `data-status`; the open panel has `#stepper-prev`, `#stepper-next` and
 * `#stepper-step` (whose `data-step` is the step shown, 0 after boot).
 */
import { coverageHtml } from './coverageHtml.ts';
import { escapeHtml, slug } from './markup.ts';
import {
  CELL_LEGEND,
  cellOf,
  propertyColumns,
  type ReviewEntry,
  type ReviewOptions,
  verdictCounts,
  verdictText,
} from './reviewEntry.ts';
import { inlineSvg } from './svg.ts';
import { statisticsLine } from './text.ts';
import { REACH_LEGEND } from './topologyGraph.ts';
import { counterexampleHtml, propertyNoteHtml } from './traceView.ts';
import { verdictCountsText } from './verdicts.ts';

const STYLE = `
:root { --ink: #111827; --muted: #6b7280; --line: #d1d5db; --holds: #15803d; --violated: #b91c1c; --vacuous: #b45309; --focus: #fef3c7; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink); background: #f9fafb; }
header.page, main { max-width: 1500px; margin: 0 auto; padding: 16px 24px; }
h1 { font-size: 22px; margin: 8px 0; }
h2 { font-size: 18px; margin: 0 0 6px; }
h3 { font-size: 15px; margin: 4px 0 6px; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.muted, .file, .none, .holders, .keys { color: var(--muted); }
.legend { color: var(--muted); }
.matrix-wrap { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
table.matrix { border-collapse: collapse; }
table.matrix th, table.matrix td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: center; }
table.matrix thead th { vertical-align: bottom; font-weight: 600; font-size: 12px; }
table.matrix thead th.property span { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; display: inline-block; }
table.matrix th[scope=row] { text-align: left; white-space: nowrap; }
table.matrix td button { font: inherit; font-weight: 700; border: 1px solid transparent; background: none; border-radius: 4px; padding: 2px 6px; cursor: pointer; min-width: 3em; }
table.matrix td button:hover, table.matrix td button:focus-visible { border-color: var(--ink); }
table.matrix td[data-status=holds] button { color: var(--holds); }
table.matrix td[data-status=violated] button { color: #fff; background: var(--violated); }
table.matrix td[data-status=vacuous] button { color: var(--vacuous); background: #fef3c7; }
table.matrix td[data-status=notChecked] { color: var(--muted); }
table.matrix td.selected button { outline: 3px solid #2563eb; }
td.verdict { font-weight: 600; white-space: nowrap; }
td.verdict.pass { color: var(--holds); }
td.verdict.violation, td.verdict.unbootable { color: var(--violated); }
td.verdict.vacuous { color: var(--vacuous); }
#trace-panel { margin: 16px 0; background: #fff; border: 2px solid #2563eb; border-radius: 6px; padding: 12px 16px; }
#trace-panel .close { float: right; font: inherit; }
.status-holds { color: var(--holds); }
.status-violated { color: var(--violated); }
.status-vacuous { color: var(--vacuous); }
.claim, .reason { color: #374151; }
ul.violations li { margin: 2px 0; }
.replay code { word-break: break-all; }
.stepper { display: flex; gap: 10px; align-items: center; margin: 10px 0; padding: 8px; background: #eff6ff; border-radius: 6px; position: sticky; top: 0; z-index: 1; }
.stepper button { font: inherit; padding: 4px 12px; }
#stepper-step { font-weight: 600; }
.trace-columns { display: grid; grid-template-columns: minmax(260px, 1fr) 2.4fr; gap: 16px; align-items: start; }
ol.trace { margin: 0; padding-left: 2.2em; }
ol.trace li { padding: 3px 6px; border-radius: 4px; cursor: pointer; }
ol.trace li.current { background: var(--focus); outline: 1px solid #f59e0b; }
ol.trace li.violating, .mark { color: var(--violated); }
ol.trace li.violating { font-weight: 600; }
ol.witness li { cursor: default; }
.step-pages.violating h3 { color: var(--violated); }
ul.effects { margin: 0 0 8px; padding-left: 1.2em; color: #374151; }
table.page-table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
table.page-table th, table.page-table td { border: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; }
table.page-table thead th { background: #f3f4f6; }
table.page-table tr.in-violation th { color: var(--violated); }
table.page-table td.changed { background: var(--focus); }
td.content.plaintext { font-weight: 600; }
.reader.outside { color: var(--violated); }
.reader.leak { font-weight: 700; text-decoration: underline wavy var(--violated); }
figure { margin: 12px 0; overflow-x: auto; }
figcaption { color: var(--muted); font-size: 12px; }
svg.sequence { font-family: system-ui, Helvetica, Arial, sans-serif; }
svg.sequence .seq-head { fill: #eef2ff; stroke: #4f46e5; }
svg.sequence .seq-lifeline { stroke: #9ca3af; stroke-dasharray: 4 4; }
svg.sequence .seq-arrow { stroke: #111827; fill: none; stroke-width: 1.3; }
svg.sequence marker path { fill: #111827; }
svg.sequence .seq-row { fill: transparent; }
svg.sequence .seq-violating .seq-row { fill: #fee2e2; }
svg.sequence .seq-step.current .seq-row { fill: var(--focus); stroke: #f59e0b; }
svg.sequence .seq-note-effect { fill: #fffbeb; stroke: #d97706; }
svg.sequence .seq-note-violation { fill: #fee2e2; stroke: var(--violated); }
svg.sequence text { fill: #111827; }
section.topology { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin: 16px 0; }
section.topology .diagram svg { max-width: 100%; height: auto; }
ul.properties { columns: 2; }
ul.properties li { break-inside: avoid; }
@media print { #trace-panel { display: none; } }
`;

/** The page's only script: opens a cell's panel and steps through a counterexample. */
const SCRIPT = `
(() => {
  const panel = document.getElementById('trace-panel');
  const body = document.getElementById('trace-panel-body');
  let current = 0;
  let last = 0;
  function show(step) {
    current = Math.max(0, Math.min(last, step));
    for (const el of body.querySelectorAll('.step-pages[data-step]')) el.hidden = Number(el.dataset.step) !== current;
    for (const el of body.querySelectorAll('ol.trace li[data-step], .seq-step[data-step]')) {
      el.classList.toggle('current', Number(el.dataset.step) === current);
    }
    const label = document.getElementById('stepper-step');
    const heading = body.querySelector('.step-pages[data-step="' + current + '"] h3');
    if (label) { label.dataset.step = String(current); label.textContent = heading ? heading.textContent : String(current); }
    const prev = document.getElementById('stepper-prev');
    const next = document.getElementById('stepper-next');
    if (prev) prev.disabled = current === 0;
    if (next) next.disabled = current === last;
  }
  function open(button) {
    const template = document.getElementById(button.dataset.open);
    if (!template) return;
    body.replaceChildren(template.content.cloneNode(true));
    for (const cell of document.querySelectorAll('td.selected')) cell.classList.remove('selected');
    button.closest('td').classList.add('selected');
    panel.hidden = false;
    const stepper = body.querySelector('.stepper');
    last = stepper ? Number(stepper.dataset.lastStep) : 0;
    show(0);
    panel.scrollIntoView({ block: 'start' });
  }
  document.getElementById('matrix').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-open]');
    if (button) open(button);
  });
  body.addEventListener('click', (event) => {
    if (event.target.closest('#stepper-next')) show(current + 1);
    else if (event.target.closest('#stepper-prev')) show(current - 1);
    else {
      const item = event.target.closest('ol.trace li[data-step]');
      if (item) show(Number(item.dataset.step));
    }
  });
  document.getElementById('trace-panel-close').addEventListener('click', () => { panel.hidden = true; });
  document.addEventListener('keydown', (event) => {
    if (panel.hidden || !body.querySelector('.stepper')) return;
    if (event.key === 'ArrowRight') show(current + 1);
    else if (event.key === 'ArrowLeft') show(current - 1);
  });
})();
`;

function matrixHtml(entries: readonly ReviewEntry[], columns: readonly string[]): string {
  const head = [
    '<th scope="col">Topology</th>',
    ...columns.map(
      (name) =>
        `<th scope="col" class="property" title="${escapeHtml(name)}"><span>${escapeHtml(name)}</span></th>`,
    ),
    '<th scope="col">Verdict</th>',
  ].join('');
  const rows = entries.map((entry, row) => {
    const report = entry.report;
    const cells = columns.map((name, column) => {
      const result = report.properties.find((p) => p.name === name);
      const cell = cellOf(result);
      const data = `data-topology="${escapeHtml(report.topology)}" data-property="${escapeHtml(name)}" data-status="${cell.status}"`;
      if (result === undefined) {
        const why = report.unbootable ? 'the design does not boot' : 'the design has no such component';
        return `<td ${data} title="not checked: ${why}">${cell.text}</td>`;
      }
      const what = {
        holds: 'holds',
        violated: 'violated: open the counterexample',
        vacuous: 'vacuous',
        notReproduced: 'the replayed trace no longer violates it',
        notChecked: '',
      }[cell.status];
      return `<td ${data}><button type="button" data-open="cell-${row}-${column}" title="${escapeHtml(`${name} in ${report.topology}: ${what}`)}">${cell.text}</button></td>`;
    });
    return `<tr data-topology="${escapeHtml(report.topology)}"><th scope="row"><a href="#topology-${slug(report.topology)}">${escapeHtml(report.topology)}</a><div class="file">${escapeHtml(report.file)}</div></th>${cells.join('')}<td class="verdict ${report.verdict}">${escapeHtml(verdictText(report))}</td></tr>`;
  });
  return `<div class="matrix-wrap"><table class="matrix" id="matrix"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function templatesHtml(entries: readonly ReviewEntry[], columns: readonly string[]): string {
  const out: string[] = [];
  entries.forEach((entry, row) => {
    columns.forEach((name, column) => {
      const result = entry.report.properties.find((p) => p.name === name);
      if (result === undefined) return;
      const key = `cell-${row}-${column}`;
      const trace = entry.traces.get(name);
      const content =
        result.status === 'violated' && result.counterexample && trace
          ? counterexampleHtml(entry, result, trace, key)
          : propertyNoteHtml(entry, result);
      out.push(`<template id="${key}">${content}</template>`);
    });
  });
  return out.join('\n');
}

function topologySection(entry: ReviewEntry, index: number, timing: boolean): string {
  const report = entry.report;
  const bound = [
    `max depth ${report.bound.maxDepth}`,
    ...(report.bound.maxStates !== undefined
      ? [`max states ${report.bound.maxStates.toLocaleString('en-US')}`]
      : []),
    ...(report.bound.runs !== undefined ? [`${report.bound.runs.toLocaleString('en-US')} runs`] : []),
  ].join(', ');
  const properties = report.properties
    .map((p) => {
      const cell = cellOf(p);
      return `<li><span class="status-${p.status}">${cell.text}</span> <b>${escapeHtml(p.name)}</b> <span class="muted">(${p.kind})</span>: ${escapeHtml(p.summary)}</li>`;
    })
    .join('');
  return [
    `<section class="topology" id="topology-${slug(report.topology)}" data-topology="${escapeHtml(report.topology)}">`,
    `<h2>${escapeHtml(report.topology)} <span class="${report.verdict === 'pass' ? 'status-holds' : 'status-violated'}">${escapeHtml(verdictText(report))}</span></h2>`,
    `<p class="file"><code>${escapeHtml(report.file)}</code></p>`,
    `<p>${escapeHtml(entry.description)}</p>`,
    '<h3>Assumptions</h3>',
    `<ul class="assumptions">${report.assumptions.map((a) => `<li>${escapeHtml(a)}</li>`).join('')}</ul>`,
    '<h3>Bound and exploration</h3>',
    `<p class="bound">${escapeHtml(report.mode)} search, ${escapeHtml(bound)}, seed ${report.seed}: ${escapeHtml(statisticsLine(report.statistics, timing, '; '))}.</p>`,
    ...(report.unbootable
      ? [
          '<h3>Boot</h3>',
          `<p class="reason status-violated">The design does not boot: ${escapeHtml(report.unbootable.message)}. No property was checked.</p>`,
          `<ol class="trace boot">${report.unbootable.steps
            .map((step) => `<li>${escapeHtml(step.description)} <code>${escapeHtml(step.event)}</code></li>`)
            .join('')}</ol>`,
        ]
      : []),
    '<h3>Properties</h3>',
    `<ul class="properties">${properties}</ul>`,
    ...(report.coverage ? [coverageHtml(report.coverage)] : []),
    '<h3>Design</h3>',
    `<figure class="diagram">${inlineSvg(entry.topologySvg, `t${index}-`)}<figcaption>${escapeHtml(REACH_LEGEND)}</figcaption></figure>`,
    '</section>',
  ].join('\n');
}

/** The review page. */
export function renderReviewHtml(entries: readonly ReviewEntry[], options: ReviewOptions = {}): string {
  const timing = options.timing ?? true;
  const columns = propertyColumns(entries);
  const counts = verdictCounts(entries);
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>protmem review</title>',
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<header class="page">',
    '<h1>protmem review</h1>',
    `<p>${entries.length} topolog${entries.length === 1 ? 'y' : 'ies'} checked, each with its own bounds: ${verdictCountsText(counts)}. Click a cell to open it; a violated cell opens its counterexample with a stepper.</p>`,
    `<p class="legend">${escapeHtml(CELL_LEGEND)}</p>`,
    '</header>',
    '<main>',
    matrixHtml(entries, columns),
    '<section id="trace-panel" hidden aria-live="polite"><button type="button" class="close" id="trace-panel-close">Close</button><div id="trace-panel-body"></div></section>',
    ...entries.map((entry, index) => topologySection(entry, index, timing)),
    '</main>',
    templatesHtml(entries, columns),
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
