/**
 * zod's issues for a topology, restated as `TopologyProblem`s: one per problem (an unknown-key
 * issue becomes one problem per key, pointing at the key), with what was expected in the
 * format's words, what the file holds, and a "did you mean" for near-miss keys and values.
 */
import type { z } from 'zod';
import { clip, describeValue, type FieldPath, listWords, quote, type TopologyProblem } from './issues.ts';
import { TopologySchema } from './schema.ts';
import { didYouMean } from './suggest.ts';

type Issue = z.core.$ZodIssue;

/** zod's own messages are kept to this many characters (they may quote the value). */
const MAX_ZOD_MESSAGE = 120;

interface SchemaDef {
  readonly type: string;
  readonly shape?: Readonly<Record<string, z.ZodType>>;
  readonly element?: z.ZodType;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly discriminator?: string;
}

const defOf = (schema: z.ZodType): SchemaDef => schema._zod.def as SchemaDef;
const WRAPPERS = new Set(['default', 'optional', 'nullable', 'readonly', 'prefault', 'catch', 'nonoptional']);

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (WRAPPERS.has(def.type) && def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
}

/** The (unwrapped) schema of the field at `path`, choosing union members by their discriminator. */
function schemaAt(path: FieldPath, data: unknown): z.ZodType | undefined {
  let schema: z.ZodType | undefined = unwrap(TopologySchema);
  let value = data;
  for (const segment of [...path, undefined]) {
    if (schema === undefined) return undefined;
    const def = defOf(schema);
    if (def.type === 'union' && def.discriminator && def.options) {
      const tag = (value as Record<string, unknown> | null)?.[def.discriminator];
      schema = def.options.map(unwrap).find((option) => {
        const literal = defOf(option).shape?.[def.discriminator!];
        return literal?.safeParse(tag).success === true;
      });
      if (schema === undefined) return undefined;
    }
    if (segment === undefined) return schema;
    const current = defOf(schema);
    if (current.type === 'object' && typeof segment === 'string') schema = current.shape?.[segment];
    else if (current.type === 'array' && typeof segment === 'number') schema = current.element;
    else return undefined;
    schema = schema === undefined ? undefined : unwrap(schema);
    value = (value as Record<string | number, unknown> | null)?.[segment];
  }
  return schema;
}

/** The keys a mapping at `path` may have. */
function allowedKeys(path: FieldPath, data: unknown): readonly string[] {
  const schema = schemaAt(path, data);
  const shape = schema === undefined ? undefined : defOf(schema).shape;
  return shape === undefined ? [] : Object.keys(shape);
}

function lookup(data: unknown, path: FieldPath): { exists: boolean; value: unknown } {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) {
      return { exists: false, value: undefined };
    }
    value = (value as Record<string | number, unknown>)[segment];
  }
  return { exists: value !== undefined, value };
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  boolean: 'true or false',
  number: 'a number',
  int: 'an integer',
  object: 'a mapping',
  array: 'a list',
};

function oneOf(values: readonly unknown[]): string {
  return values.length === 1 ? String(values[0]) : `one of ${listWords(values.map(String), 'or')}`;
}

function toPath(path: readonly PropertyKey[]): FieldPath {
  return path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment));
}

function missing(path: FieldPath, expected: string): TopologyProblem {
  return {
    code: 'missingField',
    path,
    expected,
    found: 'nothing',
    message: `missing required field "${path.at(-1)}"`,
  };
}

function choice(path: FieldPath, values: readonly unknown[], value: unknown): TopologyProblem {
  const hint = typeof value === 'string' ? didYouMean(value, values.map(String)) : '';
  return {
    code: 'invalidValue',
    path,
    expected: oneOf(values),
    found: describeValue(value),
    message: `not an allowed value${hint}`,
  };
}

function bound(issue: Extract<Issue, { code: 'too_big' | 'too_small' }>, path: FieldPath, value: unknown) {
  const limit = Number(issue.code === 'too_big' ? issue.maximum : issue.minimum);
  const strict = issue.inclusive === false;
  if (issue.origin === 'array' || issue.origin === 'string') {
    const isList = issue.origin === 'array';
    const plural = (n: number) =>
      isList ? (n === 1 ? 'entry' : 'entries') : n === 1 ? 'character' : 'characters';
    const size = Array.isArray(value) || typeof value === 'string' ? value.length : 0;
    const few = issue.code === 'too_small';
    return {
      code: few ? 'tooFew' : 'outOfRange',
      path,
      expected: `${few ? 'at least' : 'at most'} ${limit} ${plural(limit)}`,
      found: size === 0 ? (isList ? 'an empty list' : 'an empty string') : `${size} ${plural(size)}`,
      message: few ? (size === 0 ? 'must not be empty' : 'too short') : 'too long',
    } satisfies TopologyProblem;
  }
  const relation =
    issue.code === 'too_big' ? (strict ? 'less than' : 'at most') : strict ? 'more than' : 'at least';
  return {
    code: 'outOfRange',
    path,
    expected: `${relation} ${limit}`,
    found: describeValue(value),
    message: issue.code === 'too_big' ? 'too large' : 'too small',
  } satisfies TopologyProblem;
}

/** Problems for each of zod's issues on `data` (the parsed file). */
export function schemaProblems(issues: readonly Issue[], data: unknown): TopologyProblem[] {
  return issues.flatMap((issue): TopologyProblem[] => {
    const path = toPath(issue.path);
    const { exists, value } = lookup(data, path);
    switch (issue.code) {
      case 'invalid_type': {
        const expected = TYPE_WORDS[issue.expected] ?? `a value of type ${issue.expected}`;
        if (!exists && path.length > 0) return [missing(path, expected)];
        if (path.length === 0 && (value === null || value === undefined)) {
          return [
            { code: 'invalidType', path, expected, found: 'an empty document', message: 'no topology' },
          ];
        }
        return [{ code: 'invalidType', path, expected, found: describeValue(value), message: 'wrong type' }];
      }
      case 'invalid_value':
        return [exists ? choice(path, issue.values, value) : missing(path, oneOf(issue.values))];
      case 'invalid_union': {
        const options = (issue as { options?: readonly unknown[] }).options;
        if (options !== undefined)
          return [exists ? choice(path, options, value) : missing(path, oneOf(options))];
        return [
          {
            code: 'invalidValue',
            path,
            expected: 'one of the allowed forms',
            found: describeValue(value),
            message: clip(issue.message, MAX_ZOD_MESSAGE),
          },
        ];
      }
      case 'unrecognized_keys': {
        const allowed = allowedKeys(path, data);
        return issue.keys.map((key) => ({
          code: 'unknownKey',
          path: [...path, key],
          at: 'key',
          expected: allowed.length > 0 ? `one of the keys ${listWords(allowed, 'or', 20)}` : 'no other keys',
          found: quote(key),
          message: `unknown key${didYouMean(key, allowed)}`,
        }));
      }
      case 'invalid_format':
        return [
          {
            code: 'invalidFormat',
            path,
            expected: issue.format === 'regex' ? clip(issue.message, MAX_ZOD_MESSAGE) : `a ${issue.format}`,
            found: describeValue(value),
            message: issue.format === 'regex' ? 'not a valid name' : `not a valid ${issue.format}`,
          },
        ];
      case 'too_big':
      case 'too_small':
        return [bound(issue, path, value)];
      default:
        return [
          {
            code: 'invalidValue',
            path,
            expected: 'a valid value',
            found: describeValue(value),
            message: clip(issue.message, MAX_ZOD_MESSAGE),
          },
        ];
    }
  });
}
