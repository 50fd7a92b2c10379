/**
 * The errors `check()` throws for requests a user can fix; the CLI turns them into exit code 2.
 * A bad replay token is `ReplayTokenError` (`replayToken.ts`).
 */

/** A property name that is not one of `PROPERTY_NAMES`. */
export class UnknownPropertyError extends Error {
  readonly code = 'UNKNOWN_PROPERTY';
}

/** A property was named that this design cannot be checked against. */
export class PropertyNotApplicableError extends Error {
  readonly code = 'PROPERTY_NOT_APPLICABLE';
}
