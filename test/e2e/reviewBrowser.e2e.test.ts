/**
 * The review page in a real browser: Debian's chromium, driven by playwright-core, opens the
 * generated `index.html` from disk. The page loads with no console error and no request
 * beyond the file itself, the matrix has one row per topology, a violated cell opens its
 * trace, and the stepper moves forward and back through the steps. A screenshot is kept in
 * `test-artifacts/` for people (not committed).
 *
 * Chromium is not optional: without `/usr/bin/chromium` this test fails and says how to
 * install it (`.ci/run` does).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const FIXTURES = 'test/fixtures/review';
const ARTIFACTS = 'test-artifacts';

let browser: Browser | undefined;
let page: Page;
const consoleErrors: string[] = [];
const requests: string[] = [];
const failedRequests: string[] = [];
let pageUrl: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the browser test needs Debian's chromium. Install it with ` +
        '`apt-get update && apt-get install -y --no-install-recommends chromium` (as root; .ci/run does this).',
    );
  }
  const out = await mkdtemp(join(tmpdir(), 'protmem-review-browser-'));
  const written: string[] = [];
  const code = await runCli(['review', FIXTURES, '--out', out, '--no-timing'], {
    stdout: { write: (text: string) => written.push(text) },
    stderr: { write: (text: string) => written.push(text) },
  });
  expect(code, written.join('')).toBe(1);
  pageUrl = pathToFileURL(resolve(out, 'index.html')).href;

  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  page.on('request', (request) => requests.push(request.url()));
  page.on('requestfailed', (request) => failedRequests.push(request.url()));
  await page.goto(pageUrl, { waitUntil: 'load' });
}, 180_000);

afterAll(async () => {
  await browser?.close();
});

const stepShown = async () => Number(await page.getAttribute('#stepper-step', 'data-step'));

describe('the review page in chromium', () => {
  it('loads from disk with no console error and no request but its own file', () => {
    expect(consoleErrors).toEqual([]);
    expect(failedRequests).toEqual([]);
    expect(requests).toEqual([pageUrl]);
  });

  it('has one matrix row per topology', async () => {
    const rows = await page
      .locator('#matrix tbody tr[data-topology]')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-topology')));
    expect(rows).toEqual(['tzasc-decrypt-clear-output', 'tzasc-no-scrub-on-free', 'tzasc-sound']);
    await expect(page.locator('#trace-panel').isHidden()).resolves.toBe(true);
  });

  it('opens the trace of a violated cell and steps through it forward and back', async () => {
    const cell = page.locator('td[data-topology="tzasc-no-scrub-on-free"][data-status="violated"]');
    await expect(cell.getAttribute('data-property')).resolves.toBe('scrubBeforeReuse');
    await cell.locator('button').click();
    await expect(page.locator('#trace-panel').isVisible()).resolves.toBe(true);
    await expect(page.locator('#trace-panel h2').textContent()).resolves.toContain(
      'scrubBeforeReuse violated after 5 steps',
    );
    await expect(page.locator('#trace-panel ol.trace li[data-step]').count()).resolves.toBe(6);
    await expect(page.locator('#trace-panel svg.sequence').isVisible()).resolves.toBe(true);

    expect(await stepShown()).toBe(0);
    await expect(page.locator('#stepper-prev').isDisabled()).resolves.toBe(true);
    for (let step = 1; step <= 5; step++) {
      await page.click('#stepper-next');
      expect(await stepShown()).toBe(step);
      await expect(page.locator(`.step-pages[data-step="${step}"]`).isVisible()).resolves.toBe(true);
      await expect(page.locator(`.step-pages[data-step="${step - 1}"]`).isHidden()).resolves.toBe(true);
      await expect(page.locator(`ol.trace li[data-step="${step}"]`).getAttribute('class')).resolves.toContain(
        'current',
      );
    }
    await expect(page.locator('#stepper-next').isDisabled()).resolves.toBe(true);
    await expect(page.textContent('#stepper-step')).resolves.toMatch(/^✖ Step 5 of 5: every holder closes/);
    const stale = page.locator('.step-pages[data-step="5"] tr[data-page="carveout:0"]');
    await expect(stale.getAttribute('class')).resolves.toBe('in-violation');
    await expect(stale.locator('td.content').textContent()).resolves.toBe('plaintext of movie');

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'review-stepper.png'), fullPage: false });

    await page.click('#stepper-prev');
    await page.click('#stepper-prev');
    expect(await stepShown()).toBe(3);
    await page.keyboard.press('ArrowRight');
    expect(await stepShown()).toBe(4);
    await page.click('ol.trace li[data-step="1"]');
    expect(await stepShown()).toBe(1);
    expect(consoleErrors).toEqual([]);
  });

  it('opens another cell in place of the first', async () => {
    await page.locator('td[data-topology="tzasc-sound"][data-property="scrubBeforeReuse"] button').click();
    await expect(page.locator('#trace-panel h2').textContent()).resolves.toContain('scrubBeforeReuse holds');
    await expect(page.locator('#stepper-next').count()).resolves.toBe(0);
    expect(consoleErrors).toEqual([]);
  });
});
