/**
 * One verdict from the reports of a sharded random check (`protmem check --shard K/N --json`,
 * one per CI job): every shard of the same design, seed and bound, each exactly once. A property
 * is violated when any shard violated it, with the shortest counterexample found (ties go to the
 * lower shard); the pipeline is reached when any shard reached it; otherwise a property holds,
 * or is vacuous when no shard ran the pipeline. Counts add up over the shards (a state two
 * shards saw counts twice).
 */
import { pipelineReachable } from '../../properties/sdp/index.ts';
import { type CheckReport, type PropertyResult, type SearchSummary, verdictOf } from './report.ts';

/** Reports that cannot be merged: the file at fault and why. */
export class MergeError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'MergeError';
  }
}

export interface ShardReport {
  readonly file: string;
  readonly report: CheckReport;
}

/** What shards of one check have in common, in words, for a message naming the difference. */
function identity(report: CheckReport): Record<string, string> {
  return {
    topology: report.topology,
    digest: report.digest,
    seed: String(report.seed),
    'max depth': String(report.bound.maxDepth),
    runs: String(report.bound.runs),
    shards: String(report.shard?.count),
    properties: report.properties.map((p) => p.name).join(', '),
  };
}

function checkShards(reports: readonly ShardReport[]): number {
  if (reports.length === 0) throw new MergeError('(no files)', 'there is nothing to merge');
  for (const { file, report } of reports) {
    if (report.mode !== 'random' || report.shard === undefined) {
      throw new MergeError(
        file,
        `a ${report.mode} check${report.shard ? '' : ' that was not sharded'}; merge takes the reports of protmem check --mode random --shard K/N --json`,
      );
    }
  }
  const first = reports[0]!;
  const expected = identity(first.report);
  for (const { file, report } of reports.slice(1)) {
    for (const [what, value] of Object.entries(identity(report))) {
      if (value !== expected[what]) {
        throw new MergeError(
          file,
          `its ${what} is ${value}, but ${first.file}'s is ${expected[what]}: they are shards of different checks`,
        );
      }
    }
  }
  const count = first.report.shard!.count;
  const byIndex = new Map<number, string>();
  for (const { file, report } of reports) {
    const other = byIndex.get(report.shard!.index);
    if (other !== undefined)
      throw new MergeError(file, `shard ${report.shard!.index}/${count} is also ${other}`);
    byIndex.set(report.shard!.index, file);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((index) => !byIndex.has(index));
  if (missing.length > 0) {
    throw new MergeError(
      first.file,
      `shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} of this check ${missing.length > 1 ? 'are' : 'is'} missing`,
    );
  }
  return count;
}

/** The shortest of `candidates` by `length`; ties go to the first. */
function shortest<T>(candidates: readonly T[], length: (candidate: T) => number): T | undefined {
  return candidates.reduce<T | undefined>(
    (best, candidate) => (best === undefined || length(candidate) < length(best) ? candidate : best),
    undefined,
  );
}

export function mergeShardReports(reports: readonly ShardReport[]): CheckReport {
  const count = checkShards(reports);
  const ordered = [...reports].sort((a, b) => a.report.shard!.index - b.report.shard!.index);
  const first = ordered[0]!.report;
  if (first.verdict === 'unbootable') {
    const { shard: _shard, ...rest } = first;
    return { ...rest, merged: { shards: count, files: ordered.map((r) => r.file) } };
  }
  const results = (name: string) =>
    ordered.map(({ report }) => report.properties.find((p) => p.name === name)!);
  const witnessed = shortest(
    results(pipelineReachable.name).filter((p) => p?.witness !== undefined),
    (p) => p.witness!.steps.length,
  );
  const properties: PropertyResult[] = first.properties.map((property) => {
    const all = results(property.name);
    if (property.name === pipelineReachable.name) return witnessed ?? property;
    const violated = shortest(
      all.filter((p) => p.status === 'violated' && p.counterexample),
      (p) => p.counterexample!.steps.length,
    );
    if (violated) return violated;
    const { reason: _reason, counterexample: _none, ...base } = property;
    const vacuous = all.find((p) => p.status === 'vacuous');
    if (witnessed === undefined && vacuous) return vacuous;
    return { ...base, status: 'holds' };
  });
  const statistics = ordered.map(({ report }) => report.statistics);
  const random: SearchSummary = {
    kind: 'random',
    bound: { maxDepth: first.bound.maxDepth, runs: first.bound.runs ?? 0 },
    distinctStates: statistics.reduce((sum, s) => sum + s.distinctStates, 0),
    depth: Math.max(...statistics.map((s) => s.depth)),
    ended: properties.every((p) => p.status === 'violated' || p.kind === 'reachability') ? 'decided' : 'runs',
  };
  // The pipeline search is the same breadth-first search in every shard that ran it.
  const pipeline = statistics.flatMap((s) => s.searches.filter((search) => search.kind === 'pipeline'))[0];
  const searches = [random, ...(pipeline ? [pipeline] : [])];
  const { shard: _shard, ...head } = first;
  return {
    ...head,
    merged: { shards: count, files: ordered.map((r) => r.file) },
    verdict: verdictOf(properties),
    properties,
    statistics: {
      steps: statistics.reduce((sum, s) => sum + s.steps, 0),
      distinctStates: random.distinctStates,
      depth: random.depth,
      boundReached: searches.some(
        (s) => s.ended === 'depthBound' || s.ended === 'stateBound' || s.ended === 'runs',
      ),
      ended: random.ended,
      searches,
      durationMs: statistics.reduce((sum, s) => sum + (s.durationMs ?? 0), 0),
    },
  };
}
