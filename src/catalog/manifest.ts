/**
 * The catalog manifest: for every reference topology, the mode and bound it is checked under
 * and the expected status of every property. `npm start` and the catalog test compare each
 * run against it.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { PROPERTY_NAMES } from '../../properties/sdp/index.ts';
import { type FieldPath, formatFieldPath, TopologyError, type TopologyIssue } from '../topology/issues.ts';
import { lineCounterFor, locate, parseSource } from '../topology/source.ts';

const Status = z.enum(['holds', 'violated', 'vacuous']);

const Entry = z.strictObject({
  /** The expected verdict, when the statuses alone do not say it (an unbootable design has none). */
  verdict: z.enum(['pass', 'violation', 'vacuous', 'unbootable']).optional(),
  mode: z.enum(['random', 'exhaustive']),
  /**
   * Why the design is checked to a bound rather than to exhaustion; absent, its exhaustive check
   * must exhaust the space (or decide every property).
   */
  bound: z.string().min(1).optional(),
  maxDepth: z.number().int().min(1).max(64),
  maxStates: z.number().int().min(1).optional(),
  runs: z.number().int().min(1).optional(),
  expect: z.record(z.string(), Status),
  /** Exhaustive entries: the distinct states the check explores. */
  states: z.number().int().min(0).optional(),
  /** Exhaustive entries: the length of each violated property's shortest counterexample. */
  counterexamples: z.record(z.string(), z.number().int().min(0)).optional(),
});

const ManifestSchema = z.strictObject({
  topologies: z.record(z.string(), Entry),
});

export type ManifestEntry = z.output<typeof Entry>;
export type Manifest = z.output<typeof ManifestSchema>;
export type ExpectedStatus = z.output<typeof Status>;

/** Reads and checks a manifest; problems are reported with file, line and field like topologies. */
export async function loadManifest(file: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new TopologyError(
      file,
      [issue(file, 1, 1, [], 'unreadableFile', 'cannot read the manifest', 'a readable file', String(cause))],
      { cause },
    );
  }
  const lines = lineCounterFor(text);
  const parsed = parseSource(text, 'yaml');
  if (!parsed.ok) {
    throw new TopologyError(
      file,
      parsed.problems.map((p) => {
        const { line, col } = lines.linePos(p.offset);
        return issue(file, line, col, p.path, p.code, p.message, p.expected, p.found);
      }),
      { cause: parsed.cause },
    );
  }
  const at = (path: FieldPath) => lines.linePos(locate(parsed.root, path));
  const result = ManifestSchema.safeParse(parsed.value);
  if (!result.success) {
    throw new TopologyError(
      file,
      result.error.issues.map((i) => {
        const path = i.path as FieldPath;
        const { line, col } = at(path);
        return issue(file, line, col, path, 'invalidValue', i.message, i.message, 'a different value');
      }),
      { cause: result.error },
    );
  }
  const problems: TopologyIssue[] = [];
  for (const [name, entry] of Object.entries(result.data.topologies)) {
    for (const property of Object.keys(entry.expect)) {
      if (!PROPERTY_NAMES.includes(property)) {
        const path = ['topologies', name, 'expect', property];
        const { line, col } = at(path);
        problems.push(
          issue(
            file,
            line,
            col,
            path,
            'unknownReference',
            `unknown property "${property}"`,
            'a property name',
            property,
          ),
        );
      }
    }
  }
  if (problems.length > 0) throw new TopologyError(file, problems);
  return result.data;
}

function issue(
  file: string,
  line: number,
  column: number,
  path: FieldPath,
  code: TopologyIssue['code'],
  message: string,
  expected: string,
  found: string,
): TopologyIssue {
  return { code, file, line, column, path: formatFieldPath(path), expected, found, message };
}
