/**
 * Reading a topology file: YAML (`.yaml`, `.yml`) or JSON (`.json`), checked against the
 * schema and then for references between sections. Every problem found is reported at once,
 * each placed at its file, line and column, in a `TopologyError`.
 */
import { readFile } from 'node:fs/promises';
import {
  type FieldPath,
  formatFieldPath,
  TopologyError,
  type TopologyIssue,
  type TopologyIssueCode,
  type TopologyProblem,
} from './issues.ts';
import { type Topology, TopologySchema } from './schema.ts';
import { schemaProblems } from './schemaProblems.ts';
import { lineCounterFor, locate, parseSource, type SourceNode, sourceFormat } from './source.ts';
import { validateTopology } from './validate.ts';

export { TopologyError, type TopologyIssue, type TopologyIssueCode } from './issues.ts';

/** A topology that parsed and validated, with where it came from. */
export interface LoadedTopology {
  /** The file name as given. */
  readonly file: string;
  /** The schema's output: defaults filled in. */
  readonly topology: Topology;
  /** The file's text. */
  readonly source: string;
}

/** Reads and checks a topology file; throws `TopologyError` listing every problem. */
export async function loadTopologyFile(path: string): Promise<LoadedTopology> {
  if (sourceFormat(path) === undefined) throw unsupportedFileType(path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const reason =
      (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (cause as Error).message;
    const issue = fileIssue(path, 'unreadableFile', 'cannot read the file', 'a readable file', reason);
    throw new TopologyError(path, [issue], { cause });
  }
  return parseTopology(text, path);
}

/** Checks topology text; `fileName` chooses the format by its extension and names the source. */
export function parseTopology(text: string, fileName: string): LoadedTopology {
  const format = sourceFormat(fileName);
  if (format === undefined) throw unsupportedFileType(fileName);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = lineCounterFor(body);
  const at = (offset: number) => lines.linePos(offset);

  const parsed = parseSource(body, format);
  if (!parsed.ok) {
    const issues = parsed.problems.map((problem) => {
      const { line, col } = at(problem.offset);
      return toIssue(fileName, line, col, problem);
    });
    throw new TopologyError(fileName, sortIssues(issues), { cause: parsed.cause });
  }

  const place = (root: SourceNode, problems: readonly TopologyProblem[]): TopologyIssue[] =>
    sortIssues(
      problems.map((problem) => {
        const { line, col } = at(locate(root, problem.path, problem.at));
        return toIssue(fileName, line, col, problem);
      }),
    );

  const result = TopologySchema.safeParse(parsed.value);
  if (!result.success) {
    throw new TopologyError(fileName, place(parsed.root, schemaProblems(result.error.issues, parsed.value)), {
      cause: result.error,
    });
  }
  const problems = validateTopology(result.data);
  if (problems.length > 0) throw new TopologyError(fileName, place(parsed.root, problems));
  return { file: fileName, topology: result.data, source: text };
}

function toIssue(
  file: string,
  line: number,
  column: number,
  problem: { code: TopologyIssueCode; path: FieldPath; expected: string; found: string; message: string },
): TopologyIssue {
  return {
    code: problem.code,
    file,
    line,
    column,
    path: formatFieldPath(problem.path),
    expected: problem.expected,
    found: problem.found,
    message: problem.message,
  };
}

function sortIssues(issues: TopologyIssue[]): TopologyIssue[] {
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}

function fileIssue(
  file: string,
  code: TopologyIssueCode,
  message: string,
  expected: string,
  found: string,
): TopologyIssue {
  return { code, file, line: 1, column: 1, path: '', expected, found, message };
}

function unsupportedFileType(file: string): TopologyError {
  const extension = /\.[^./\\]*$/.exec(file)?.[0];
  return new TopologyError(file, [
    fileIssue(
      file,
      'unsupportedFileType',
      'not a topology file name',
      'a name ending in .yaml, .yml or .json',
      extension === undefined ? 'no extension' : `"${extension}"`,
    ),
  ]);
}
