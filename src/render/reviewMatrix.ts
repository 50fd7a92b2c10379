/**
 * The review page's matrix: one row per design, the verdict first, then the property columns
 * grouped by kind (safety, reachability, well-formedness), the well-formedness group collapsed
 * into one summary column until its toggle opens it. Above it the toolbar: search by name,
 * filter by verdict and by a property's status, and compare the designs whose rows are ticked.
 * Pure: review entries in, HTML out; the page script only shows, hides and opens.
 *
 * Hooks: rows carry `data-topology` and `data-verdict`; cells carry `data-topology`,
 * `data-property` and `data-status`; a cell's button and a design's name carry `data-hash`, the
 * location hash that opens their panel (`cell:<topology>:<property>`, `design:<topology>`).
 */
import type { CheckReport, PropertyResult } from '../check/report.ts';
import { escapeHtml, slug } from './markup.ts';
import { cellOf, type ReviewEntry, verdictText } from './reviewEntry.ts';

export type PropertyKind = PropertyResult['kind'];

export interface MatrixColumn {
  readonly name: string;
  readonly kind: PropertyKind;
  readonly summary: string;
}

/** Group order: the claims people argue about first, pKVM's own invariants last. */
export const KIND_ORDER: readonly PropertyKind[] = ['safety', 'reachability', 'wellFormed'];

export const KIND_TITLES: Record<PropertyKind, string> = {
  safety: 'Safety',
  reachability: 'Reachability',
  wellFormed: 'Well-formedness',
};

/** Every property some design was checked against, grouped by kind, first-seen order within a kind. */
export function matrixColumns(entries: readonly ReviewEntry[]): MatrixColumn[] {
  const seen = new Map<string, MatrixColumn>();
  for (const entry of entries) {
    for (const p of entry.report.properties) {
      if (!seen.has(p.name)) seen.set(p.name, { name: p.name, kind: p.kind, summary: p.summary });
    }
  }
  return KIND_ORDER.flatMap((kind) => [...seen.values()].filter((column) => column.kind === kind));
}

/** The template id of a cell's panel. */
export const cellTemplateId = (topology: string, property: string) => `cell-${slug(topology)}-${property}`;
/** The template id of a design's panel. */
export const designTemplateId = (topology: string) => `design-${slug(topology)}`;

/** A property name that may break between its words: `plaintext<wbr>Never<wbr>Reaches…`. */
function breakableName(name: string): string {
  return escapeHtml(name).replace(/([a-z0-9])(?=[A-Z])/g, '$1<wbr>');
}

/** The verdict cell's short text: `✔ pass`, `✖ 2 violated`, `! vacuous`, `✖ unbootable`. */
export function verdictBadge(report: CheckReport): string {
  if (report.unbootable) return '✖ unbootable';
  if (report.verdict === 'pass') return '✔ pass';
  if (report.verdict === 'vacuous') return '! vacuous';
  if (report.verdict === 'notReproduced') return '✖ not reproduced';
  return `✖ ${report.properties.filter((p) => p.status === 'violated').length} violated`;
}

const STATUS_WORDS = {
  holds: 'holds',
  violated: 'violated: open the counterexample',
  vacuous: 'vacuous: open why',
  notReproduced: 'the replayed trace no longer violates it',
  notChecked: '',
} as const;

function cellHtml(report: CheckReport, column: MatrixColumn): string {
  const result = report.properties.find((p) => p.name === column.name);
  const cell = cellOf(result);
  const group = column.kind === 'wellFormed' ? ' wf-col' : '';
  const data = `class="cell ${column.kind}${group}" data-topology="${escapeHtml(report.topology)}" data-property="${escapeHtml(column.name)}" data-status="${cell.status}"`;
  if (result === undefined) {
    const why = report.unbootable ? 'the design does not boot' : 'the design has no such component';
    return `<td ${data} title="not checked: ${why}">${cell.text}</td>`;
  }
  const title = `${column.name} in ${report.topology}: ${STATUS_WORDS[cell.status]}`;
  return `<td ${data}><button type="button" data-hash="cell:${escapeHtml(report.topology)}:${escapeHtml(column.name)}" title="${escapeHtml(title)}">${cell.text}</button></td>`;
}

/** The collapsed well-formedness column: `✔ 10`, `✖ 1 of 10`, or `—` when none was checked. */
function wellFormedSummary(report: CheckReport, columns: readonly MatrixColumn[]): string {
  const results = columns.flatMap((column) => report.properties.filter((p) => p.name === column.name));
  const violated = results.filter((p) => p.status === 'violated' || p.status === 'notReproduced').length;
  const vacuous = results.filter((p) => p.status === 'vacuous').length;
  const [status, text] =
    results.length === 0
      ? ['notChecked', '—']
      : violated > 0
        ? ['violated', `✖ ${violated} of ${results.length}`]
        : vacuous > 0
          ? ['vacuous', `! ${vacuous} of ${results.length}`]
          : ['holds', `✔ ${results.length}`];
  return `<td class="cell wellFormed wf-summary" data-status="${status}" title="${results.length} well-formedness properties checked: show them with the toggle above">${text}</td>`;
}

function rowHtml(entry: ReviewEntry, columns: readonly MatrixColumn[]): string {
  const report = entry.report;
  const name = escapeHtml(report.topology);
  const wellFormed = columns.filter((column) => column.kind === 'wellFormed');
  const cells = KIND_ORDER.flatMap((kind) => {
    const own = columns.filter((column) => column.kind === kind).map((column) => cellHtml(report, column));
    return kind === 'wellFormed' && wellFormed.length > 0
      ? [wellFormedSummary(report, wellFormed), ...own]
      : own;
  });
  return [
    `<tr data-topology="${name}" data-verdict="${report.verdict}">`,
    `<td class="pick"><input type="checkbox" class="compare-pick" value="${name}" aria-label="compare ${name}"></td>`,
    `<th scope="row" class="design"><button type="button" class="design-open" data-hash="design:${name}" title="${escapeHtml(report.file)}">${name}</button></th>`,
    `<td class="verdict ${report.verdict}" title="${escapeHtml(verdictText(report))}">${escapeHtml(verdictBadge(report))}</td>`,
    ...cells,
    '</tr>',
  ].join('');
}

function headHtml(columns: readonly MatrixColumn[]): string {
  const groups: string[] = [];
  const names: string[] = [];
  for (const kind of KIND_ORDER) {
    const own = columns.filter((column) => column.kind === kind);
    if (own.length === 0) continue;
    const wf = kind === 'wellFormed';
    if (wf) {
      groups.push(
        `<th scope="colgroup" class="group wellFormed wf-summary" rowspan="2"><button type="button" class="wf-toggle" aria-expanded="false" title="show the ${own.length} well-formedness columns">${KIND_TITLES[kind]} (${own.length}) ▸</button></th>`,
      );
    }
    groups.push(
      `<th scope="colgroup" class="group ${kind}${wf ? ' wf-col' : ''}" colspan="${own.length}">${wf ? `<button type="button" class="wf-toggle" aria-expanded="true" title="hide the well-formedness columns">${KIND_TITLES[kind]} ◂</button>` : KIND_TITLES[kind]}</th>`,
    );
    for (const column of own) {
      names.push(
        `<th scope="col" class="property ${kind}${wf ? ' wf-col' : ''}" data-property="${escapeHtml(column.name)}" title="${escapeHtml(`${column.name}: ${column.summary}`)}">${breakableName(column.name)}</th>`,
      );
    }
  }
  return [
    '<thead>',
    `<tr class="groups"><th scope="col" class="pick" rowspan="2"><span class="visually-hidden">compare</span></th><th scope="col" class="design" rowspan="2">Design</th><th scope="col" class="verdict" rowspan="2">Verdict</th>${groups.join('')}</tr>`,
    `<tr class="names">${names.join('')}</tr>`,
    '</thead>',
  ].join('');
}

const VERDICTS = ['pass', 'violation', 'vacuous', 'unbootable', 'notReproduced'] as const;

function toolbarHtml(entries: readonly ReviewEntry[], columns: readonly MatrixColumn[]): string {
  const verdicts = VERDICTS.filter((verdict) => entries.some((entry) => entry.report.verdict === verdict));
  const options = (pairs: readonly (readonly [string, string])[]) =>
    pairs
      .map(([value, label]) => `<option value="${escapeHtml(value)}">${escapeHtml(label)}</option>`)
      .join('');
  return [
    '<div class="toolbar" id="matrix-toolbar" role="search">',
    '<label>Name <input type="search" id="filter-name" placeholder="part of a design name" autocomplete="off"></label>',
    `<label>Verdict <select id="filter-verdict">${options([['', 'any'], ...verdicts.map((v) => [v, v] as const)])}</select></label>`,
    `<label>Property <select id="filter-property">${options([['', 'any'], ...columns.map((c) => [c.name, c.name] as const)])}</select></label>`,
    `<label>is <select id="filter-status">${options([
      ['failing', 'violated or vacuous'],
      ['violated', 'violated'],
      ['vacuous', 'vacuous'],
      ['holds', 'holds'],
      ['notChecked', 'not checked'],
    ])}</select></label>`,
    `<span id="filter-count" aria-live="polite">${entries.length} of ${entries.length} designs</span>`,
    '<button type="button" id="compare-open" disabled>Compare ticked designs (0)</button>',
    '</div>',
  ].join('\n');
}

/** The toolbar and the matrix. */
export function matrixHtml(entries: readonly ReviewEntry[], columns: readonly MatrixColumn[]): string {
  return [
    toolbarHtml(entries, columns),
    `<div class="matrix-wrap" id="matrix-wrap"><table class="matrix" id="matrix">${headHtml(columns)}<tbody>${entries
      .map((entry) => rowHtml(entry, columns))
      .join('\n')}</tbody></table></div>`,
  ].join('\n');
}
