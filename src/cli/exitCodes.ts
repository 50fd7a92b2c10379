/**
 * The exit codes of `protmem`: 0 every property holds, 1 a property is violated or vacuous, the
 * design does not boot, or a replayed trace no longer violates its property; 2 bad usage or bad
 * input; 3 an internal error.
 */
export const EXIT_CODES = { ok: 0, propertyFailed: 1, badInput: 2, internalError: 3 } as const;
