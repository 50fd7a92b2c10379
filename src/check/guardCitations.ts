/**
 * What a machine guard mirrors, as its doc comment cites it: the source functions and files,
 * read from the generated table `guardCitationLines.ts`, so a coverage report can name the
 * kernel or firmware function behind the check that refused a step.
 */
import { guardCitationLines } from './guardCitationLines.ts';

export interface GuardCitation {
  readonly functions: readonly string[];
  readonly files: readonly string[];
}

const list = (text: string) => (text.trim() === '' ? [] : text.split(',').map((item) => item.trim()));

/** Per machine id, per guard name, what its comment cites. */
export const guardCitations: Readonly<Record<string, Readonly<Record<string, GuardCitation>>>> =
  Object.fromEntries(
    Object.entries(guardCitationLines).map(([machine, lines]) => [
      machine,
      Object.fromEntries(
        lines.map((line) => {
          const colon = line.indexOf(':');
          const [functions = '', files = ''] = line.slice(colon + 1).split('|');
          return [line.slice(0, colon), { functions: list(functions), files: list(files) }];
        }),
      ),
    ]),
  );
