/**
 * The data the review page's compare view lays out for the designs a reader ticks: per design
 * its verdict, its facts (aspect by aspect) and each property's status, and the properties in
 * matrix order. Embedded in the page as JSON (`<script type="application/json">`, which runs
 * nothing), so the view can compare any choice of designs offline. Pure.
 */
import { cellOf, type ReviewEntry } from './reviewEntry.ts';
import type { MatrixColumn } from './reviewMatrix.ts';

export interface CompareData {
  readonly properties: readonly { readonly name: string; readonly kind: string }[];
  readonly designs: readonly {
    readonly topology: string;
    readonly verdict: string;
    readonly facts: readonly (readonly [string, string])[];
    /** Property name to cell status and text (`violated`, `✖ 4`). */
    readonly cells: Readonly<Record<string, readonly [string, string]>>;
  }[];
}

export function compareData(entries: readonly ReviewEntry[], columns: readonly MatrixColumn[]): CompareData {
  return {
    properties: columns.map((column) => ({ name: column.name, kind: column.kind })),
    designs: entries.map((entry) => ({
      topology: entry.report.topology,
      verdict: entry.report.verdict,
      facts: entry.facts.map((fact) => [fact.aspect, fact.value] as const),
      cells: Object.fromEntries(
        columns.map((column) => {
          const cell = cellOf(entry.report.properties.find((p) => p.name === column.name));
          return [column.name, [cell.status, cell.text] as const];
        }),
      ),
    })),
  };
}

/** JSON safe inside a `<script>` element: no `<` to end it early. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}
