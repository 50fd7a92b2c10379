/**
 * The problems a topology check collects, and the words its messages share: each problem is
 * data first (a code, the field path, what was expected and found) and prose second.
 */
import {
  clip,
  type FieldPath,
  listWords,
  quote,
  type TopologyIssueCode,
  type TopologyProblem,
} from './issues.ts';
import { didYouMean } from './suggest.ts';

export class Problems {
  readonly list: TopologyProblem[] = [];

  add(code: TopologyIssueCode, path: FieldPath, message: string, expected: string, found: string): void {
    this.list.push({ code, path, message, expected, found });
  }

  /**
   * Reports `value` at `path` unless it is one of `allowed`; `what` names the kind of thing
   * (`buffer`, `party`) and `expected` says what would do.
   */
  reference(
    path: FieldPath,
    value: string,
    allowed: readonly string[],
    what: string,
    expected: string,
  ): boolean {
    if (allowed.includes(value)) return true;
    this.add(
      'unknownReference',
      path,
      `unknown ${what} ${quote(value)}${didYouMean(value, allowed)}`,
      expected,
      quote(value),
    );
    return false;
  }
}

/** `a declared buffer (in, clear)` or `a declared buffer (none are declared)`. */
export function declared(what: string, names: readonly string[]): string {
  return `a declared ${what} (${names.length === 0 ? 'none are declared' : listWords(names, 'or')})`;
}

/** `host or a declared VM (vm-a)`; `fixed` are the built-in parties allowed. */
export function partyOf(fixed: readonly string[], vms: readonly string[]): string {
  const vmText = vms.length === 0 ? 'a VM (none are declared)' : `a declared VM (${listWords(vms, 'or')})`;
  if (fixed.length === 0) return vmText;
  // Each name clipped and the list bounded, as listWords does, all joined by commas.
  const shown = fixed.slice(0, 10).map((name) => clip(name));
  if (fixed.length > 10) shown.push('...');
  return `${shown.join(', ')} or ${vmText}`;
}

/** The names of declared entries. */
export const names = (entries: readonly { name: string }[]) => entries.map((entry) => entry.name);
