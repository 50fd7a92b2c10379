/**
 * Reports as JSON, as `--reporter json` (and `--json`) prints them: one object, 2-space
 * indented, opening with the version of protmem that wrote it and the `schemaVersion` of its
 * shape. Pure: data in, string out; the same data gives the same bytes.
 */
import type { CatalogResult } from '../catalog/runCatalog.ts';
import { type CheckReport, SCHEMA_VERSION, withoutTimes } from '../check/report.ts';
import type { TopologyIssue } from '../topology/issues.ts';
import { catalogMatches } from './catalogTable.ts';

export { SCHEMA_VERSION };

export interface JsonRenderOptions {
  /** protmem's version, written as `version`. */
  readonly version: string;
  /** Include durations (off for output that is the same on every run). */
  readonly timing?: boolean;
}

/** `{ schemaVersion, version, ...body }` as indented JSON ending in a newline. */
export function renderJsonDocument(body: object, version: string): string {
  const { schemaVersion: _schema, version: _version, ...rest } = body as Record<string, unknown>;
  return `${JSON.stringify({ schemaVersion: SCHEMA_VERSION, version, ...rest }, null, 2)}\n`;
}

/** A check report as it is printed: without its times (`withoutTimes`) when `timing` is false. */
export function printedReport(report: CheckReport, timing = true): object {
  return timing ? report : withoutTimes(report);
}

/** One check report (from `check` or `merge`). */
export function renderReportJson(report: CheckReport, options: JsonRenderOptions): string {
  return renderJsonDocument(printedReport(report, options.timing), options.version);
}

/** The reports of a review, in the order of its topologies. */
export function renderReviewJson(reports: readonly CheckReport[], options: JsonRenderOptions): string {
  return renderJsonDocument(
    { reports: reports.map((report) => printedReport(report, options.timing)) },
    options.version,
  );
}

/** A catalog run: whether it matches the manifest, then each row with its differences and report. */
export function renderCatalogJson(result: CatalogResult, options: JsonRenderOptions): string {
  return renderJsonDocument(
    {
      manifest: result.manifest,
      matches: catalogMatches(result),
      rows: result.rows.map((row) => ({
        file: row.file,
        mismatches: row.mismatches,
        report: printedReport(row.report, options.timing),
      })),
      unlisted: result.unlisted,
      missing: result.missing,
    },
    options.version,
  );
}

/** One file `validate` read: its problems, none when it is valid. */
export interface ValidatedFile {
  readonly file: string;
  readonly problems: readonly TopologyIssue[];
}

/** What `validate --json` prints: per file whether it is valid and every problem, as data. */
export function renderValidationJson(files: readonly ValidatedFile[], version: string): string {
  return renderJsonDocument(
    {
      valid: files.every((each) => each.problems.length === 0),
      files: files.map((each) => ({
        file: each.file,
        valid: each.problems.length === 0,
        problems: each.problems.map(({ code, path, message, file, line, column, expected, found }) => ({
          code,
          path,
          message,
          file,
          line,
          column,
          expected,
          found,
        })),
      })),
    },
    version,
  );
}
