/**
 * `protmem diagram` end to end, spawned as a user runs it: the files it writes, what it
 * prints, and its exit codes.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { machines } from '../../machines/index.ts';
import { diagramOptions } from '../../src/cli/commands.ts';
import { displayFlag } from '../../src/cli/options.ts';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function protmem(...args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', ['bin/protmem.mjs', ...args], {
      cwd: process.cwd(),
      env: { ...process.env, NO_COLOR: '1' },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout: string; stderr: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

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
