/**
 * Content labels: what a physical page (or a buffer, the union of its pages) may still hold.
 *
 * A label lists, per kind, the media streams whose bytes may be in the page: `ciphertext`
 * (encrypted bitstream as the CDM receives it) and `plaintext` (decrypted bitstream or decoded
 * frames). It is conservative: a write adds what it writes and nothing is ever removed except
 * by a scrub, because a partial overwrite leaves remnants of what was there before. Stream
 * lists are kept sorted and without duplicates so that equal labels serialise equally (the
 * world interns snapshots by their JSON).
 *
 * This is what the leak oracle reads: "does this page hold plaintext of a stream, and of which".
 */

/** A media stream (a title, an ad, a trusted-UI surface) as the topology names it. */
export type StreamId = string;

export interface ContentLabel {
  /** Streams whose encrypted bytes may be in the page. */
  readonly ciphertext: readonly StreamId[];
  /** Streams whose decrypted bytes (bitstream or decoded frames) may be in the page. */
  readonly plaintext: readonly StreamId[];
}

/** A zeroed page: nothing of any stream. */
export const ZERO_LABEL: ContentLabel = { ciphertext: [], plaintext: [] };

export function ciphertextOf(stream: StreamId): ContentLabel {
  return { ciphertext: [stream], plaintext: [] };
}

export function plaintextOf(stream: StreamId): ContentLabel {
  return { ciphertext: [], plaintext: [stream] };
}

/** True iff the page may hold plaintext of some stream. */
export function holdsPlaintext(label: ContentLabel): boolean {
  return label.plaintext.length > 0;
}

/** The streams whose plaintext the page may hold, sorted. */
export function plaintextStreams(label: ContentLabel): readonly StreamId[] {
  return label.plaintext;
}

/** True iff the page may hold ciphertext of some stream. */
export function holdsCiphertext(label: ContentLabel): boolean {
  return label.ciphertext.length > 0;
}

/** Sorted union of two sorted stream lists; returns `a` itself when `b` adds nothing. */
function unionStreams(a: readonly StreamId[], b: readonly StreamId[]): readonly StreamId[] {
  if (b.every((stream) => a.includes(stream))) return a;
  return [...new Set([...a, ...b])].sort();
}

/** The label of a page after `written` lands on a page labelled `label` (both kept). */
export function mergeLabels(label: ContentLabel, written: ContentLabel): ContentLabel {
  return {
    ciphertext: unionStreams(label.ciphertext, written.ciphertext),
    plaintext: unionStreams(label.plaintext, written.plaintext),
  };
}

/** The label of a buffer: the union of its pages' labels. */
export function unionLabels(labels: readonly ContentLabel[]): ContentLabel {
  return labels.reduce(mergeLabels, ZERO_LABEL);
}

/** True iff writing `written` onto `label` would record a stream of a kind not yet recorded. */
export function addsContent(label: ContentLabel, written: ContentLabel): boolean {
  return (
    written.ciphertext.some((stream) => !label.ciphertext.includes(stream)) ||
    written.plaintext.some((stream) => !label.plaintext.includes(stream))
  );
}

/**
 * The label in report words: `zero`, `ciphertext of movie`, `plaintext of movie`, or both
 * kinds, plaintext first: `plaintext of ad, movie; ciphertext of movie`.
 */
export function describeLabel(label: ContentLabel): string {
  const parts: string[] = [];
  if (label.plaintext.length > 0) parts.push(`plaintext of ${label.plaintext.join(', ')}`);
  if (label.ciphertext.length > 0) parts.push(`ciphertext of ${label.ciphertext.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'zero';
}
