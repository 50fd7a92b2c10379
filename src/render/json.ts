/** A check report as `protmem check --json` prints it. */
import { type CheckReport, withoutTimes } from '../check/report.ts';

/** 2-space indented JSON; without the times (`withoutTimes`) when `timing` is false. */
export function renderReportJson(report: CheckReport, options: { readonly timing?: boolean } = {}): string {
  return `${JSON.stringify((options.timing ?? true) ? report : withoutTimes(report), null, 2)}\n`;
}
