/**
 * The content label of one physical page: what the page may still hold.
 *
 * States follow the worst thing the page may hold: `zero` (scrubbed or never written),
 * `ciphertext` (encrypted bytes of some stream, no plaintext), `plaintext` (decrypted bytes of
 * at least one stream; possibly of several if the page was reused without a scrub, which is
 * exactly what a scrub-before-reuse property must see). The context is the label itself
 * (`ContentLabel`), so the world can pass one page's context as another's copy source.
 *
 * Semantics are conservative, one rule each:
 * - every write lands and adds the written label; nothing a write does removes a label.
 *   Writing ciphertext over plaintext keeps the plaintext label: a partial overwrite (shorter
 *   frame, different stride, an aborted DMA) leaves remnants;
 * - a copy (bounce buffer, memcpy, swiotlb) carries the source page's whole label;
 * - only `SCRUB` returns the page to `zero`: `hyp_poison_page()` (pKVM reclaim/relinquish),
 *   FF-A `CLEAR`/`CLEAR_RELINQUISH` (Hafnium `clear_memory()`), a heap's zeroing on
 *   allocation or free, a firmware wipe (PSCI `MEM_PROTECT` on reset).
 *
 * No-ops are refusals with `NO_EFFECT` ("success, nothing changed"): a `SCRUB` of a page that is
 * already zero, and a write that adds no stream not already recorded. XState returns the very
 * same snapshot for a transition that changes nothing, so the compiled and interpreted steppers
 * agree only if these are refusals. The world must therefore deliver content events as
 * optional deliveries: a heap zeroing a fresh page must not refuse the heap's call.
 *
 * Event fields the world fills:
 * - `DMA_WRITE.label`: what a device writes, from the device's `DEVICE_DMA_WRITE` emit;
 * - `COPY_FROM.source`: the source page's context (its label) at the time of the copy.
 *
 * Emits nothing: the label is read by properties (the leak oracle), not by other machines.
 */
import { assign, setup } from 'xstate';
import {
  addsContent,
  type ContentLabel,
  ciphertextOf,
  holdsCiphertext,
  holdsPlaintext,
  mergeLabels,
  plaintextOf,
  type StreamId,
  ZERO_LABEL,
} from './contentLabel.ts';
import type { RefusalTable } from './refusals.ts';

/**
 * Who scrubbed the page, for traces: `hyp_poison_page`, `ffa_clear` (FF-A CLEAR flag),
 * `heap_zero` (a dma-buf heap or TEE pool zeroing), `firmware_wipe` (PSCI MEM_PROTECT reset).
 */
export type ScrubAgent = string;

export type PageContentEvent =
  /** Encrypted bitstream written by the CPU (the player filling the CDM's input). */
  | { readonly type: 'WRITE_CIPHERTEXT'; readonly stream: StreamId }
  /** Decrypt output: `by` is the writer (the decrypt TA, the CDM in a pVM), for traces only. */
  | { readonly type: 'WRITE_PLAINTEXT'; readonly stream: StreamId; readonly by: string }
  /** A device writes into the page (decoded frames, a GPU composition). */
  | { readonly type: 'DMA_WRITE'; readonly label: ContentLabel; readonly by?: string }
  /** A CPU or DMA copy from another page: the source's whole label comes along. */
  | { readonly type: 'COPY_FROM'; readonly source: ContentLabel }
  | { readonly type: 'SCRUB'; readonly by: ScrubAgent };

export type PageContentContext = ContentLabel;

/** The label a write event puts on the page. */
function writtenLabel(event: PageContentEvent): ContentLabel {
  switch (event.type) {
    case 'WRITE_CIPHERTEXT':
      return ciphertextOf(event.stream);
    case 'WRITE_PLAINTEXT':
      return plaintextOf(event.stream);
    case 'DMA_WRITE':
      return event.label;
    case 'COPY_FROM':
      return event.source;
    case 'SCRUB':
      return ZERO_LABEL;
  }
}

export const pageContentMachine = setup({
  types: {
    context: {} as PageContentContext,
    events: {} as PageContentEvent,
  },
  guards: {
    /** The write carries plaintext of some stream: the page moves to `plaintext`. */
    writtenLabelHasPlaintext: ({ event }) => holdsPlaintext(writtenLabel(event)),
    /** The write carries ciphertext of some stream: a zero page moves to `ciphertext`. */
    writtenLabelHasCiphertext: ({ event }) => holdsCiphertext(writtenLabel(event)),
    /** The write records a stream of a kind the label does not list yet. */
    writeAddsContent: ({ context, event }) => addsContent(context, writtenLabel(event)),
  },
  actions: {
    addWrittenLabel: assign(({ context, event }) => mergeLabels(context, writtenLabel(event))),
    clearLabel: assign(() => ZERO_LABEL),
  },
}).createMachine({
  id: 'pageContent',
  description: 'The content label of one physical page: what the page may still hold, by stream.',
  context: ZERO_LABEL,
  initial: 'zero',
  states: {
    zero: {
      description: 'Scrubbed or never written: all zeroes',
      on: {
        WRITE_CIPHERTEXT: { target: 'ciphertext', actions: 'addWrittenLabel' },
        WRITE_PLAINTEXT: { target: 'plaintext', actions: 'addWrittenLabel' },
        DMA_WRITE: [
          { guard: 'writtenLabelHasPlaintext', target: 'plaintext', actions: 'addWrittenLabel' },
          { guard: 'writtenLabelHasCiphertext', target: 'ciphertext', actions: 'addWrittenLabel' },
        ],
        COPY_FROM: [
          { guard: 'writtenLabelHasPlaintext', target: 'plaintext', actions: 'addWrittenLabel' },
          { guard: 'writtenLabelHasCiphertext', target: 'ciphertext', actions: 'addWrittenLabel' },
        ],
      },
    },
    ciphertext: {
      description: 'May hold encrypted bytes of the listed streams, and no plaintext',
      on: {
        WRITE_CIPHERTEXT: { guard: 'writeAddsContent', actions: 'addWrittenLabel' },
        WRITE_PLAINTEXT: { target: 'plaintext', actions: 'addWrittenLabel' },
        DMA_WRITE: [
          { guard: 'writtenLabelHasPlaintext', target: 'plaintext', actions: 'addWrittenLabel' },
          { guard: 'writeAddsContent', actions: 'addWrittenLabel' },
        ],
        COPY_FROM: [
          { guard: 'writtenLabelHasPlaintext', target: 'plaintext', actions: 'addWrittenLabel' },
          { guard: 'writeAddsContent', actions: 'addWrittenLabel' },
        ],
        SCRUB: { target: 'zero', actions: 'clearLabel' },
      },
    },
    plaintext: {
      description: 'May hold decrypted bytes of the listed streams (and ciphertext of others)',
      on: {
        WRITE_CIPHERTEXT: { guard: 'writeAddsContent', actions: 'addWrittenLabel' },
        WRITE_PLAINTEXT: { guard: 'writeAddsContent', actions: 'addWrittenLabel' },
        DMA_WRITE: { guard: 'writeAddsContent', actions: 'addWrittenLabel' },
        COPY_FROM: { guard: 'writeAddsContent', actions: 'addWrittenLabel' },
        SCRUB: { target: 'zero', actions: 'clearLabel' },
      },
    },
  },
});

type ContentGuard = keyof typeof pageContentMachine.implementations.guards;

/**
 * Every write lands; the only refusals are no-ops, reported as `NO_EFFECT`: a scrub of a zero
 * page (unhandled in `zero`) and a write that adds nothing the label does not already list.
 */
export const pageContentRefusals: RefusalTable<ContentGuard, PageContentContext, PageContentEvent> = {
  unhandled: { default: 'NO_EFFECT' },
  guards: {
    writtenLabelHasPlaintext: 'NO_EFFECT',
    writtenLabelHasCiphertext: 'NO_EFFECT',
    writeAddsContent: 'NO_EFFECT',
  },
};
