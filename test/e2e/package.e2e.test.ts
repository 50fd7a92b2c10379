/**
 * protmem as a user installs it: `npm pack` (which builds `dist/`), installed into a new project
 * that has its own fast-check of another patch version, and the README's library example run
 * three ways: by `vitest run` as written, by `tsc --noEmit` under `module: nodenext` and
 * `strict`, and as plain Node ESM (the same calls in JavaScript); the installed `protmem` command
 * runs the compiled CLI. Needs the npm registry, as `npm ci` does (packages already in npm's cache
 * are taken from it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const USER_FAST_CHECK = '4.10.1';
const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
};

/** The README's library example: the first TypeScript block under "Using protmem in your own tests". */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Using protmem in your own tests'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error('README.md has no TypeScript example under "Using protmem in your own tests"');
  return match[1]!;
}

const PLAIN_NODE = `import fc from 'fast-check';
import { catalogPath, check, composeWorld, InvariantChecker, loadTopologyFile, runsOf, sdpInvariants } from 'protmem';

const { topology } = await loadTopologyFile(catalogPath('split-vms-ffa-secure-display.yaml'));
const { world, model } = composeWorld(topology);
const checker = new InvariantChecker(world, sdpInvariants, model);
fc.assert(fc.property(runsOf(world, { maxLength: 10 }), (run) => run.every(({ state }) => checker.holds(state))), {
  seed: 42,
  numRuns: 50,
});
const report = check(await loadTopologyFile(catalogPath('pkvm-teardown-without-poison.yaml')), {
  mode: 'exhaustive', maxDepth: 8, maxStates: 100000, runs: 1, seed: 0, properties: [],
});
console.log(JSON.stringify({ verdict: report.verdict, fastCheck: fc.__version }));
`;

let dir: string;

function run(command: string, args: readonly string[]) {
  return spawnSync(command, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'protmem-package-'));
  execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: ROOT, stdio: 'pipe' });
  const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack wrote no tarball');
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'a-platform-team', private: true, type: 'module' }, null, 2),
  );
  execFileSync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      `./${tarball}`,
      `fast-check@${USER_FAST_CHECK}`,
      `typescript@${own.devDependencies.typescript}`,
      `vitest@${own.devDependencies.vitest}`,
      `@types/node@${own.devDependencies['@types/node']}`,
    ],
    { cwd: dir, stdio: 'pipe' },
  );
  writeFileSync(join(dir, 'example.test.ts'), readmeExample());
  writeFileSync(join(dir, 'plain.mjs'), PLAIN_NODE);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        noEmit: true,
        types: ['node'],
      },
      include: ['example.test.ts'],
    }),
  );
}, 240_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the installed package', () => {
  it('ships compiled JavaScript with declarations, the catalog and the licence, and no TypeScript sources', () => {
    const installed = join(dir, 'node_modules', 'protmem');
    const files = readdirSync(installed);
    expect(files).toEqual(
      expect.arrayContaining(['LICENSE', 'README.md', 'bin', 'dist', 'package.json', 'topologies']),
    );
    expect(files).not.toContain('src');
    expect(readdirSync(join(installed, 'dist', 'src'))).toEqual(
      expect.arrayContaining(['index.js', 'index.d.ts']),
    );
    // The user's fast-check is the one protmem uses: one copy, so their types and its agree.
    expect(existsSync(join(installed, 'node_modules', 'fast-check'))).toBe(false);
  });

  it("runs the README example in plain Node ESM against the user's fast-check", () => {
    const result = run('node', ['plain.mjs']);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ verdict: 'violation', fastCheck: USER_FAST_CHECK });
  }, 120_000);

  it('type-checks the README example with tsc under nodenext and strict', () => {
    const result = run(join(dir, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json']);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  }, 120_000);

  it('runs the README example as written under vitest', () => {
    const result = run(join(dir, 'node_modules', '.bin', 'vitest'), ['run', '--reporter', 'dot']);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/2 passed/);
  }, 120_000);

  it('installs a protmem command that runs the compiled CLI', () => {
    const result = run(join(dir, 'node_modules', '.bin', 'protmem'), ['--version']);
    expect(result.stdout.trim()).toBe(own.version);
    expect(result.status).toBe(0);
  }, 60_000);
});
