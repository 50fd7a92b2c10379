/**
 * The README's table of how far each catalog design is explored, from the manifest: exhausted
 * (the whole reachable space, or every property decided) or the depth bound and why. The
 * catalog test checks the README holds exactly this table; `npm run catalog:record` writes it.
 */
import type { Manifest } from '../../src/catalog/manifest.ts';

export const TABLE_START = '<!-- catalog search table: written by npm run catalog:record -->';
export const TABLE_END = '<!-- end of catalog search table -->';

/**
 * How many designs are explored to exhaustion, do not boot, or are checked to a depth bound, as
 * one sentence above the table (so the README's counts cannot drift from the manifest).
 */
export function catalogSearchSummary(manifest: Manifest): string {
  const entries = Object.entries(manifest.topologies).sort(([a], [b]) => a.localeCompare(b));
  const unbootable = entries.filter(([, entry]) => entry.verdict === 'unbootable');
  const bounded = entries.filter(([, entry]) => entry.verdict !== 'unbootable' && entry.bound !== undefined);
  const exhausted = entries.length - unbootable.length - bounded.length;
  const names = unbootable.map(([file]) => `\`${file.replace(/\.ya?ml$/, '')}\``).join(', ');
  return (
    `${exhausted} of the ${entries.length} designs are explored to exhaustion; ` +
    `${unbootable.length} do not boot (${names}), so there is nothing to search; ` +
    `${bounded.length} are checked to every trace of up to their depth bound.`
  );
}

/** The table as Markdown, one row per design in file order. */
export function catalogSearchTable(manifest: Manifest): string {
  const rows = Object.entries(manifest.topologies)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([file, entry]) => {
      const design = file.replace(/\.ya?ml$/, '');
      const states = entry.states === undefined ? '' : entry.states.toLocaleString('en-US');
      const search =
        entry.verdict === 'unbootable'
          ? 'not booted: nothing to search'
          : entry.bound === undefined
            ? 'exhausted'
            : `depth ${entry.maxDepth}: ${entry.bound.split(':')[0]!.trim()}`;
      return `| \`${design}\` | ${entry.verdict ?? verdictOf(entry.expect)} | ${search} | ${states} |`;
    });
  return ['| design | verdict | search | states |', '| --- | --- | --- | ---: |', ...rows].join('\n');
}

function verdictOf(expect: Readonly<Record<string, string>>): string {
  const statuses = Object.values(expect);
  if (statuses.includes('violated')) return 'violation';
  if (statuses.includes('vacuous')) return 'vacuous';
  return 'pass';
}

/**
 * The README with its table section replaced by `summary` and `table`; throws when the markers
 * are missing.
 */
export function withCatalogSearchTable(readme: string, summary: string, table: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error('README.md lacks the catalog search table markers');
  return `${readme.slice(0, start + TABLE_START.length)}\n\n${summary}\n\n${table}\n\n${readme.slice(end)}`;
}
