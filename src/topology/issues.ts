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
  /** The file is larger than a topology can be (`MAX_TOPOLOGY_FILE_BYTES`); it is not read. */
  | 'fileTooLarge'
  /** YAML or JSON syntax. */
  | 'syntaxError'
  /** A YAML file holding more than one document (`---` and another document after the first). */
  | 'multipleDocuments'
  /** Lists and mappings nested deeper than any topology needs (`MAX_NESTING_DEPTH`). */
  | 'nestingTooDeep'
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
  /** A stream trusting a party that cannot be trusted (the host, the VMM, a VM, a device). */
  | 'untrustableParty'
  /** A stream trusting a secure app it leaves outside its audience. */
  | 'trustedOutsideAudience'
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

/** At most this many characters of a value from the file are quoted in a problem. */
export const MAX_QUOTED_LENGTH = 40;

/** A field path longer than this is shortened in the middle. */
export const MAX_PATH_LENGTH = 120;

/** At most this many characters of listed words, before `...`. */
const MAX_LIST_LENGTH = 300;

/** The first `limit` characters of `text` (never half of a surrogate pair), and whether it was cut. */
function head(text: string, limit: number): { text: string; cut: boolean } {
  if (text.length <= limit) return { text, cut: false };
  const end = /[\uD800-\uDBFF]/.test(text.charAt(limit - 1)) ? limit - 1 : limit;
  return { text: text.slice(0, end), cut: true };
}

/** `text` as it is, or its first `limit` characters and `...`. */
export function clip(text: string, limit = MAX_QUOTED_LENGTH): string {
  const start = head(text, limit);
  return start.cut ? `${start.text}...` : start.text;
}

/** `text` as a JSON string; of long text, its first `limit` characters and `...` inside the quotes. */
export function quote(text: string, limit = MAX_QUOTED_LENGTH): string {
  const start = head(text, limit);
  const quoted = JSON.stringify(start.text);
  return start.cut ? `${quoted.slice(0, -1)}..."` : quoted;
}

/**
 * `['devices', 1, 'controlledBy']` → `devices[1].controlledBy`. Keys longer than
 * `MAX_QUOTED_LENGTH` are quoted by their start, and a path longer than `MAX_PATH_LENGTH` keeps
 * its first and last segments around `[...]`.
 */
export function formatFieldPath(path: FieldPath): string {
  const parts = path.map((segment, index) => {
    if (typeof segment === 'number') return `[${segment}]`;
    if (segment.length <= MAX_QUOTED_LENGTH && IDENTIFIER.test(segment))
      return index === 0 ? segment : `.${segment}`;
    return `[${quote(segment)}]`;
  });
  const text = parts.join('');
  if (text.length <= MAX_PATH_LENGTH) return text;
  const ELISION = '[...]';
  const first = parts[0]!;
  let tail = '';
  for (let index = parts.length - 1; index > 0; index--) {
    const part = parts[index]!;
    if (first.length + ELISION.length + part.length + tail.length > MAX_PATH_LENGTH) break;
    tail = part + tail;
  }
  return first + ELISION + tail;
}

/** `file:line:column  path  message (expected X, found Y)`. */
export function formatTopologyIssue(issue: TopologyIssue): string {
  const path = issue.path === '' ? '(document)' : issue.path;
  return `${issue.file}:${issue.line}:${issue.column}  ${path}  ${issue.message} (expected ${issue.expected}, found ${issue.found})`;
}

/** A value as an issue's `found`: strings quoted (by their start if long), lists and mappings by kind. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/**
 * `a, b and c`; long words are shortened, and a list of more than `limit` words, or one that
 * grows long, ends with `...`.
 */
export function listWords(items: readonly string[], conjunction = 'and', limit = 10): string {
  const words: string[] = [];
  let length = 0;
  for (const item of items.slice(0, limit + 1)) {
    const word = clip(item);
    length += word.length + 2;
    if (words.length === limit || length > MAX_LIST_LENGTH) return `${words.join(', ')}, ...`;
    words.push(word);
  }
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} ${conjunction} ${words.at(-1)}`;
}
