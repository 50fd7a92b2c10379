/**
 * The page-content family: one content-label machine per physical page, saying what the page
 * may still hold (zero, ciphertext, plaintext of which streams). Every write, copy and scrub of
 * the other families lands here: the families only say which pages and what label.
 */
import { type ContentLabel, mergeLabels, ZERO_LABEL } from '../../../machines/contentLabel.ts';
import { pageContentMachine, pageContentRefusals } from '../../../machines/pageContentMachine.ts';
import type { pkvmPageMachine } from '../../../machines/pkvmPageMachine.ts';
import { type Component, send, snapshotOf, type WorldBuilder } from '../builder.ts';
import type { Layout } from '../layout.ts';
import type { Delivery, WorldState } from '../world.ts';

export interface PageContentFamily {
  /** The content machine of each page, by pfn. */
  readonly contents: readonly Component<typeof pageContentMachine>[];
  /** What the pages may hold, merged. */
  label(state: WorldState, pages: readonly number[]): ContentLabel;
  /** What one page holds. */
  labelOf(state: WorldState, pfn: number): ContentLabel;
  /** Zeroes the pages (a refusal of one, already zero, changes nothing). */
  scrub(pages: readonly number[], by: string): Delivery[];
  /** Writes the stream's ciphertext into the pages. */
  writeCiphertext(pages: readonly number[], stream: string): Delivery[];
  /** Writes plaintext of the stream into the pages. */
  writePlaintext(pages: readonly number[], stream: string, by: string): Delivery[];
  /** A device's DMA write of `label` into the pages. */
  dmaWrite(pages: readonly number[], label: ContentLabel): Delivery[];
  /** Copies `label` (what a source held) into the pages. */
  copy(pages: readonly number[], source: ContentLabel): Delivery[];
  /** Routes pKVM's poisoning of a page (`hyp_poison_page()`) to that page's content. */
  scrubWhenPoisoned(builder: WorldBuilder, pkvmPages: readonly Component<typeof pkvmPageMachine>[]): void;
}

export function addPageContentFamily(builder: WorldBuilder, layout: Layout): PageContentFamily {
  const contents = layout.pages.map((page) =>
    builder.addComponent({
      id: `content:${page.pfn}`,
      kind: 'pageContent',
      label: `content of ${page.label}`,
      machine: pageContentMachine,
      input: {},
      refusals: pageContentRefusals,
    }),
  );
  const each = (pages: readonly number[], event: Parameters<typeof send<typeof pageContentMachine>>[1]) =>
    pages.map((pfn) => send(contents[pfn]!, event, { optional: true }));
  return {
    contents,
    label: (state, pages) =>
      pages.reduce<ContentLabel>(
        (acc, pfn) => mergeLabels(acc, snapshotOf(state, contents[pfn]!).context),
        ZERO_LABEL,
      ),
    labelOf: (state, pfn) => snapshotOf(state, contents[pfn]!).context,
    scrub: (pages, by) => each(pages, { type: 'SCRUB', by }),
    writeCiphertext: (pages, stream) => each(pages, { type: 'WRITE_CIPHERTEXT', stream }),
    writePlaintext: (pages, stream, by) => each(pages, { type: 'WRITE_PLAINTEXT', stream, by }),
    dmaWrite: (pages, label) => each(pages, { type: 'DMA_WRITE', label }),
    copy: (pages, source) => each(pages, { type: 'COPY_FROM', source }),
    scrubWhenPoisoned: (into, pkvmPages) => {
      pkvmPages.forEach((page, pfn) => {
        // hyp_poison_page() zeroes the page (memset 0, clean to PoC) whose content machine is its own.
        into.onEmit(page, 'PAGE_POISONED', [contents[pfn]!], () => [
          send(contents[pfn]!, { type: 'SCRUB', by: 'hyp_poison_page' }, { optional: true }),
        ]);
      });
    },
  };
}
