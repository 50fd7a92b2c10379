/**
 * The exit codes of `protmem`, one table: 0 every property holds, 1 a property is violated or
 * vacuous, the design does not boot, or a replayed trace no longer violates its property; 2 bad
 * usage or bad input; 3 an internal error. Every command's `--help` lists the codes it can
 * return from this table.
 */
export const EXIT_CODES = { ok: 0, propertyFailed: 1, badInput: 2, internalError: 3 } as const;

export type ExitCodeName = keyof typeof EXIT_CODES;

/** What each code means when a command does not say it in its own words. */
export const EXIT_CODE_MEANINGS: Readonly<Record<ExitCodeName, string>> = {
  ok: 'every property holds within the bound',
  propertyFailed:
    'a property is violated or vacuous, a design does not boot, or a replay no longer reproduces',
  badInput: 'bad usage or bad input (a malformed topology, an unknown option or value)',
  internalError: 'an internal error, printed with a request to report it',
};

/** A command's exit codes: which of the table it can return, and any meaning in its own words. */
export interface CommandExitCodes {
  readonly codes: readonly ExitCodeName[];
  readonly meanings?: Partial<Record<ExitCodeName, string>>;
}

/** Every code, each with the table's meaning. */
export const ALL_EXIT_CODES: CommandExitCodes = {
  codes: ['ok', 'propertyFailed', 'badInput', 'internalError'],
};

/** The help lines: `  0  every property holds within the bound`. */
export function exitCodeLines(exitCodes: CommandExitCodes): string[] {
  return exitCodes.codes.map(
    (name) => `  ${EXIT_CODES[name]}  ${exitCodes.meanings?.[name] ?? EXIT_CODE_MEANINGS[name]}`,
  );
}
