/**
 * Reading a topology file: YAML (`.yaml`, `.yml`) or JSON (`.json`), checked against the
 * schema and for references between sections. Every problem found is reported at once, each
 * placed at its file, line and column, in a `TopologyError`.
 */
import { constants, type Stats } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import {
  clip,
  type FieldPath,
  formatFieldPath,
  quote,
  TopologyError,
  type TopologyIssue,
  type TopologyIssueCode,
  type TopologyProblem,
} from './issues.ts';
import { type Topology, TopologySchema } from './schema.ts';
import { schemaProblems } from './schemaProblems.ts';
import { lineCounterFor, locate, parseSource, type SourceNode, sourceFormat } from './source.ts';
import { validateSections, validateTopology } from './validate.ts';

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

/** A topology file larger than this is refused unread; real ones are a few kilobytes. */
export const MAX_TOPOLOGY_FILE_BYTES = 1024 * 1024;

/** Reads and checks a topology file; throws `TopologyError` listing every problem. */
export async function loadTopologyFile(path: string): Promise<LoadedTopology> {
  if (sourceFormat(path) === undefined) throw unsupportedFileType(path);
  return parseTopology(await readTopologyText(path), path);
}

const FILE_KINDS: readonly [string, (stats: Stats) => boolean][] = [
  ['a directory', (stats) => stats.isDirectory()],
  ['a FIFO', (stats) => stats.isFIFO()],
  ['a character device', (stats) => stats.isCharacterDevice()],
  ['a block device', (stats) => stats.isBlockDevice()],
  ['a socket', (stats) => stats.isSocket()],
];

/** Why a file cannot be read as topology text (not a regular file, or too large), if it cannot. */
function refusal(path: string, stats: Stats): TopologyIssue | undefined {
  if (!stats.isFile()) {
    const kind = FILE_KINDS.find(([, is]) => is(stats))?.[0] ?? 'an unknown kind of file';
    return fileIssue(
      path,
      'unreadableFile',
      'cannot read the file',
      'a regular file',
      `not a regular file (${kind})`,
    );
  }
  if (stats.size > MAX_TOPOLOGY_FILE_BYTES) return tooLarge(path, stats.size);
  return undefined;
}

function tooLarge(path: string, size: number | string): TopologyIssue {
  return fileIssue(
    path,
    'fileTooLarge',
    'the file is too large for a topology',
    `a file of at most ${MAX_TOPOLOGY_FILE_BYTES} bytes`,
    typeof size === 'number' ? `${size} bytes` : size,
  );
}

/**
 * The file's text, read only when it is a regular file of at most `MAX_TOPOLOGY_FILE_BYTES`: it
 * is looked at before it is opened (opening a FIFO for reading waits for a writer), opened
 * without waiting, looked at again through the handle (it may have been replaced), and read no
 * further than the limit (it may have grown).
 */
async function readTopologyText(path: string): Promise<string> {
  const unreadable = (cause: unknown): TopologyError => {
    const error = cause as NodeJS.ErrnoException;
    const reason = error.code === 'ENOENT' ? 'no such file' : clip(error.message ?? String(cause), 120);
    const issue = fileIssue(path, 'unreadableFile', 'cannot read the file', 'a readable file', reason);
    return new TopologyError(path, [issue], { cause });
  };
  let handle: FileHandle;
  try {
    const before = refusal(path, await stat(path));
    if (before !== undefined) throw new TopologyError(path, [before]);
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (cause) {
    throw cause instanceof TopologyError ? cause : unreadable(cause);
  }
  try {
    const stats = await handle.stat();
    const opened = refusal(path, stats);
    if (opened !== undefined) throw new TopologyError(path, [opened]);
    let buffer = Buffer.alloc(stats.size + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > MAX_TOPOLOGY_FILE_BYTES) {
          throw new TopologyError(path, [tooLarge(path, `more than ${MAX_TOPOLOGY_FILE_BYTES} bytes`)]);
        }
        const grown = Buffer.alloc(Math.min(2 * length, MAX_TOPOLOGY_FILE_BYTES + 1));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buffer.toString('utf8', 0, length);
  } catch (cause) {
    throw cause instanceof TopologyError ? cause : unreadable(cause);
  } finally {
    await handle.close();
  }
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
    // The reference checks run as well, on the sections whose shape is right.
    const problems = [
      ...schemaProblems(result.error.issues, parsed.value),
      ...validateSections(parsed.value),
    ];
    throw new TopologyError(fileName, place(parsed.root, problems), { cause: result.error });
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
      extension === undefined ? 'no extension' : quote(extension),
    ),
  ]);
}
