/**
 * The review page in a real browser: Chromium (see `test/support/chromium.ts`), driven by
 * playwright-core, opens one generated `index.html` from disk for every case. At 1440x900
 * every matrix column is in the window; the page loads with no console error and no request
 * beyond its own file; rows filter by name, verdict and property; a cell opens beside the
 * matrix with a way back (the panel's button, Esc, the browser's back button); its stepper
 * moves the drawing's reach with it; a passing design's witness steps too; ticked designs
 * compare with what separates them first. Screenshots go to `test-artifacts/` (not committed).
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

// The fixtures, a pKVM design (its well-formedness columns) and a catalog design whose trace
// changes who reaches what (the secure world retrieves the lent pool).
const DESIGNS = [
  'test/fixtures/review',
  'test/fixtures/pkvm-guest-decrypt.yaml',
  'topologies/dynamic-heap-upstream-lend-as-share.yaml',
];
const ARTIFACTS = 'test-artifacts';
const WIDTH = 1440;

let browser: Browser | undefined;
let page: Page;
const consoleErrors: string[] = [];
const requests: string[] = [];
let pageUrl: string;

beforeAll(async () => {
  browser = await launchChromium();
  const out = await mkdtemp(join(tmpdir(), 'protmem-review-browser-'));
  const written: string[] = [];
  const code = await runCli(['review', ...DESIGNS, '--out', out, '--no-timing', '--workers', '1'], {
    stdout: { write: (text: string) => written.push(text) },
    stderr: { write: (text: string) => written.push(text) },
  });
  expect(code, written.join('')).toBe(1);
  pageUrl = pathToFileURL(resolve(out, 'index.html')).href;
  page = await browser.newPage({ viewport: { width: WIDTH, height: 900 } });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(pageUrl, { waitUntil: 'load' });
  await mkdir(ARTIFACTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
});

const stepShown = async () => Number(await page.getAttribute('#stepper-step', 'data-step'));
const panelOpen = () => page.locator('#side-panel').isVisible();
const visibleRows = () =>
  page
    .locator('#matrix tbody tr[data-topology]:visible')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-topology')));

describe('the review page in chromium', () => {
  it('fits every matrix column in 1440 px, header and first columns sticky, and fetches nothing', async () => {
    await page.screenshot({ path: join(ARTIFACTS, 'review-1440x900.png') });
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([pageUrl]);
    const edges = await page
      .locator('#matrix thead th:visible, #matrix tbody tr:first-child > :visible')
      .evaluateAll((cells) =>
        cells.map((c) => [c.getBoundingClientRect().left, c.getBoundingClientRect().right]),
      );
    expect(edges.length).toBeGreaterThan(10);
    const outside = edges.filter(([left, right]) => left! < 0 || right! > WIDTH);
    expect(outside).toEqual([]);
    const sticky = await page.evaluate(() =>
      ['#matrix thead', '#matrix tbody td.verdict'].map(
        (s) => getComputedStyle(document.querySelector(s)!).position,
      ),
    );
    expect(sticky).toEqual(['sticky', 'sticky']);
    // Safety first, verdict before every property, and well-formedness collapsed.
    const heads = await page.locator('#matrix thead tr.groups th:visible').allTextContents();
    expect(heads.slice(0, 5)).toEqual(['compare', 'Design', 'Verdict', 'Safety', 'Reachability']);
    await expect(page.locator('th[data-property="pageHasSingleOwner"]').isHidden()).resolves.toBe(true);
    await page.locator('.wf-toggle[aria-expanded="false"]').click();
    await expect(page.locator('th[data-property="pageHasSingleOwner"]').isVisible()).resolves.toBe(true);
    await page.locator('.wf-toggle[aria-expanded="true"]').click();
    await expect(page.locator('th[data-property="pageHasSingleOwner"]').isHidden()).resolves.toBe(true);
  });

  it('filters rows by name, verdict and property status', async () => {
    const all = await visibleRows();
    expect(all).toEqual([
      'tzasc-decrypt-clear-output',
      'tzasc-no-scrub-on-free',
      'tzasc-sound',
      'pkvm-guest-decrypt',
      'dynamic-heap-upstream-lend-as-share',
    ]);
    await page.fill('#filter-name', 'SCRUB');
    expect(await visibleRows()).toEqual(['tzasc-no-scrub-on-free']);
    await page.fill('#filter-name', '');
    await page.selectOption('#filter-verdict', 'pass');
    expect(await visibleRows()).toEqual(['tzasc-sound']);
    await page.selectOption('#filter-verdict', '');
    await page.selectOption('#filter-property', 'scrubBeforeReuse');
    await page.selectOption('#filter-status', 'violated');
    expect(await visibleRows()).toEqual(['tzasc-no-scrub-on-free']);
    await expect(page.textContent('#filter-count')).resolves.toBe('1 of 5 designs');
    await page.selectOption('#filter-property', '');
    expect(await visibleRows()).toEqual(all);
  });

  it('opens a counterexample beside the matrix, steps it and its drawing, and goes back', async () => {
    const cell = page.locator(
      'td[data-topology="tzasc-no-scrub-on-free"][data-property="scrubBeforeReuse"] button',
    );
    await cell.click();
    expect(await panelOpen()).toBe(true);
    expect(new URL(page.url()).hash).toBe('#cell:tzasc-no-scrub-on-free:scrubBeforeReuse');
    const [matrix, panel] = await Promise.all(
      ['.matrix-pane', '#side-panel'].map((s) =>
        page.locator(s).evaluate((e) => e.getBoundingClientRect().toJSON()),
      ),
    );
    expect(panel.left).toBeGreaterThanOrEqual(matrix.right);
    expect(panel.right).toBeLessThanOrEqual(WIDTH);
    await expect(page.locator('#side-panel h2').textContent()).resolves.toContain(
      'scrubBeforeReuse violated after 5 steps',
    );

    expect(await stepShown()).toBe(0);
    for (let step = 1; step <= 5; step++) {
      await page.click('#stepper-next');
      expect(await stepShown()).toBe(step);
      await expect(page.locator(`.step-pages[data-step="${step}"]`).isVisible()).resolves.toBe(true);
    }
    await expect(page.locator('#stepper-next').isDisabled()).resolves.toBe(true);
    await expect(page.textContent('#stepper-step')).resolves.toMatch(/^✖ Step 5 of 5: every holder closes/);
    await page.keyboard.press('ArrowLeft');
    expect(await stepShown()).toBe(4);

    await page.goBack();
    await page.waitForFunction(() => document.getElementById('side-panel')!.hidden);
    expect(new URL(page.url()).hash).toBe('');
    await page.goForward();
    await page.waitForFunction(() => !document.getElementById('side-panel')!.hidden);
    await page.click('#panel-back');
    await page.waitForFunction(() => document.getElementById('side-panel')!.hidden);
    expect(consoleErrors).toEqual([]);
  });

  it("moves the drawing's reach with the stepper: an edge a step adds is marked", async () => {
    await page.click(
      'td[data-topology="dynamic-heap-upstream-lend-as-share"][data-property="plaintextNeverReachesUntrusted"] button',
    );
    const last = Number(await page.getAttribute('.stepper', 'data-last-step'));
    const shown = () =>
      page
        .locator('.stepped-topology g.reach:not(.off)')
        .evaluateAll((edges) => edges.map((e) => e.id).join());
    const drawn = [await shown()];
    let gained = 0;
    for (let step = 1; step <= last; step++) {
      await page.click('#stepper-next');
      drawn.push(await shown());
      gained += await page.locator('.stepped-topology g.reach.gained').count();
    }
    expect(new Set(drawn).size).toBeGreaterThan(1);
    expect(gained).toBeGreaterThan(0);
    await expect(
      page.locator('.stepped-topology g.crossing, .stepped-topology ul.drawing-legend li').count(),
    ).resolves.toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'review-counterexample.png') });
    await page.click('#panel-back');
    await page.waitForFunction(() => document.getElementById('side-panel')!.hidden);
  });

  it("steps a passing design's witness and opens a design from a link with its coverage place", async () => {
    await page.goto(`${pageUrl}#cell:tzasc-sound:pipelineReachable`);
    await expect(page.locator('#side-panel h2').textContent()).resolves.toMatch(
      /pipelineReachable holds: a frame is displayed/,
    );
    const last = Number(await page.getAttribute('.stepper', 'data-last-step'));
    expect(last).toBeGreaterThan(0);
    for (let step = 1; step <= last; step++) await page.click('#stepper-next');
    await expect(page.textContent('#stepper-step')).resolves.toMatch(
      new RegExp(`^✔ Step ${last} of ${last}: `),
    );
    await page.click('#side-panel .panel-topology a');
    expect(new URL(page.url()).hash).toBe('#design:tzasc-sound');
    await expect(page.locator('#side-panel section.coverage').count()).resolves.toBe(1);
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.getElementById('side-panel')!.hidden);
  });

  it('compares ticked designs, the properties that separate them first', async () => {
    await expect(page.locator('#compare-open').isDisabled()).resolves.toBe(true);
    await page.check('.compare-pick[value="tzasc-sound"]');
    await page.check('.compare-pick[value="tzasc-no-scrub-on-free"]');
    await page.click('#compare-open');
    expect(new URL(page.url()).hash).toBe('#compare:tzasc-no-scrub-on-free,tzasc-sound');
    const rows = await page
      .locator('#compare-properties tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [tr.querySelector('th')!.textContent, tr.className]));
    expect(rows[0]).toEqual(['≠ scrubBeforeReuse', 'differs']);
    expect(rows.filter(([, c]) => c === 'differs')).toHaveLength(1);
    const flaws = page.locator('#compare-assumptions tbody tr', { hasText: 'flaws' });
    await expect(flaws.getAttribute('class')).resolves.toBe('differs');
    await page.screenshot({ path: join(ARTIFACTS, 'review-compare.png') });
    await page.click('#panel-back');
    await page.waitForFunction(() => document.getElementById('side-panel')!.hidden);
    expect(consoleErrors).toEqual([]);
  });
});
