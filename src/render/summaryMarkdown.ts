/**
 * A design review as Markdown, for a pull request or a wiki page: the matrix of topologies by
 * properties as a table, then per topology its assumptions, bound and exploration, and each
 * counterexample as the violations, a replay command, the numbered trace (the violating step
 * marked) and its sequence diagram in a `mermaid` block. Pure: review entries in, text out.
 */
import type { PropertyResult } from '../check/report.ts';
import { traceSequenceMermaid } from './mermaid.ts';
import {
  CELL_LEGEND,
  cellOf,
  propertyColumns,
  type ReviewEntry,
  type ReviewOptions,
  verdictCounts,
  verdictText,
} from './reviewEntry.ts';
import { replayCommand, statisticsLine } from './text.ts';
import { verdictCountsText } from './verdicts.ts';

/** Text safe inside a Markdown table cell or list item. */
function markdownText(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/([*_`[\]<>])/g, '\\$1')
    .replace(/\s+/g, ' ');
}

function matrix(entries: readonly ReviewEntry[]): string[] {
  const columns = propertyColumns(entries);
  const lines = [
    `| Topology | ${columns.join(' | ')} | Verdict |`,
    `|---|${columns.map(() => ':---:').join('|')}|---|`,
  ];
  for (const entry of entries) {
    const report = entry.report;
    const cells = columns.map((name) => cellOf(report.properties.find((p) => p.name === name)).text);
    lines.push(`| ${markdownText(report.topology)} | ${cells.join(' | ')} | ${verdictText(report)} |`);
  }
  return lines;
}

function counterexampleLines(entry: ReviewEntry, property: PropertyResult): string[] {
  const counterexample = property.counterexample!;
  const steps = counterexample.steps;
  const lines = [
    `### ✖ ${property.name} violated after ${steps.length} step${steps.length === 1 ? '' : 's'}`,
    '',
    markdownText(property.summary),
    '',
    ...counterexample.violations.map(
      (v) =>
        `- **${markdownText(v.subject)}**: expected ${markdownText(v.expected)}; actual ${markdownText(v.actual)}${v.parties?.length ? ` [${markdownText(v.parties.join(', '))}]` : ''}`,
    ),
    '',
    'Replay:',
    '',
    '```sh',
    replayCommand(entry.report.file, counterexample.replay),
    '```',
    '',
    'Trace:',
    '',
    ...steps.map(
      (step, i) =>
        `${step.index}. ${i === steps.length - 1 ? '✖ ' : ''}${markdownText(step.description)} \`${step.event}\``,
    ),
    '',
  ];
  const trace = entry.traces.get(property.name);
  if (trace) lines.push('```mermaid', traceSequenceMermaid(trace).trimEnd(), '```', '');
  return lines;
}

function topologyLines(entry: ReviewEntry, timing: boolean): string[] {
  const report = entry.report;
  const lines = [
    `## ${report.topology}`,
    '',
    `\`${report.file}\`: **${verdictText(report)}**`,
    '',
    markdownText(entry.description),
    '',
    'Assumptions:',
    '',
    ...report.assumptions.map((a) => `- ${markdownText(a)}`),
    '',
    `Bound: ${report.mode} search, max depth ${report.bound.maxDepth}${report.bound.maxStates !== undefined ? `, max states ${report.bound.maxStates.toLocaleString('en-US')}` : ''}${report.bound.runs !== undefined ? `, ${report.bound.runs} runs` : ''}; ${statisticsLine(report.statistics, timing, '; ')}.`,
    '',
  ];
  if (report.unbootable) {
    lines.push(
      `The design does not boot: ${markdownText(report.unbootable.message)}. No property was checked.`,
      '',
      ...report.unbootable.steps.map(
        (step) => `${step.index}. ${markdownText(step.description)} \`${step.event}\``,
      ),
      '',
    );
  }
  for (const property of report.properties) {
    if (property.status === 'violated' && property.counterexample) {
      lines.push(...counterexampleLines(entry, property));
    }
  }
  const vacuous = report.properties.filter((p) => p.status === 'vacuous');
  if (vacuous.length > 0) {
    lines.push(
      ...vacuous.map(
        (p) => `- ! **${p.name}** vacuous: ${markdownText(p.reason ?? 'there was nothing to check')}`,
      ),
      '',
    );
  }
  return lines;
}

/** The review as Markdown, ending in a newline. */
export function renderSummaryMarkdown(entries: readonly ReviewEntry[], options: ReviewOptions = {}): string {
  const timing = options.timing ?? true;
  const counts = verdictCounts(entries);
  const lines = [
    '# protmem review',
    '',
    `${entries.length} topolog${entries.length === 1 ? 'y' : 'ies'}, each checked with its own bounds: ${verdictCountsText(counts)}.`,
    '',
    CELL_LEGEND,
    '',
    ...matrix(entries),
    '',
    ...entries.flatMap((entry) => topologyLines(entry, timing)),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}
