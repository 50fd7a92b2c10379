/**
 * Reading a report back: the JSON `protmem check --json` wrote, for `protmem merge`. The text
 * is parsed with the topology loader's JSON parser (so a syntax error points at its line and
 * column) and checked against the parts of a report a merge reads; every problem is reported at
 * once, placed on its field, as a `TopologyError` (exit 2 in the CLI, never a stack trace).
 */
import { open } from 'node:fs/promises';
import { z } from 'zod';
import {
  describeValue,
  type FieldPath,
  formatFieldPath,
  TopologyError,
  type TopologyIssue,
} from '../topology/issues.ts';
import { lineCounterFor, locate, parseSource } from '../topology/source.ts';
import { type CheckReport, SCHEMA_VERSION } from './report.ts';

/** A shard report larger than this is not a report protmem wrote. */
export const MAX_REPORT_FILE_BYTES = 16 * 1024 * 1024;

const count = z.number().int().min(0);
const Step = z.object({ index: count, event: z.string(), actor: z.string(), description: z.string() });
const Violation = z.object({
  subject: z.string(),
  parties: z.array(z.string()).optional(),
  expected: z.string(),
  actual: z.string(),
});
const Search = z.object({
  kind: z.enum(['exhaustive', 'random', 'pipeline', 'replay']),
  bound: z.object({ maxDepth: count, maxStates: count.optional(), runs: count.optional() }),
  distinctStates: count,
  depth: count,
  ended: z.enum(['exhausted', 'decided', 'depthBound', 'stateBound', 'runs', 'replayed', 'notBooted']),
});

/** The fields of a check report a merge reads; other fields are kept as they are. */
const ReportSchema = z.looseObject({
  /** Reports of another JSON shape than this protmem writes are refused, not misread. */
  schemaVersion: z.literal(SCHEMA_VERSION).optional(),
  topology: z.string(),
  file: z.string(),
  digest: z.string(),
  mode: z.enum(['random', 'exhaustive', 'replay']),
  seed: count,
  bound: z.object({ maxDepth: count, maxStates: count.optional(), runs: count.optional() }),
  shard: z.object({ index: count, count: count, runs: count, seed: count }).optional(),
  verdict: z.enum(['pass', 'violation', 'vacuous', 'unbootable', 'notReproduced']),
  properties: z.array(
    z.looseObject({
      name: z.string(),
      summary: z.string(),
      kind: z.enum(['wellFormed', 'safety', 'reachability']),
      status: z.enum(['holds', 'violated', 'vacuous', 'notReproduced']),
      counterexample: z
        .looseObject({
          steps: z.array(Step),
          violations: z.array(Violation),
          replay: z.string(),
          shrinks: count.optional(),
        })
        .optional(),
      witness: z.object({ steps: z.array(Step) }).optional(),
      reason: z.string().optional(),
    }),
  ),
  statistics: z.looseObject({
    steps: count,
    distinctStates: count,
    depth: count,
    boundReached: z.boolean(),
    ended: Search.shape.ended,
    searches: z.array(Search),
    durationMs: z.number().min(0).optional(),
  }),
  assumptions: z.array(z.string()),
});

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
};

type Problem = Pick<TopologyIssue, 'code' | 'expected' | 'found' | 'message'>;

function issue(file: string, text: string, offset: number, path: FieldPath, problem: Problem): TopologyIssue {
  const { line, col } = lineCounterFor(text).linePos(offset);
  return { ...problem, file, line, column: col, path: formatFieldPath(path) };
}

/** A zod issue in a report's words: what kind of problem, what belongs there, what is there. */
function problemOf(zodIssue: z.core.$ZodIssue, value: unknown): Problem {
  const found = value === undefined ? 'nothing' : describeValue(value);
  const field = String(zodIssue.path.at(-1) ?? '');
  const missing = (expected: string): Problem => ({
    code: 'missingField',
    expected,
    found,
    message: `missing required field "${field}"`,
  });
  if (zodIssue.code === 'invalid_type') {
    const expected = TYPE_WORDS[zodIssue.expected] ?? zodIssue.expected;
    return value === undefined
      ? missing(expected)
      : { code: 'invalidType', expected, found, message: 'wrong type' };
  }
  if (zodIssue.code === 'invalid_value') {
    const expected = `one of ${zodIssue.values.map(String).join(', ')}`;
    return value === undefined
      ? missing(expected)
      : { code: 'invalidValue', expected, found, message: 'not an allowed value' };
  }
  return {
    code: 'invalidValue',
    expected: 'what protmem check --json writes',
    found,
    message: zodIssue.message,
  };
}

/** The report in `text` (named `file`); throws a `TopologyError` with every problem. */
export function parseReport(text: string, file: string): CheckReport {
  const parsed = parseSource(text, 'json');
  if (!parsed.ok) {
    const lines = lineCounterFor(text);
    throw new TopologyError(
      file,
      parsed.problems.map((problem) => {
        const { line, col } = lines.linePos(problem.offset);
        return {
          code: problem.code,
          file,
          line,
          column: col,
          path: formatFieldPath(problem.path),
          expected: problem.expected,
          found: problem.found,
          message: problem.message,
        };
      }),
    );
  }
  const value = parsed.value;
  if (value === null || typeof value !== 'object' || !('verdict' in value) || !('properties' in value)) {
    throw new TopologyError(file, [
      issue(file, text, 0, [], {
        code: 'invalidType',
        expected: 'a report written by protmem check --json',
        found: describeValue(value),
        message: 'not a check report',
      }),
    ]);
  }
  const result = ReportSchema.safeParse(value);
  if (!result.success) {
    throw new TopologyError(
      file,
      result.error.issues.map((zodIssue) => {
        const path = zodIssue.path.map((segment) =>
          typeof segment === 'symbol' ? String(segment) : segment,
        );
        let at: unknown = value;
        for (const segment of path) at = (at as Record<string | number, unknown> | undefined)?.[segment];
        return issue(file, text, locate(parsed.root, path), path, problemOf(zodIssue, at));
      }),
    );
  }
  // Every field the report type declares is either checked above or kept from the file as written.
  return result.data as CheckReport;
}

/** Reads and parses one report file; an unreadable or oversized file is a `TopologyError` too. */
export async function loadReportFile(file: string): Promise<CheckReport> {
  let text: string;
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (size > MAX_REPORT_FILE_BYTES) {
        throw new TopologyError(file, [
          {
            code: 'fileTooLarge',
            file,
            line: 1,
            column: 1,
            path: '',
            expected: `a report of at most ${MAX_REPORT_FILE_BYTES} bytes`,
            found: `${size} bytes`,
            message: 'the file is too large to be a check report',
          },
        ]);
      }
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof TopologyError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new TopologyError(file, [
      {
        code: 'unreadableFile',
        file,
        line: 1,
        column: 1,
        path: '',
        expected: 'a readable report file',
        found: reason,
        message: 'cannot read the file',
      },
    ]);
  }
  return parseReport(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, file);
}
