/**
 * Whether to colour what protmem writes to a stream, from the environment and whether the
 * stream is a terminal, as Node's own `tty.hasColors` decides it: `FORCE_COLOR` wins when set
 * (`0` or `false` turn colour off, any other value on, even off a terminal); otherwise a
 * non-empty `NO_COLOR` turns it off; otherwise a terminal gets colour unless `TERM` is `dumb`.
 */

export type Environment = Readonly<Record<string, string | undefined>>;

/** True iff output to a stream (`isTTY` when it is a terminal) is coloured under `env`. */
export function colourEnabled(env: Environment, isTTY: boolean | undefined): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY === true && env.TERM !== 'dumb';
}
