/**
 * Colour for the text reports, added after rendering so every renderer stays plain: a line
 * opening with `✖` (after indentation or a `[3/34]` counter) (a violation, a refused boot, the violating step of a trace) in red, `✔`
 * in green, `!` (vacuous) in yellow, hints dimmed. Pure: text in, text out; the text without
 * its escape codes is the input.
 */

const RED = '\x1b[31m';
const GREEN = '\x1b[32m';
const YELLOW = '\x1b[33m';
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

/** What may come before a mark: indentation, or a counter such as `[3/34] `. */
const LEAD = String.raw`^(\s*(?:\[\s*\d+/\d+\] )?)`;

const RULES: readonly (readonly [RegExp, string])[] = [
  [new RegExp(`${LEAD}(✖ .*)$`), RED],
  [new RegExp(`${LEAD}(✔)`), GREEN],
  [new RegExp(`${LEAD}(! .*)$`), YELLOW],
  [/^(\s*)(hint: .*)$/, DIM],
];

/** `text` with ANSI colours on its marked lines. */
export function colourText(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      for (const [pattern, colour] of RULES) {
        if (pattern.test(line))
          return line.replace(pattern, (_all, indent, marked) => `${indent}${colour}${marked}${RESET}`);
      }
      return line;
    })
    .join('\n');
}

/** `text` without ANSI colour codes. */
export function withoutColour(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character is what is removed
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}
