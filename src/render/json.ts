/** A check report as `protmem check --json` prints it. */
import type { CheckReport } from '../check/report.ts';

/** 2-space indented JSON; without `statistics.durationMs` when `timing` is false. */
export function renderReportJson(report: CheckReport, options: { readonly timing?: boolean } = {}): string {
  if (options.timing ?? true) return `${JSON.stringify(report, null, 2)}\n`;
  const { durationMs: _omitted, ...statistics } = report.statistics;
  return `${JSON.stringify({ ...report, statistics }, null, 2)}\n`;
}
