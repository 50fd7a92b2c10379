/**
 * `npm run fuzz -- --runs 100000 [--seed N]`: the long run of the topology fuzzer. Generates
 * mutated catalog documents (`test/support/topologyFuzz.ts`), loads each and checks each valid
 * one at small bounds, and prints how many were checked, rejected, rejected with a problem
 * not placed in the text, and ended in an internal error, with the first few failures. Exits 1
 * if any internal error or unlocated problem was found.
 */
import fc from 'fast-check';
import {
  type FuzzOutcome,
  fuzzOne,
  type TopologyDocument,
  topologyDocuments,
} from '../support/topologyFuzz.ts';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) {
    process.stderr.write(`fuzz: ${name} needs a positive integer\n`);
    process.exit(2);
  }
  return value;
};
const runs = option('--runs', 10_000);
const seed = option('--seed', 20261202);

const counts: Record<FuzzOutcome['kind'], number> = {
  checked: 0,
  rejected: 0,
  unlocated: 0,
  internalError: 0,
};
const failures: { document: TopologyDocument; outcome: FuzzOutcome }[] = [];
const verdicts = new Map<string, number>();
const refusals = new Map<string, number>();
const started = performance.now();
let done = 0;
fc.assert(
  fc.property(topologyDocuments({ hugeLength: 2_000_000, depth: 100_000 }), (document) => {
    const outcome = fuzzOne(document);
    counts[outcome.kind]++;
    if (outcome.kind === 'checked') verdicts.set(outcome.verdict, (verdicts.get(outcome.verdict) ?? 0) + 1);
    if (outcome.kind === 'checked' && outcome.refused)
      refusals.set(outcome.refused, (refusals.get(outcome.refused) ?? 0) + 1);
    if ((outcome.kind === 'internalError' || outcome.kind === 'unlocated') && failures.length < 5) {
      failures.push({ document, outcome });
    }
    done++;
    if (done % 1000 === 0) {
      process.stderr.write(
        `fuzz: ${done} of ${runs} documents, ${Math.round((performance.now() - started) / 1000)} s\n`,
      );
    }
  }),
  { seed, numRuns: runs },
);

const seconds = ((performance.now() - started) / 1000).toFixed(1);
process.stdout.write(
  `fuzz: ${runs} documents (seed ${seed}) in ${seconds} s: ${counts.checked} checked, ${counts.rejected} rejected, ` +
    `${counts.unlocated} unlocated problems, ${counts.internalError} internal errors\n`,
);
process.stdout.write(
  `verdicts of the checked documents: ${[...verdicts].map(([verdict, count]) => `${count} ${verdict}`).join(', ')}\n`,
);
if (refusals.size > 0) {
  process.stdout.write(
    `boot refusals of the unbootable ones: ${[...refusals].map(([call, count]) => `${count} ${call}`).join(', ')}\n`,
  );
}
for (const { document, outcome } of failures) {
  const detail =
    outcome.kind === 'internalError'
      ? `${outcome.phase}: ${outcome.error instanceof Error ? (outcome.error.stack ?? outcome.error.message) : String(outcome.error)}`
      : outcome.kind === 'unlocated'
        ? outcome.detail
        : '';
  process.stdout.write(
    `\n${outcome.kind} in ${document.file} (${document.text.length} characters):\n${detail}\n`,
  );
  process.stdout.write(`${document.text.slice(0, 600)}\n`);
}
process.exitCode = counts.internalError + counts.unlocated > 0 ? 1 : 0;
