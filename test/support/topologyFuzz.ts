/**
 * Generated and mutated topology documents, and the oracle every one of them must satisfy:
 * loading never throws anything but a `TopologyError` whose problems are all placed in the text,
 * and every document that loads checks (at small bounds) without an internal error.
 *
 * Documents start from the reference catalog and are mutated the ways a user's editing and an
 * attacker's input go wrong: keys deleted, duplicated, renamed and retyped; references left
 * dangling or pointed at each other; values swapped for other values the catalog uses at the
 * same key (which keeps many mutants valid, so they reach the checker); huge values; and text
 * attacks on the YAML itself (aliases that expand, deep nesting, several documents, odd line
 * endings and tags). Used by `test/fuzz/topologyFuzz.test.ts` (seeded, small) and by
 * `npm run fuzz` (`test/fuzz/run.ts`, long).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { check } from '../../src/check/check.ts';
import { parseTopology, TopologyError } from '../../src/topology/load.ts';

export const CATALOG_DIR = join(import.meta.dirname, '..', '..', 'topologies');

/** A topology document: its file name (the extension picks the format) and its text. */
export interface TopologyDocument {
  readonly file: string;
  readonly text: string;
}

type Json = unknown;
type Path = readonly (string | number)[];

/** The catalog's designs, parsed. */
export function catalogValues(): { name: string; value: Json }[] {
  return readdirSync(CATALOG_DIR)
    .filter((file) => file.endsWith('.yaml') && file !== 'manifest.yaml')
    .sort()
    .map((file) => ({ name: file, value: parseYaml(readFileSync(join(CATALOG_DIR, file), 'utf8')) }));
}

function pathsOf(value: Json, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, Json][] = Array.isArray(value)
    ? value.map((item, index) => [index, item])
    : Object.entries(value as Record<string, Json>);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...pathsOf(child, [...prefix, key])]);
}

/** Every value the catalog uses under each key, for swaps that often keep a document valid. */
function valuesByKey(values: readonly Json[]): Map<string, Json[]> {
  const byKey = new Map<string, Json[]>();
  const visit = (value: Json, key: string | undefined) => {
    if (key !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      const list = byKey.get(key) ?? [];
      if (!list.some((seen) => JSON.stringify(seen) === JSON.stringify(value))) list.push(value);
      byKey.set(key, list);
    }
    if (value !== null && typeof value === 'object') {
      for (const [childKey, child] of Object.entries(value as Record<string, Json>)) {
        visit(child, Array.isArray(value) ? key : childKey);
      }
    }
  };
  for (const value of values) visit(value, undefined);
  return byKey;
}

function get(root: Json, path: Path): Json {
  let node = root;
  for (const segment of path) node = (node as Record<string | number, Json>)[segment];
  return node;
}

function parentOf(root: Json, path: Path): Record<string | number, Json> {
  return get(root, path.slice(0, -1)) as Record<string | number, Json>;
}

function wrongType(value: Json): Json {
  if (typeof value === 'string') return 7;
  if (typeof value === 'number') return 'seven';
  if (typeof value === 'boolean') return 'yes';
  if (Array.isArray(value)) return { first: value[0] ?? null };
  if (value !== null && typeof value === 'object') return [value];
  return {};
}

/** One structural edit of a parsed document, chosen by indices into its paths. */
type Mutation =
  | {
      readonly kind: 'delete' | 'retype' | 'duplicateItem' | 'swapFromCatalog';
      readonly target: number;
      readonly pick: number;
    }
  | { readonly kind: 'rename'; readonly target: number; readonly name: string }
  | { readonly kind: 'replace'; readonly target: number; readonly value: Json }
  | { readonly kind: 'crossover'; readonly section: string; readonly donor: number };

const SECTIONS = [
  'hypervisor',
  'secureWorld',
  'vms',
  'memory',
  'heaps',
  'buffers',
  'devices',
  'virtio',
  'streams',
  'pipeline',
  'flaws',
  'ffaLends',
];

/** Near misses as well as noise: names the catalog uses, typos, dangling names, huge values. */
function replacementValue(huge: number): fc.Arbitrary<Json> {
  return fc.oneof(
    fc.constantFrom(
      'host',
      'secure',
      'vmm',
      'hyp',
      'dpu',
      'vdec',
      'dram',
      'carveout',
      'frame',
      'movie',
      'decrypt',
      'display',
      'nosuch',
      'Frame',
      '',
    ),
    fc.constantFrom(0, 1, 2, 4, 8, 9, 16, 17, -1, 0.5, 1e9, Number.MAX_SAFE_INTEGER),
    fc.constantFrom(true, false, null),
    fc.constantFrom([], {}, ['nosuch'], [{}], { name: 'x' }),
    fc.integer({ min: 1, max: huge }).map((length) => 'a'.repeat(length)),
    fc.string({ maxLength: 12 }),
  );
}

function mutationArbitrary(huge: number, donors: number): fc.Arbitrary<Mutation> {
  const target = fc.nat(100_000);
  const pick = fc.nat(1_000);
  return fc.oneof(
    fc.record({ kind: fc.constantFrom('delete', 'retype', 'duplicateItem'), target, pick }),
    // Swaps from the catalog's own values are the most common edit: they keep documents valid.
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('swapFromCatalog'), target, pick }) },
    fc.record({
      kind: fc.constant('rename'),
      target,
      name: fc.constantFrom('nmae', 'Name', 'owner', 'heap', 'region', 'extra', '$schema', 'by', ''),
    }),
    fc.record({ kind: fc.constant('replace'), target, value: replacementValue(huge) }),
    fc.record({
      kind: fc.constant('crossover'),
      section: fc.constantFrom(...SECTIONS),
      donor: fc.nat(donors - 1),
    }),
  ) as fc.Arbitrary<Mutation>;
}

function mutate(root: Json, mutation: Mutation, byKey: Map<string, Json[]>, donors: readonly Json[]): void {
  if (mutation.kind === 'crossover') {
    const donor = donors[mutation.donor] as Record<string, Json>;
    if (
      root !== null &&
      typeof root === 'object' &&
      !Array.isArray(root) &&
      donor[mutation.section] !== undefined
    ) {
      (root as Record<string, Json>)[mutation.section] = structuredClone(donor[mutation.section]);
    }
    return;
  }
  const paths = pathsOf(root);
  if (paths.length === 0) return;
  const path = paths[mutation.target % paths.length]!;
  const parent = parentOf(root, path);
  const key = path.at(-1)!;
  switch (mutation.kind) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
      return;
    case 'retype':
      parent[key] = wrongType(parent[key]);
      return;
    case 'duplicateItem':
      if (Array.isArray(parent)) parent.splice(Number(key), 0, structuredClone(parent[key]));
      return;
    case 'swapFromCatalog': {
      const name =
        typeof key === 'string' ? key : String(path.findLast((segment) => typeof segment === 'string'));
      const choices = byKey.get(name);
      if (choices && choices.length > 0)
        parent[key] = structuredClone(choices[mutation.pick % choices.length]);
      return;
    }
    case 'rename':
      if (!Array.isArray(parent) && typeof key === 'string') {
        const value = parent[key];
        delete parent[key];
        parent[mutation.name] = value;
      }
      return;
    case 'replace':
      parent[key] = structuredClone(mutation.value);
      return;
  }
}

/** Attacks on the text itself, applied after serialising. */
type TextAttack =
  | 'none'
  | 'aliasBomb'
  | 'recursiveAlias'
  | 'deepFlow'
  | 'deepBlock'
  | 'secondDocument'
  | 'brokenSecondDocument'
  | 'crOnly'
  | 'crlf'
  | 'bom'
  | 'tabs'
  | 'tag'
  | 'duplicateKey'
  | 'nul'
  | 'truncate'
  | 'mergeKey'
  | 'complexKey';

function attack(text: string, kind: TextAttack, at: number, depth: number): string {
  switch (kind) {
    case 'none':
      return text;
    case 'aliasBomb': {
      const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
      for (let i = 1; i < 9; i++) {
        levels.push(
          `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
            .fill(`*${String.fromCharCode(96 + i)}`)
            .join(',')}]`,
        );
      }
      return `${levels.join('\n')}\n${text}`;
    }
    case 'recursiveAlias':
      return `${text}\nloop: &loop [*loop]\n`;
    case 'deepFlow':
      return `${text}\nnested: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
    case 'deepBlock': {
      const lines: string[] = [];
      for (let i = 0; i < Math.min(depth, 2_000); i++) lines.push(`${' '.repeat(i)}k${i}:`);
      return `${text}\n${lines.join('\n')} x\n`;
    }
    case 'secondDocument':
      return `${text}\n---\n${text}`;
    case 'brokenSecondDocument':
      return `${text}\n---\nname: [unclosed\n`;
    case 'crOnly':
      return text.replace(/\r?\n/g, '\r');
    case 'crlf':
      return text.replace(/\r?\n/g, '\r\n');
    case 'bom':
      return `\ufeff${text}`;
    case 'tabs':
      return text.replace(/^ {2}/gm, '\t');
    case 'tag':
      return text.replace(/^name: /m, 'name: !!binary ');
    case 'duplicateKey':
      return text.replace(/^(name: .*)$/m, '$1\n$1');
    case 'nul': {
      const position = at % (text.length + 1);
      return `${text.slice(0, position)}\u0000${text.slice(position)}`;
    }
    case 'truncate':
      return text.slice(0, at % (text.length + 1));
    case 'mergeKey':
      return `defaults: &defaults { pages: 1 }\n${text.replace(/^ {4}pages: \d+$/m, '    <<: *defaults')}`;
    case 'complexKey':
      return `${text}\n? [a, b]\n: c\n`;
  }
}

export interface FuzzOptions {
  /** Longest huge string a mutation writes (the long run goes to megabytes). */
  readonly hugeLength: number;
  /** Nesting depth of the deep-nesting attacks. */
  readonly depth: number;
}

/** Documents: a catalog design, up to four structural edits, a format, and one text attack. */
export function topologyDocuments(options: FuzzOptions): fc.Arbitrary<TopologyDocument> {
  const catalog = catalogValues();
  const values = catalog.map((entry) => entry.value);
  const byKey = valuesByKey(values);
  const attacks: TextAttack[] = [
    'aliasBomb',
    'recursiveAlias',
    'deepFlow',
    'deepBlock',
    'secondDocument',
    'brokenSecondDocument',
    'crOnly',
    'crlf',
    'bom',
    'tabs',
    'tag',
    'duplicateKey',
    'nul',
    'truncate',
    'mergeKey',
    'complexKey',
  ];
  return fc
    .record({
      base: fc.nat(catalog.length - 1),
      mutations: fc.array(mutationArbitrary(options.hugeLength, catalog.length), { maxLength: 4 }),
      format: fc.constantFrom('yaml', 'yaml', 'yaml', 'json'),
      attack: fc.oneof(
        { weight: 6, arbitrary: fc.constant<TextAttack>('none') },
        fc.constantFrom(...attacks),
      ),
      at: fc.nat(100_000),
    })
    .map(({ base, mutations, format, attack: kind, at }) => {
      const value = structuredClone(values[base]);
      for (const mutation of mutations) mutate(value, mutation, byKey, values);
      const text = format === 'json' ? JSON.stringify(value, null, 2) : stringifyYaml(value);
      const attacked =
        format === 'json' && kind !== 'none' && kind !== 'truncate' && kind !== 'nul' && kind !== 'bom'
          ? text
          : attack(text, kind, at, options.depth);
      return { file: `${catalog[base]!.name.replace(/\.yaml$/, '')}-mutant.${format}`, text: attacked };
    });
}

/** What became of one document. */
export type FuzzOutcome =
  | { readonly kind: 'rejected'; readonly issues: number }
  /** Checked: the verdict, and for an unbootable design the refused boot call and its code. */
  | { readonly kind: 'checked'; readonly verdict: string; readonly refused?: string }
  /** A problem reported without a place in the text, or a message that quotes too much. */
  | { readonly kind: 'unlocated'; readonly detail: string }
  /** Anything thrown that is not a `TopologyError`: a bug. */
  | { readonly kind: 'internalError'; readonly phase: 'load' | 'check'; readonly error: unknown };

/** Longest message a problem may have: values and paths are quoted only by a bounded prefix. */
export const MAX_ISSUE_TEXT = 1_000;

/** Loads a document and, if it is valid, checks it with small bounds. Never throws. */
export function fuzzOne(document: TopologyDocument): FuzzOutcome {
  let loaded: ReturnType<typeof parseTopology>;
  try {
    loaded = parseTopology(document.text, document.file);
  } catch (error) {
    if (!(error instanceof TopologyError)) return { kind: 'internalError', phase: 'load', error };
    const lines = document.text.split(/\r\n|\r|\n/).length;
    for (const issue of error.issues) {
      const placed =
        issue.file === document.file &&
        Number.isInteger(issue.line) &&
        issue.line >= 1 &&
        issue.line <= lines &&
        Number.isInteger(issue.column) &&
        issue.column >= 1;
      const length = issue.message.length + issue.expected.length + issue.found.length + issue.path.length;
      if (!placed || length > MAX_ISSUE_TEXT || issue.message.length === 0) {
        return {
          kind: 'unlocated',
          detail: `${issue.line}:${issue.column} ${issue.path} ${issue.message.slice(0, 200)} (${length} characters)`,
        };
      }
    }
    return { kind: 'rejected', issues: error.issues.length };
  }
  try {
    const report = check(loaded, {
      mode: 'exhaustive',
      runs: 1,
      maxDepth: 3,
      maxStates: 300,
      seed: 0,
      properties: [],
    });
    const refused = report.unbootable ? `${report.unbootable.call} ${report.unbootable.code}` : undefined;
    return { kind: 'checked', verdict: report.verdict, ...(refused ? { refused } : {}) };
  } catch (error) {
    return { kind: 'internalError', phase: 'check', error };
  }
}
