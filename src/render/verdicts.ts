/** Counting and naming verdicts, for the one-line totals of `catalog` and `review`. */
import type { CheckReport, Verdict } from '../check/report.ts';

const ORDER: readonly Verdict[] = ['pass', 'violation', 'vacuous', 'unbootable', 'notReproduced'];

/** How many reports have each verdict. */
export function countVerdicts(reports: readonly CheckReport[]): Record<Verdict, number> {
  const counts: Record<Verdict, number> = {
    pass: 0,
    violation: 0,
    vacuous: 0,
    unbootable: 0,
    notReproduced: 0,
  };
  for (const report of reports) counts[report.verdict]++;
  return counts;
}

/** `3 pass, 2 violation, 1 unbootable`: `pass` always, the other verdicts where they occur. */
export function verdictCountsText(counts: Record<Verdict, number>): string {
  return ORDER.filter((verdict) => verdict === 'pass' || counts[verdict] > 0)
    .map((verdict) => `${counts[verdict]} ${verdict === 'notReproduced' ? 'not reproduced' : verdict}`)
    .join(', ');
}
