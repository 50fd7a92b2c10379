/**
 * A design's panel on the review page: its verdict, description, assumptions, bound and
 * exploration, boot failure if any, each property with a link to its cell, the drawing with a
 * legend of swatches taken from the drawing's own style table, and the place of its coverage
 * section (`<section class="coverage">`: the check's coverage, or `ReviewOptions.coverageSection`). Pure.
 */
import { coverageHtml } from './coverageHtml.ts';
import { escapeHtml, slug } from './markup.ts';
import { cellOf, type ReviewEntry, type ReviewOptions, verdictText } from './reviewEntry.ts';
import { inlineSvg } from './svg.ts';
import { statisticsLine } from './text.ts';
import { REACH_LEGEND } from './topologyGraph.ts';
import { type LegendItem, legendText } from './topologyStyle.ts';

const DASHES = { solid: '', bold: '', dashed: ' stroke-dasharray="6 4"', dotted: ' stroke-dasharray="2 3"' };

/** One swatch: a line drawn as the edges are, or a box filled as the nodes are. */
function swatch(item: LegendItem): string {
  const shape =
    item.kind === 'edge'
      ? `<line x1="1" y1="7" x2="33" y2="7" stroke="${item.color}" stroke-width="${item.line === 'bold' ? 3 : 2}"${DASHES[item.line]}/>`
      : `<rect x="1" y="1" width="32" height="12" rx="3" fill="${item.fill}" stroke="${item.stroke}"/>`;
  return `<svg class="swatch" width="34" height="14" viewBox="0 0 34 14" aria-hidden="true">${shape}</svg>`;
}

/** A drawing's legend as swatches, each with what it means. */
export function legendHtml(items: readonly LegendItem[], headline: string): string {
  const rows = items.map((item) => {
    const color = item.kind === 'edge' ? item.color : item.stroke;
    return `<li data-legend-color="${color}">${swatch(item)} ${escapeHtml(legendText(item))}</li>`;
  });
  return `<figcaption><span class="legend-headline">${escapeHtml(headline)}</span><ul class="drawing-legend">${rows.join('')}</ul></figcaption>`;
}

/** The content of a design's panel. */
export function designPanelHtml(entry: ReviewEntry, index: number, options: ReviewOptions): string {
  const report = entry.report;
  const timing = options.timing ?? true;
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
      return `<li><a href="#cell:${escapeHtml(report.topology)}:${escapeHtml(p.name)}"><span class="status-${p.status}">${cell.text}</span> <b>${escapeHtml(p.name)}</b></a> <span class="muted">(${p.kind})</span>: ${escapeHtml(p.summary)}</li>`;
    })
    .join('');
  const coverage = options.coverageSection?.(entry) ?? (report.coverage ? coverageHtml(report.coverage) : '');
  return [
    `<article class="design-panel" id="topology-${slug(report.topology)}" data-topology="${escapeHtml(report.topology)}">`,
    `<h2>${escapeHtml(report.topology)} <span class="${report.verdict === 'pass' ? 'status-holds' : 'status-violated'}">${escapeHtml(verdictText(report))}</span></h2>`,
    `<p class="file"><code>${escapeHtml(report.file)}</code></p>`,
    `<p class="description">${escapeHtml(entry.description)}</p>`,
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
    '<h3>Design</h3>',
    `<figure class="diagram">${inlineSvg(entry.topologySvg, `t${index}-`)}${legendHtml(entry.legend, REACH_LEGEND)}</figure>`,
    `<section class="coverage" data-topology="${escapeHtml(report.topology)}">${coverage}</section>`,
    '</article>',
  ].join('\n');
}
