/**
 * The content label of one page: every write adds its label, only a scrub clears it, and
 * no-ops come back as NO_EFFECT.
 */
import { describe, expect, it } from 'vitest';
import {
  ciphertextOf,
  describeLabel,
  holdsPlaintext,
  mergeLabels,
  plaintextOf,
  plaintextStreams,
  unionLabels,
  ZERO_LABEL,
} from '../../machines/contentLabel.ts';
import {
  type PageContentContext,
  type PageContentEvent,
  pageContentMachine,
  pageContentRefusals,
} from '../../machines/pageContentMachine.ts';
import { driverDisagreements, machineDriver } from '../support/machineDriver.ts';

const page = machineDriver<PageContentContext, PageContentEvent>(pageContentMachine, pageContentRefusals);

const cipher = (stream: string): PageContentEvent => ({ type: 'WRITE_CIPHERTEXT', stream });
const plain = (stream: string): PageContentEvent => ({ type: 'WRITE_PLAINTEXT', stream, by: 'decrypt TA' });
const dma = (label: PageContentContext): PageContentEvent => ({ type: 'DMA_WRITE', label, by: 'decoder' });
const copy = (source: PageContentContext): PageContentEvent => ({ type: 'COPY_FROM', source });
const scrub: PageContentEvent = { type: 'SCRUB', by: 'hyp_poison_page' };

const zero = page.start();
const withCiphertext = page.accept(zero, cipher('movie'));
const withPlaintext = page.accept(zero, plain('movie'));

describe('transitions from zero', () => {
  it('takes every kind of write', () => {
    expect(withCiphertext.value).toBe('ciphertext');
    expect(withCiphertext.context).toEqual(ciphertextOf('movie'));
    expect(withPlaintext.value).toBe('plaintext');
    expect(withPlaintext.context).toEqual(plaintextOf('movie'));
    expect(page.accept(zero, dma(plaintextOf('movie'))).value).toBe('plaintext');
    expect(page.accept(zero, dma(ciphertextOf('movie'))).value).toBe('ciphertext');
    expect(page.accept(zero, copy(plaintextOf('movie'))).value).toBe('plaintext');
    expect(page.accept(zero, copy(ciphertextOf('movie'))).value).toBe('ciphertext');
  });

  it('refuses no-ops with NO_EFFECT: a scrub, a zero DMA write, a copy of a zero page', () => {
    expect(
      page.refusalDifferences(zero, [
        [scrub, 'NO_EFFECT'],
        [dma(ZERO_LABEL), 'NO_EFFECT'],
        [copy(ZERO_LABEL), 'NO_EFFECT'],
      ]),
    ).toEqual([]);
  });
});

describe('transitions from ciphertext', () => {
  it('adds ciphertext of another stream and stays', () => {
    const two = page.accept(withCiphertext, cipher('ad'));
    expect(two.value).toBe('ciphertext');
    expect(two.context.ciphertext).toEqual(['ad', 'movie']);
    expect(page.accept(withCiphertext, dma(ciphertextOf('ad'))).value).toBe('ciphertext');
    expect(page.accept(withCiphertext, copy(ciphertextOf('ad'))).value).toBe('ciphertext');
  });

  it('moves to plaintext on any plaintext write', () => {
    expect(page.accept(withCiphertext, plain('movie')).value).toBe('plaintext');
    expect(page.accept(withCiphertext, dma(plaintextOf('movie'))).value).toBe('plaintext');
    expect(page.accept(withCiphertext, copy(plaintextOf('movie'))).value).toBe('plaintext');
  });

  it('is zeroed by a scrub', () => {
    const scrubbed = page.accept(withCiphertext, scrub);
    expect(scrubbed.value).toBe('zero');
    expect(scrubbed.context).toEqual(ZERO_LABEL);
  });

  it('refuses a write that adds nothing (NO_EFFECT)', () => {
    expect(
      page.refusalDifferences(withCiphertext, [
        [cipher('movie'), 'NO_EFFECT'],
        [dma(ciphertextOf('movie')), 'NO_EFFECT'],
        [copy(ZERO_LABEL), 'NO_EFFECT'],
      ]),
    ).toEqual([]);
  });
});

describe('transitions from plaintext', () => {
  it('adds every new label and stays plaintext', () => {
    expect(page.accept(withPlaintext, cipher('movie')).context).toEqual({
      ciphertext: ['movie'],
      plaintext: ['movie'],
    });
    expect(page.accept(withPlaintext, plain('ad')).context.plaintext).toEqual(['ad', 'movie']);
    expect(page.accept(withPlaintext, dma(plaintextOf('ad'))).value).toBe('plaintext');
    expect(page.accept(withPlaintext, copy(ciphertextOf('ad'))).value).toBe('plaintext');
  });

  it('is zeroed by a scrub (hyp_poison_page, FF-A CLEAR, heap zeroing, firmware wipe)', () => {
    for (const by of ['hyp_poison_page', 'ffa_clear', 'heap_zero', 'firmware_wipe']) {
      expect(page.accept(withPlaintext, { type: 'SCRUB', by }).value).toBe('zero');
    }
  });

  it('refuses a write that adds nothing (NO_EFFECT)', () => {
    expect(
      page.refusalDifferences(withPlaintext, [
        [plain('movie'), 'NO_EFFECT'],
        [dma(plaintextOf('movie')), 'NO_EFFECT'],
        [copy(plaintextOf('movie')), 'NO_EFFECT'],
      ]),
    ).toEqual([]);
  });
});

describe('named cases', () => {
  it('a bounce copy of a plaintext page labels the destination plaintext, and a scrub clears it', () => {
    const source = page.accept(zero, plain('movie'));
    const bounce = page.accept(zero, copy(source.context));
    expect(bounce.value).toBe('plaintext');
    expect(holdsPlaintext(bounce.context)).toBe(true);
    expect(plaintextStreams(bounce.context)).toEqual(['movie']);
    const scrubbed = page.accept(bounce, { type: 'SCRUB', by: 'heap_zero' });
    expect(scrubbed.value).toBe('zero');
    expect(holdsPlaintext(scrubbed.context)).toBe(false);
  });

  it('ciphertext written over plaintext keeps the plaintext label (partial overwrites leave remnants)', () => {
    const over = page.accept(withPlaintext, cipher('movie'));
    expect(over.value).toBe('plaintext');
    expect(plaintextStreams(over.context)).toEqual(['movie']);
    expect(describeLabel(over.context)).toBe('plaintext of movie; ciphertext of movie');
  });

  it('a page reused without a scrub holds plaintext of both streams', () => {
    const reused = page.accept(withPlaintext, dma(plaintextOf('trusted-ui')));
    expect(plaintextStreams(reused.context)).toEqual(['movie', 'trusted-ui']);
  });
});

describe('label helpers', () => {
  it('describe a label compactly', () => {
    expect(describeLabel(ZERO_LABEL)).toBe('zero');
    expect(describeLabel(ciphertextOf('movie'))).toBe('ciphertext of movie');
    expect(describeLabel(plaintextOf('movie'))).toBe('plaintext of movie');
    expect(describeLabel(unionLabels([plaintextOf('movie'), plaintextOf('ad')]))).toBe(
      'plaintext of ad, movie',
    );
  });

  it('keep stream lists sorted and free of duplicates', () => {
    const merged = mergeLabels(mergeLabels(plaintextOf('b'), plaintextOf('a')), plaintextOf('b'));
    expect(merged.plaintext).toEqual(['a', 'b']);
  });
});

describe('compiled and interpreted steppers', () => {
  it('agree on a scripted sequence, refusals included', () => {
    expect(
      driverDisagreements(pageContentMachine, undefined, [
        scrub,
        dma(ZERO_LABEL),
        cipher('movie'),
        cipher('movie'),
        copy(ciphertextOf('ad')),
        plain('movie'),
        cipher('movie'),
        dma(plaintextOf('trusted-ui')),
        copy(plaintextOf('movie')),
        scrub,
        scrub,
        copy(plaintextOf('movie')),
        scrub,
      ]),
    ).toEqual([]);
  });
});
