/**
 * Problems found in a topology file, as data first: each carries a stable code, where it is
 * (file, line, column, field path), what was expected and what was found. `TopologyError`
 * carries all of them at once; `formatTopologyIssue` is the one-line prose form.
 */

export type TopologyIssueCode =
  /** The file cannot be read. */
  | 'unreadableFile'
  /** The file name ends in neither `.yaml`, `.yml` nor `.json`. */
  | 'unsupportedFileType'
  /** YAML or JSON syntax. */
  | 'syntaxError'
  /** A key appears twice in one mapping. */
  | 'duplicateKey'
  /** A value of the wrong type (a string where a list belongs). */
  | 'invalidType'
  /** A required field is absent. */
  | 'missingField'
  /** A key the format does not have. */
  | 'unknownKey'
  /** A value outside a fixed set of choices. */
  | 'invalidValue'
  /** A string of the wrong form (a name with capitals). */
  | 'invalidFormat'
  /** A number outside its bounds. */
  | 'outOfRange'
  /** An empty list or string where at least one entry is needed. */
  | 'tooFew'
  /** Two entries of a section (or two parties) share a name. */
  | 'duplicateName'
  /** A name that refers to nothing declared. */
  | 'unknownReference'
  /** A device referred to in a role it does not have. */
  | 'wrongRole'
  /** A setting that needs another part of the design (pKVM, an SPMC, a TEE). */
  | 'requiresFeature'
  /** Two settings that cannot go together. */
  | 'incompatible'
  /** A buffer in a region its allocating party does not own. */
  | 'notOwned'
  /** More pages than a region, or the model, holds. */
  | 'capacityExceeded';

/** One problem, placed in its source. Lines and columns are 1-based. */
export interface TopologyIssue {
  readonly code: TopologyIssueCode;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The field's path, `devices[1].controlledBy`; empty for the document as a whole. */
  readonly path: string;
  readonly expected: string;
  readonly found: string;
  /** What is wrong, in a few words, without repeating expected and found. */
  readonly message: string;
}

/** A path into a topology: keys of mappings and indices of lists. */
export type FieldPath = readonly (string | number)[];

/** A problem known by its field path, before it is placed in the source. */
export interface TopologyProblem {
  readonly code: TopologyIssueCode;
  readonly path: FieldPath;
  /** Point at the key itself (an unknown or duplicate key) rather than its value. */
  readonly at?: 'key' | 'value';
  readonly expected: string;
  readonly found: string;
  readonly message: string;
}

/** A topology that cannot be used; `issues` lists every problem found, in source order. */
export class TopologyError extends Error {
  readonly code = 'BAD_TOPOLOGY';
  readonly file: string;
  readonly issues: readonly TopologyIssue[];

  constructor(file: string, issues: readonly TopologyIssue[], options?: { cause?: unknown }) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(`${file}: ${count}\n${issues.map(formatTopologyIssue).join('\n')}`, options);
    this.name = 'TopologyError';
    this.file = file;
    this.issues = issues;
  }
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['devices', 1, 'controlledBy']` → `devices[1].controlledBy`. */
export function formatFieldPath(path: FieldPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** `file:line:column  path  message (expected X, found Y)`. */
export function formatTopologyIssue(issue: TopologyIssue): string {
  const path = issue.path === '' ? '(document)' : issue.path;
  return `${issue.file}:${issue.line}:${issue.column}  ${path}  ${issue.message} (expected ${issue.expected}, found ${issue.found})`;
}

/** A value as an issue's `found`: strings quoted, lists and mappings by kind. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') {
    const quoted = JSON.stringify(value);
    return quoted.length > 42 ? `${quoted.slice(0, 39)}..."` : quoted;
  }
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/** `a, b and c`; long lists end with `...`. */
export function listWords(items: readonly string[], conjunction = 'and', limit = 10): string {
  if (items.length > limit) return `${items.slice(0, limit).join(', ')}, ...`;
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items.at(-1)}`;
}
