/**
 * One automotive design under three hypervisors, side by side in the review page: infotainment
 * decrypts a frame and the instrument cluster's display shows it, the frame crossing by a pKVM
 * swiotlb bounce through the host, a Xen grant, or a Gunyah memory parcel. In Chromium, the
 * compare view puts the properties that separate them first: on pKVM the host reads the frame
 * in the bounce pools (plaintextNeverReachesUntrusted) and a pool goes back to it unscrubbed
 * (scrubBeforeReuse); under Xen and Gunyah one VM maps the other's page and both hold.
 */
/// <reference lib="dom" />
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.ts';
import { launchChromium } from '../support/chromium.ts';

const DESIGNS = [
  'pkvm-cluster-virtio-bounce',
  'xen-cluster-gntdev-display',
  'gunyah-cluster-memparcel-lend-display',
] as const;
const ARTIFACTS = 'test-artifacts';

let browser: Browser | undefined;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  const out = await mkdtemp(join(tmpdir(), 'protmem-review-hypervisors-'));
  const written: string[] = [];
  const files = DESIGNS.map((name) => `topologies/${name}.yaml`);
  const code = await runCli(['review', ...files, '--out', out, '--no-timing', '--workers', '1'], {
    stdout: { write: (text: string) => written.push(text) },
    stderr: { write: (text: string) => written.push(text) },
  });
  // The pKVM version leaks, so the review exits 1.
  expect(code, written.join('')).toBe(1);
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  await page.goto(pathToFileURL(resolve(out, 'index.html')).href, { waitUntil: 'load' });
  await mkdir(ARTIFACTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
});

describe('a pKVM, a Xen and a Gunyah version of one design, compared', () => {
  it('puts the leak of the pKVM bounce first, and each crossing on its own row', async () => {
    for (const name of DESIGNS) await page.check(`.compare-pick[value="${name}"]`);
    await page.click('#compare-open');
    const properties = await page
      .locator('#compare-properties tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [
          tr.querySelector('th')!.textContent,
          tr.className,
          [...tr.querySelectorAll('td')].map((td) => td.textContent),
        ]),
      );
    // Two properties separate them; pKVM's own well-formedness, which Xen and Gunyah designs
    // do not check, comes next and separates nothing.
    const named = (className: string) =>
      properties.filter(([, c]) => c === className).map(([name]) => name as string);
    expect(named('differs')).toEqual(['≠ plaintextNeverReachesUntrusted', '≠ scrubBeforeReuse']);
    expect(named('partial')).toContain('∅ pageHasSingleOwner');
    expect(properties.slice(2, 2 + named('partial').length).every(([, c]) => c === 'partial')).toBe(true);
    await expect(page.locator('.compare-view h3').first().textContent()).resolves.toBe(
      '2 properties separate these designs',
    );
    const columnsOf = (name: string) => properties.find(([n]) => n === name)![2] as string[];
    const order = await page
      .locator('#compare-properties thead th')
      .evaluateAll((ths) => ths.map((th) => th.textContent));
    const pkvm = order.findIndex((text) => text?.includes('pkvm-cluster-virtio-bounce')) - 1;
    const leak = columnsOf('≠ plaintextNeverReachesUntrusted');
    expect(leak[pkvm]).toMatch(/^✖ 3/);
    expect(leak.filter((text) => text.startsWith('✔'))).toHaveLength(2);
    const assumptions = await page
      .locator('#compare-assumptions tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [tr.querySelector('th')!.textContent, tr.textContent]));
    const row = (aspect: string) => assumptions.find(([name]) => name?.endsWith(aspect))?.[1] ?? '';
    expect(row('hypervisor')).toMatch(/pKVM/);
    expect(row('hypervisor')).toMatch(/Xen/);
    expect(row('hypervisor')).toMatch(/Gunyah/);
    expect(row('swiotlb bounce')).toMatch(/cluster-swiotlb/);
    expect(row('Xen grants')).toMatch(/Xen grant of frame by infotainment to cluster/);
    expect(row('Gunyah memory parcels')).toMatch(/cluster/);
    await page.screenshot({ path: join(ARTIFACTS, 'review-compare-hypervisors.png') });
    expect(consoleErrors).toEqual([]);
  });
});
