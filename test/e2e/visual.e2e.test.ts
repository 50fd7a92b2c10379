/**
 * `protmem diagram` and `protmem review` end to end, spawned as a user runs them: the files
 * they write, what they print, and their exit codes (review: 0 all pass, 1 a violation or a
 * vacuous property, 2 bad input). The largest machine chart is opened in Chromium (see
 * `test/support/chromium.ts`), screenshot into `test-artifacts/` (not committed) and measured:
 * every text inside its box, in whatever face the browser substitutes.
 */
/// <reference lib="dom" />
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { machines } from '../../machines/index.ts';
import type { CheckReport } from '../../src/check/report.ts';
import { diagramOptions, reviewOptions } from '../../src/cli/commands.ts';
import { displayFlag } from '../../src/cli/options.ts';
import { inlineSvg } from '../../src/render/svg.ts';
import { launchChromium } from '../support/chromium.ts';
import { externalUrls } from '../support/externalUrls.ts';
import { protmem } from '../support/protmemCli.ts';

const REVIEW_FIXTURES = 'test/fixtures/review';
const SOUND = 'test/fixtures/review/tzasc-sound.yaml';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'protmem-visual-'));
});

describe.concurrent('protmem diagram', () => {
  it('is listed in the help with every option of its table', async () => {
    const general = await protmem('--help');
    expect(general.stdout).toContain('  diagram [topologies...]');
    const own = await protmem('diagram', '--help');
    expect(own.code).toBe(0);
    expect(own.stdout).toContain('Usage: protmem diagram [topologies...] [options]');
    for (const [key, spec] of Object.entries(diagramOptions))
      expect(own.stdout).toContain(displayFlag(key, spec));
  });

  it('--out writes an SVG and a Mermaid file per machine', async () => {
    const out = join(dir, 'diagrams');
    const run = await protmem('diagram', '--out', out);
    expect(run.code).toBe(0);
    const expected = machines.flatMap((m) => [`${m.name}.mmd`, `${m.name}.svg`]).sort();
    expect((await readdir(out)).sort()).toEqual(expected);
    expect(run.stdout.trimEnd().split('\n').sort()).toEqual(expected.map((name) => join(out, name)));
    const svg = await readFile(join(out, 'pkvmPageMachine.svg'), 'utf8');
    expect(svg).toContain('<svg');
    expect(svg).toContain('HOST_DONATE_GUEST');
    const mermaid = await readFile(join(out, 'pkvmPageMachine.mmd'), 'utf8');
    expect(mermaid.startsWith('stateDiagram-v2\n')).toBe(true);
  });

  it('draws a topology, and chosen machines, in the formats asked for', async () => {
    const out = join(dir, 'topology');
    const run = await protmem(
      'diagram',
      'test/fixtures/tzasc-carveout.yaml',
      '--machine',
      'tzascRegion',
      '--format',
      'dot',
      '--out',
      out,
    );
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect((await readdir(out)).sort()).toEqual(['topology-tzasc-carveout.dot', 'tzascRegionMachine.dot']);
    const dot = await readFile(join(out, 'topology-tzasc-carveout.dot'), 'utf8');
    expect(dot).toContain('"party:host" -> "region:dram" [label="CPU r/w 4/4"');
  });

  it('--flaw draws each machine the flaw reimplements part of, the changes in red', async () => {
    const out = join(dir, 'flaw');
    const run = await protmem('diagram', '--flaw', 'reclaimFailureIgnored', '--format', 'dot', '--out', out);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect((await readdir(out)).sort()).toEqual([
      'dmaBufMachine.reclaimFailureIgnored.dot',
      'protectedHeapMachine.reclaimFailureIgnored.dot',
    ]);
    const dot = await readFile(join(out, 'protectedHeapMachine.reclaimFailureIgnored.dot'), 'utf8');
    expect(dot).toContain('Flaw reclaimFailureIgnored (in red) reimplements');
    expect(dot).toMatch(/ -> .*color="#dc2626", penwidth=2/);
    const unknown = await protmem('diagram', '--flaw', 'noScrubOnFre', '--out', join(dir, 'none'));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no flaw "noScrubOnFre" (did you mean "noScrubOnFree"?)');
  });

  it('refuses an unknown machine, suggesting the closest', async () => {
    const run = await protmem('diagram', '--machine', 'pkvmPageMachin', '--out', join(dir, 'none'));
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `protmem diagram: option --machine: no machine "pkvmPageMachin" (did you mean "pkvmPageMachine"?); see 'protmem diagram --help'\n`,
    );
  });

  it('refuses an unknown format', async () => {
    const run = await protmem('diagram', '--format', 'png');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('option --format expects one of mermaid, dot, svg, got "png"');
  });
});

/**
 * The chart before guards had short names and stays were folded: 2,207 x 2,634 px in Chromium
 * (1,655 x 1,975 pt), every conjunction written out on every edge.
 */
const FFA_CHART_BEFORE = { width: 2207, height: 2634 };

describe('the ffaTransaction chart in chromium', { timeout: 120_000 }, () => {
  it('keeps every text inside its box and is smaller than the chart it replaces', async () => {
    const out = join(dir, 'ffa');
    const run = await protmem('diagram', '--machine', 'ffaTransaction', '--format', 'svg', '--out', out);
    expect(run.code).toBe(0);
    const svg = await readFile(join(out, 'ffaTransactionMachine.svg'), 'utf8');
    const html = join(out, 'ffaTransactionMachine.html');
    await writeFile(
      html,
      `<!doctype html><meta charset="utf-8"><body style="margin:0">${inlineSvg(svg)}</body>`,
    );
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(pathToFileURL(resolve(html)).href, { waitUntil: 'load' });
      const size = (await page.locator('svg').first().boundingBox())!;
      await page.setViewportSize({ width: Math.ceil(size.width), height: Math.ceil(size.height) });
      await mkdir('test-artifacts', { recursive: true });
      await page.screenshot({ path: join('test-artifacts', 'ffaTransactionMachine.png') });
      // Each state and cluster: the texts of its label against the outline Graphviz drew round it.
      const overflows = await page.evaluate(() => {
        const found: string[] = [];
        for (const group of document.querySelectorAll('g.node, g.cluster')) {
          const outline = group.querySelector(
            ':scope > path, :scope > polygon, :scope > g > a > path, :scope > g > a > polygon',
          );
          const texts = [...group.querySelectorAll('text')];
          if (outline === null || texts.length === 0) continue;
          const box = outline.getBoundingClientRect();
          for (const text of texts) {
            const r = text.getBoundingClientRect();
            if (
              r.left < box.left - 0.5 ||
              r.right > box.right + 0.5 ||
              r.top < box.top - 0.5 ||
              r.bottom > box.bottom + 0.5
            )
              found.push(
                `${group.querySelector('title')?.textContent?.slice(0, 40)}: "${text.textContent}" ${Math.round(r.right - box.right)} px past the right`,
              );
          }
        }
        // The title and legend (the graph's own label) stay inside the drawing.
        const page = document.querySelector('svg')!.getBoundingClientRect();
        for (const text of document.querySelectorAll('text')) {
          const r = text.getBoundingClientRect();
          if (r.left < page.left || r.right > page.right)
            found.push(`"${text.textContent}" leaves the drawing`);
        }
        return found;
      });
      expect(overflows).toEqual([]);
      const boxes = await page.evaluate(() => document.querySelectorAll('g.node, g.cluster').length);
      expect(boxes).toBeGreaterThan(5);
      expect(size.width).toBeLessThan(FFA_CHART_BEFORE.width * 0.8);
      expect(size.height).toBeLessThan(FFA_CHART_BEFORE.height);
      expect(size.width * size.height).toBeLessThan(FFA_CHART_BEFORE.width * FFA_CHART_BEFORE.height * 0.7);
    } finally {
      await browser.close();
    }
  });
});

describe.concurrent('protmem review', { timeout: 180_000 }, () => {
  it('is listed in the help with every option of its table', async () => {
    const general = await protmem('--help');
    expect(general.stdout).toContain('  review <paths...>');
    const own = await protmem('review', '--help');
    expect(own.code).toBe(0);
    for (const [key, spec] of Object.entries(reviewOptions))
      expect(own.stdout).toContain(displayFlag(key, spec));
  });

  it('reviews a folder: index.html and summary.md written, reports as JSON, exit 1', async () => {
    const out = join(dir, 'report');
    const run = await protmem('review', REVIEW_FIXTURES, '--out', out, '--json', '--no-timing');
    expect(run.code).toBe(1);
    const printed = JSON.parse(run.stdout) as {
      schemaVersion: number;
      version: string;
      reports: CheckReport[];
    };
    expect(printed).toMatchObject({ schemaVersion: 1, version: '0.1.0' });
    const { reports } = printed;
    expect(reports.map((r) => [r.topology, r.verdict])).toEqual([
      ['tzasc-decrypt-clear-output', 'violation'],
      ['tzasc-no-scrub-on-free', 'violation'],
      ['tzasc-sound', 'pass'],
    ]);
    expect(reports[0]!.statistics).not.toHaveProperty('durationMs');
    expect((await readdir(out)).sort()).toEqual(['index.html', 'summary.md']);

    const html = await readFile(join(out, 'index.html'), 'utf8');
    expect(externalUrls(html)).toEqual([]);
    expect(html.match(/https?:\/\//g)!.length).toBeGreaterThan(0);
    expect(html).not.toMatch(/<link\b|<script[^>]*\bsrc=|<img\b/);
    expect(html.match(/<tr data-topology=/g)).toHaveLength(3);

    const markdown = await readFile(join(out, 'summary.md'), 'utf8');
    expect(markdown).toContain('| tzasc-sound |');
    expect(markdown).toContain('### ✖ scrubBeforeReuse violated after 5 steps');
    expect(markdown).toContain('```mermaid\nsequenceDiagram');
  });

  it('exits 0 when every property of every topology holds, one line per topology', async () => {
    const out = join(dir, 'sound');
    const run = await protmem('review', SOUND, '--out', out);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `✔ tzasc-sound  pass  (${SOUND})\nwrote ${join(out, 'index.html')} and ${join(out, 'summary.md')}\n`,
    );
  });

  it('exits 2 naming the file when a topology does not load', async () => {
    const run = await protmem('review', join(dir, 'absent.yaml'), '--out', join(dir, 'never'));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('absent.yaml:1:1  (document)  cannot read the file');
    await expect(readdir(join(dir, 'never'))).rejects.toThrow();
  });

  it('exits 2 for a folder that does not exist', async () => {
    const run = await protmem('review', join(dir, 'topologies'));
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `protmem review: no such file or folder: ${join(dir, 'topologies')}; see 'protmem review --help'\n`,
    );
  });

  it('exits 2 for a folder with no topology in it', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty, { recursive: true });
    const run = await protmem('review', empty);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `protmem review: folder ${empty} holds no topology files (.yaml, .yml, .json); see 'protmem review --help'\n`,
    );
  });

  it('exits 2 when two files define the same topology', async () => {
    const run = await protmem('review', SOUND, SOUND);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('both define topology "tzasc-sound"');
  });

  it('exits 2 without paths', async () => {
    const run = await protmem('review');
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr: "protmem review: missing <paths...>; see 'protmem review --help'\n",
    });
  });
});
