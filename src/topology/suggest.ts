/**
 * "Did you mean" for near-miss names: the closest candidate by edit distance (insertions,
 * deletions, substitutions and swaps of neighbours, ignoring case), if it is close enough.
 */

/** Optimal string alignment distance between two strings. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * Names longer than this get no suggestion: real names are short, and the edit distance of two
 * strings costs the product of their lengths.
 */
export const MAX_SUGGESTION_INPUT = 64;

/** The candidate closest to `input`, or undefined when none is a plausible typo of it. */
export function closestName(input: string, candidates: Iterable<string>): string | undefined {
  if (input.length > MAX_SUGGESTION_INPUT) return undefined;
  const wanted = input.toLowerCase();
  const threshold = Math.max(1, Math.floor(input.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === input) continue;
    const lower = candidate.toLowerCase();
    // The distance is at least the difference in length: such a candidate cannot be close.
    if (Math.abs(lower.length - wanted.length) > threshold) continue;
    const distance = editDistance(wanted, lower);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= threshold ? best : undefined;
}

/** `; did you mean "x"?` when a candidate is close, else the empty string. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const suggestion = closestName(input, candidates);
  return suggestion === undefined ? '' : `; did you mean "${suggestion}"?`;
}
