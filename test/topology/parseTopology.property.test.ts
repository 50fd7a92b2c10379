/**
 * Whatever text it is given, `parseTopology` returns a topology or throws a `TopologyError`
 * whose issues are all placed in the text; it never throws anything else. Fed random strings,
 * random JSON values, and copies of a valid topology with keys deleted, replaced, given the
 * wrong type or duplicated. Seeds are fixed so a CI failure replays.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { parseTopology, TopologyError } from '../../src/topology/load.ts';

const SEED = 20261125;
const RUNS = 400;
const VALID: unknown = parseYaml(readFileSync('test/fixtures/tzasc-carveout.yaml', 'utf8'));

type Outcome = 'loaded' | 'rejected';

/** Parses, and checks the outcome is a topology or a well-placed `TopologyError`. */
function parseChecked(text: string, file: string): Outcome {
  try {
    const loaded = parseTopology(text, file);
    expect(loaded.file).toBe(file);
    expect(typeof loaded.topology.name).toBe('string');
    return 'loaded';
  } catch (error) {
    if (!(error instanceof TopologyError)) throw error;
    expect(error.code).toBe('BAD_TOPOLOGY');
    expect(error.issues.length).toBeGreaterThan(0);
    // CRLF, LF and a lone CR each end a line, as in editors.
    const lines = text.split(/\r\n|\r|\n/).length;
    for (const issue of error.issues) {
      expect(issue.file).toBe(file);
      expect(Number.isInteger(issue.line) && issue.line >= 1 && issue.line <= lines).toBe(true);
      expect(Number.isInteger(issue.column) && issue.column >= 1).toBe(true);
      for (const text of [issue.message, issue.expected, issue.found]) expect(text.length).toBeGreaterThan(0);
    }
    return 'rejected';
  }
}

type Path = readonly (string | number)[];

function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((item, index) => [index, item])
    : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...pathsOf(child, [...prefix, key])]);
}

function parentOf(root: unknown, path: Path): Record<string | number, unknown> {
  let node = root as Record<string | number, unknown>;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string | number, unknown>;
  return node;
}

function wrongType(value: unknown): unknown {
  if (typeof value === 'string') return 7;
  if (typeof value === 'number') return 'seven';
  if (typeof value === 'boolean') return 'yes';
  if (Array.isArray(value)) return { first: value[0] ?? null };
  if (value !== null && typeof value === 'object') return [value];
  return {};
}

type Mutation =
  | { readonly kind: 'delete' | 'wrongType' | 'duplicateKey'; readonly target: number }
  | { readonly kind: 'replace'; readonly target: number; readonly value: unknown };

/** Near misses as well as noise, so mutants reach the reference checks too. */
const replacement = fc.oneof(
  fc.constantFrom(
    'host',
    'secure',
    'vmm',
    'vdec',
    'dpu',
    'dram',
    'carveout',
    'system',
    'pkvm',
    'tzasc',
    'frame',
  ),
  fc.constantFrom(
    'protectedDynamic',
    'identity',
    'lendTreatedAsShare',
    'nobody',
    'Bad_Name',
    '',
    0,
    9,
    -1,
    2.5,
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('delete', 'wrongType', 'duplicateKey'), target: fc.nat() }),
  fc.record({ kind: fc.constant('replace'), target: fc.nat(), value: replacement }),
);

/** Applies the structural mutations; returns the line indices to duplicate in the text. */
function mutate(mutations: readonly Mutation[]): { value: unknown; duplicates: number[] } {
  const value: unknown = structuredClone(VALID);
  const duplicates: number[] = [];
  for (const change of mutations) {
    if (change.kind === 'duplicateKey') {
      duplicates.push(change.target);
      continue;
    }
    // Deletions anywhere; replacements mostly of scalars, so mutants keep their shape more often.
    const all = pathsOf(value);
    const scalars = all.filter((path) => {
      const leaf = parentOf(value, path)[path.at(-1)!];
      return leaf === null || typeof leaf !== 'object';
    });
    const paths = change.kind === 'delete' || scalars.length === 0 || change.target % 5 === 0 ? all : scalars;
    const path = paths[change.target % paths.length]!;
    const parent = parentOf(value, path);
    const key = path.at(-1)!;
    if (change.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
    } else {
      parent[key] = change.kind === 'replace' ? change.value : wrongType(parent[key]);
    }
  }
  return { value, duplicates };
}

/** Copies the `n`th `key: scalar` line of the text, so its mapping holds the key twice. */
function duplicateLine(text: string, n: number, format: 'yaml' | 'json'): string {
  const lines = text.split('\n');
  const scalarLine = format === 'yaml' ? /^\s*(- )?[\w-]+: [^{[]/ : /^\s*"[^"]+": [^{[]/;
  const candidates = lines.flatMap((line, index) => (scalarLine.test(line) ? [index] : []));
  if (candidates.length === 0) return text;
  const index = candidates[n % candidates.length]!;
  const line = lines[index]!;
  const copy = format === 'json' && !line.endsWith(',') ? `${line},` : line.replace(/^(\s*)- /, '$1  ');
  lines.splice(index, 0, copy);
  return lines.join('\n');
}

describe('parseTopology never fails except with a TopologyError', () => {
  it('on random strings', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.constantFrom('r.yaml', 'r.json'),
        (text, file) => {
          parseChecked(text, file);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('on random JSON values, written as JSON and as YAML', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        parseChecked(JSON.stringify(value, null, 2), 'v.json');
        parseChecked(stringifyYaml(value), 'v.yaml');
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('on mutated copies of a valid topology', () => {
    const outcomes: Record<Outcome, number> = { loaded: 0, rejected: 0 };
    fc.assert(
      fc.property(
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('yaml', 'json'),
        (mutations, format) => {
          const { value, duplicates } = mutate(mutations);
          let text = format === 'json' ? JSON.stringify(value, null, 2) : stringifyYaml(value);
          for (const n of duplicates) text = duplicateLine(text, n, format);
          outcomes[parseChecked(text, `mutant.${format}`)]++;
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
    // Both outcomes occur, so the mutants are neither all broken nor all harmless.
    expect(outcomes.loaded).toBeGreaterThan(0);
    expect(outcomes.rejected).toBeGreaterThan(outcomes.loaded);
  });
});
