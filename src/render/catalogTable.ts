/**
 * The catalog run as a table: one line per topology (verdict, the property that failed and its
 * trace length, states explored, time, whether it matches the manifest), then a total.
 */
import type { CatalogResult } from '../catalog/runCatalog.ts';
import { countVerdicts, verdictCountsText } from './verdicts.ts';

function firstFailure(row: CatalogResult['rows'][number]): string {
  if (row.report.unbootable) return `${row.report.unbootable.call} refused (${row.report.unbootable.code})`;
  const failing = row.report.properties.filter((p) => p.status !== 'holds');
  if (failing.length === 0) return '-';
  const first =
    failing.find((p) => p.status === 'violated') ??
    failing.find((p) => p.kind === 'reachability') ??
    failing[0]!;
  const steps = first.counterexample
    ? ` (${first.counterexample.steps.length})`
    : first.status === 'vacuous'
      ? ' (vacuous)'
      : '';
  const more = first.status === 'violated' && failing.length > 1 ? ` +${failing.length - 1}` : '';
  return `${first.name}${steps}${more}`;
}

/** How complete the design's check is: exhausted, decided, or the bound that cut it. */
function searchWords(row: CatalogResult['rows'][number]): string {
  const { ended, depth } = row.report.statistics;
  if (ended === 'exhausted' || ended === 'decided') return ended;
  if (ended === 'notBooted') return '-';
  return ended === 'depthBound'
    ? `bound: depth ${depth}`
    : `bound: ${(row.report.bound.maxStates ?? 0).toLocaleString('en-US')} states`;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function renderCatalogTable(
  result: CatalogResult,
  options: { timing: boolean } = { timing: true },
): string {
  const header = [
    'topology',
    'verdict',
    'failed property (trace steps)',
    'states',
    'search',
    ...(options.timing ? ['time'] : []),
    'manifest',
  ];
  const lines = result.rows.map((row) => [
    row.file.replace(/\.(ya?ml|json)$/, ''),
    row.report.verdict,
    firstFailure(row),
    row.report.statistics.distinctStates.toLocaleString('en-US'),
    searchWords(row),
    ...(options.timing ? [seconds(row.report.statistics.durationMs)] : []),
    row.mismatches.length === 0
      ? 'matches'
      : `DIFFERS: ${row.mismatches.map((m) => `${m.property} ${m.actual} (expected ${m.expected})`).join('; ')}`,
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...lines.map((l) => (i === header.length - 1 ? 0 : l[i]!.length))),
  );
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const counts = countVerdicts(result.rows.map((row) => row.report));
  const matching = result.rows.filter((r) => r.mismatches.length === 0).length;
  const total = result.rows.reduce((sum, r) => sum + r.report.statistics.durationMs, 0);
  const out = [format(header), ...lines.map(format), ''];
  out.push(
    `total: ${result.rows.length} topologies: ${verdictCountsText(counts)}; ${matching} of ${result.rows.length} match ${result.manifest}${options.timing ? `; ${seconds(total)}` : ''}`,
  );
  for (const file of result.unlisted) out.push(`not in the manifest: ${file}`);
  for (const file of result.missing) out.push(`listed in the manifest but missing: ${file}`);
  return `${out.join('\n')}\n`;
}

/** True iff the run matches the manifest exactly. */
export function catalogMatches(result: CatalogResult): boolean {
  return (
    result.rows.every((r) => r.mismatches.length === 0) &&
    result.unlisted.length === 0 &&
    result.missing.length === 0
  );
}
