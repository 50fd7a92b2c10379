/**
 * Replay tokens: one string that re-runs one counterexample exactly.
 *
 * A token records the topology's name and a digest of its resolved content (so a token is not
 * replayed against a changed design), the property it reproduces, and the trace as step keys
 * (call and arguments), which survive changes to step numbering. Encoded as `pm1.` followed by
 * base64url JSON.
 */
import { createHash } from 'node:crypto';
import type { StepArgs } from '../world/world.ts';

export interface ReplayStep {
  readonly call: string;
  readonly args: StepArgs;
}

export interface ReplayPayload {
  readonly topology: string;
  /** First 12 hex digits of the SHA-256 of the resolved topology. */
  readonly digest: string;
  readonly property: string;
  readonly steps: readonly ReplayStep[];
}

export class ReplayTokenError extends Error {
  readonly code = 'BAD_REPLAY_TOKEN';
}

const PREFIX = 'pm1.';

export function topologyDigest(resolved: unknown): string {
  return createHash('sha256').update(JSON.stringify(resolved)).digest('hex').slice(0, 12);
}

export function encodeReplayToken(payload: ReplayPayload): string {
  const compact = {
    t: payload.topology,
    d: payload.digest,
    p: payload.property,
    s: payload.steps.map((step) => [step.call, step.args]),
  };
  return PREFIX + Buffer.from(JSON.stringify(compact), 'utf8').toString('base64url');
}

function isArgs(value: unknown): value is StepArgs {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string' || typeof v === 'number')
  );
}

/** Decodes a token; throws `ReplayTokenError` saying what is wrong with it. */
export function decodeReplayToken(token: string): ReplayPayload {
  if (!token.startsWith(PREFIX)) {
    throw new ReplayTokenError(`replay token must start with "${PREFIX}" (got "${token.slice(0, 8)}...")`);
  }
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(token.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch (cause) {
    throw new ReplayTokenError('replay token is corrupt: its payload is not valid base64url JSON', { cause });
  }
  const record = data as { t?: unknown; d?: unknown; p?: unknown; s?: unknown };
  if (
    typeof data !== 'object' ||
    data === null ||
    typeof record.t !== 'string' ||
    typeof record.d !== 'string' ||
    typeof record.p !== 'string' ||
    !Array.isArray(record.s)
  ) {
    throw new ReplayTokenError('replay token is corrupt: it lacks the topology, digest, property or steps');
  }
  const steps = record.s.map((entry: unknown, index: number) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !isArgs(entry[1])) {
      throw new ReplayTokenError(`replay token is corrupt: step ${index + 1} is not [call, arguments]`);
    }
    return { call: entry[0], args: entry[1] };
  });
  return { topology: record.t, digest: record.d, property: record.p, steps };
}
