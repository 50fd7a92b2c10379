/**
 * A check report as text for people, laid out as the house style's "Reporting a
 * counterexample": for each violated property a headline, one line per violation, a
 * ready-to-paste replay command, the numbered trace with the violating step marked, and at
 * most two hints; then vacuous properties, the properties that hold, and the statistics.
 * Pure: report in, string out.
 */
import type {
  BootReport,
  CheckReport,
  CheckStatistics,
  PropertyResult,
  SearchSummary,
  TraceStep,
  ViolationReport,
} from '../check/report.ts';
import { coverageLines } from './coverageText.ts';

export interface TextRenderOptions {
  /** Include the duration in the statistics line (off for reproducible output). */
  readonly timing?: boolean;
}

const MAX_HINTS = 2;

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

const formatCount = (count: number) => count.toLocaleString('en-US');

/** Quotes a file name for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command that re-runs a counterexample. */
export function replayCommand(file: string, token: string): string {
  return `npx protmem check ${shellQuote(file)} --replay ${token}`;
}

function violationLine(violation: ViolationReport): string {
  const parties =
    violation.parties && violation.parties.length > 0 ? ` [${violation.parties.join(', ')}]` : '';
  return `  ${violation.subject}: expected ${violation.expected}; actual ${violation.actual}${parties}`;
}

function traceLines(steps: readonly TraceStep[]): string[] {
  if (steps.length === 0) return ['    (no steps: the initial state already violates it)'];
  const width = String(steps.at(-1)!.index).length;
  return steps.map((step, position) => {
    const marker = position === steps.length - 1 ? '  ✖ ' : '    ';
    return `${marker}${String(step.index).padStart(width)}. ${step.description}  [${step.event}]`;
  });
}

/** What usually closes a violation of this kind, read from the first violation's words. */
function domainHint(property: PropertyResult): string | undefined {
  const actual = property.counterexample?.violations[0]?.actual ?? '';
  switch (property.name) {
    case 'plaintextNeverReachesUntrusted':
      if (/host stage-2 \(SHARED_OWNED\)/.test(actual)) {
        return 'the host kept its stage-2 mapping of a page it shared or lent (a LEND treated as a share, as mainline __do_ffa_mem_xfer() does: docs/model.md#ffa)';
      }
      if (/host stage-2 \(SHARED_BORROWED\)/.test(actual)) {
        return 'a protected VM shared the page with the host (MEM_SHARE, swiotlb): sharing is the host-readable path out of a pVM (__pkvm_guest_share_host(); docs/model.md#pkvm-ownership)';
      }
      if (/ via DMA /.test(actual)) {
        return 'a DMA master reaches the page: an IOMMU domain, a firewall rule for its NSAID, or the secure PAS keeps it out (docs/model.md#dma)';
      }
      return "remove the reader's path, or add it to the stream's audience if the design really trusts it";
    case 'scrubBeforeReuse':
      return 'zero pages before they are free again (heap zeroing, FF-A CLEAR, hyp_poison_page), or quarantine them when a reclaim fails';
    case 'protectedBufferNotExposed':
      return 'exporters of protected buffers refuse CPU mappings, and imports refuse protected buffers (docs/model.md#heaps, docs/model.md#virtio)';
    case 'sharedObjectTableAuthority':
      return 'give each UUID an allow-list checked on lookup, remove only by the owner, clean up when a back-end dies (QEMU hw/virtio/vhost-user.c; docs/model.md#virtio)';
    default:
      return undefined;
  }
}

function hints(report: CheckReport, property: PropertyResult): string[] {
  const found: string[] = [];
  const hint = domainHint(property);
  if (hint !== undefined) found.push(hint);
  if (report.mode === 'random') {
    found.push('found by random walks; --mode exhaustive finds a shortest trace');
  }
  if (report.properties.length > 1) {
    found.push(`check this property alone while fixing it: add --property ${property.name}`);
  }
  return found.slice(0, MAX_HINTS).map((hint) => `  hint: ${hint}`);
}

function violatedBlock(report: CheckReport, property: PropertyResult, timing: boolean): string[] {
  const counterexample = property.counterexample;
  const steps = counterexample?.steps ?? [];
  const lines = [`✖ ${property.name} violated after ${plural(steps.length, 'step')}  (${report.file})`];
  if (counterexample === undefined) return lines;
  lines.push(...counterexample.violations.map(violationLine));
  const found = counterexample.found;
  if (found !== undefined) {
    const when = timing && found.ms !== undefined ? `, ${formatDuration(found.ms)} into the search` : '';
    lines.push(`  found among the first ${formatCount(found.states)} states${when}`);
  }
  lines.push('  replay with:', `    ${replayCommand(report.file, counterexample.replay)}`);
  const shrunk =
    counterexample.shrinks === undefined ? '' : ` (shrunk ${plural(counterexample.shrinks, 'time')})`;
  lines.push(`  trace${shrunk}:`, ...traceLines(steps));
  lines.push(...hints(report, property));
  return lines;
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** How one search ended, in words. */
function endWords(search: SearchSummary): string {
  switch (search.ended) {
    case 'exhausted':
      return 'exhausted';
    case 'decided':
      return search.kind === 'pipeline'
        ? `stopped at depth ${search.depth}: a frame was displayed`
        : `stopped: every selected property decided at depth ${search.depth}`;
    case 'depthBound':
      return `bound reached: max depth ${search.bound.maxDepth}`;
    case 'stateBound':
      return `bound reached: max states ${formatCount(search.bound.maxStates ?? 0)}`;
    case 'runs':
      return `bound reached: ${formatCount(search.bound.runs ?? 0)} runs of ${plural(search.bound.maxDepth, 'step')}`;
    case 'replayed':
      return 'replayed';
    case 'notBooted':
      return 'not booted';
  }
}

/** One line per search a check ran: how many states, how deep, and why it ended. */
export function searchLines(statistics: CheckStatistics): string[] {
  return statistics.searches.map((search) => {
    if (search.kind === 'replay') return `replayed ${plural(search.depth, 'step')}`;
    const explored = `${formatCount(search.distinctStates)} distinct states`;
    const rest = `depth ${search.depth}, ${endWords(search)}`;
    if (search.kind === 'random') return `random: ${explored} seen, ${rest}`;
    if (search.kind === 'pipeline') {
      return `pipeline search (the legitimate parties' steps only): explored ${explored}, ${rest}`;
    }
    const compacted =
      search.omissionProbability === undefined
        ? ''
        : ` (hash compaction: a state missed with probability at most ${search.omissionProbability.toExponential(1)})`;
    return `explored ${explored}, ${rest}${compacted}`;
  });
}

/** How far exploration went: one line per search (joined by `separator`), the duration last. */
export function statisticsLine(statistics: CheckStatistics, timing: boolean, separator = '\n'): string {
  const lines = searchLines(statistics);
  if (lines.length === 0)
    lines.push(
      statistics.ended === 'notBooted' ? 'not explored: the design does not boot' : 'nothing explored',
    );
  if (timing) lines[lines.length - 1] += `, ${formatDuration(statistics.durationMs)}`;
  return lines.join(separator);
}

/**
 * What a report says about one property that does not hold, as the text report prints it: a
 * violation's headline, violations, replay command, trace and hints; the reason of a vacuous
 * or not reproduced one. Empty for a property that holds.
 */
export function propertyFailureText(
  report: CheckReport,
  property: PropertyResult,
  options: TextRenderOptions = {},
): string {
  if (property.status === 'violated')
    return violatedBlock(report, property, options.timing ?? true).join('\n');
  if (property.status === 'holds') return '';
  return `${property.name} ${property.status === 'vacuous' ? 'vacuous' : 'not reproduced'}: ${property.reason ?? 'there was nothing to check'}`;
}

/** Why a design does not boot, as the text report prints it. */
export function unbootableText(report: CheckReport, boot: BootReport): string {
  return unbootableBlock(report, boot).join('\n');
}

function unbootableBlock(report: CheckReport, boot: BootReport): string[] {
  return [
    `✖ unbootable: ${boot.message}  (${report.file})`,
    `  refused by ${boot.component}${boot.failedGuard ? ` (failed check: ${boot.failedGuard})` : ''}; no property was checked`,
    '  boot sequence:',
    ...traceLines(boot.steps),
    "  hint: the refusal is the platform's own check: change the design so the boot sequence asks only for what the kernel and firmware allow",
  ];
}

/** Which shard of a random check this is, or which shard reports it merges. */
function shardLines(report: CheckReport): string[] {
  const { shard, merged } = report;
  if (shard) {
    return [
      `shard ${shard.index} of ${shard.count}: ${formatCount(shard.runs)} of the ${formatCount(report.bound.runs ?? 0)} walks, seed ${shard.seed}`,
    ];
  }
  if (merged) {
    return [
      `merged from ${merged.shards} shard reports (states and steps add up over them): ${merged.files.join(', ')}`,
    ];
  }
  return [];
}

/** The report as text, ending in a newline. */
export function renderReport(report: CheckReport, options: TextRenderOptions = {}): string {
  const timing = options.timing ?? true;
  const blocks: string[][] = [];
  if (report.unbootable) blocks.push(unbootableBlock(report, report.unbootable));
  for (const property of report.properties) {
    if (property.status === 'notReproduced') blocks.push([`✖ ${property.reason ?? property.name}`]);
  }
  for (const property of report.properties) {
    if (property.status === 'violated') blocks.push(violatedBlock(report, property, timing));
  }
  // Properties vacuous for the same reason are listed once, under that reason.
  const byReason = new Map<string, string[]>();
  for (const property of report.properties.filter((p) => p.status === 'vacuous')) {
    const reason = property.reason ?? 'there was nothing to check';
    byReason.set(reason, [...(byReason.get(reason) ?? []), property.name]);
  }
  const vacuous = [...byReason].map(([reason, names]) =>
    names.length === 1
      ? `! ${names[0]} vacuous: ${reason}`
      : `! ${names.length} properties vacuous: ${reason}
    ${names.join(', ')}`,
  );
  if (vacuous.length > 0) blocks.push(vacuous);
  const holding = report.properties
    .filter((property) => property.status === 'holds')
    .map((property) =>
      property.witness === undefined
        ? `✔ ${property.name}`
        : `✔ ${property.name}  (reached after ${plural(property.witness.steps.length, 'step')})`,
    );
  if (holding.length > 0) blocks.push(holding);
  if (report.coverage) blocks.push(coverageLines(report.coverage));
  blocks.push([...shardLines(report), statisticsLine(report.statistics, timing)]);
  return `${blocks.map((block) => block.join('\n')).join('\n\n')}\n`;
}
