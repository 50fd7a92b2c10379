/**
 * Every step of a composed world names the family function that defines it: its `action` is an
 * exported function of one file in `src/world/families/` whose body sets `action` to its own
 * name, and its `call` can be found in that file's source (grep-style), or in the call table that
 * file imports (the pKVM calls are rows of `pkvmCalls.ts`).
 *
 * This test composes catalog designs with `composeWorld` on purpose: what it checks is the world
 * compose.ts assembles, with every family's steps. Together the designs below offer every step
 * function of the families.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../../src/topology/load.ts';
import { composeWorld } from '../../../src/world/compose.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const FAMILIES = join(ROOT, 'src', 'world', 'families');

const DESIGNS = [
  'carveout-runtime-query.yaml',
  'dynamic-heap-android-unmap-on-lend.yaml',
  'split-vms-ffa-secure-display.yaml',
  'virtio-uuid-access-control.yaml',
  'split-vms-virtio-bounce.yaml',
  'split-vms-import-outlives-exporter.yaml',
  'pkvm-pvm-decrypt-assigned-display-identity.yaml',
  'pkvm-pvm-unshare-then-decrypt.yaml',
  'pkvm-host-dma-map-then-donate-dma-domains.yaml',
  'xen-cluster-gntdev-dom0-privileged.yaml',
  'display-writeback-secure-out.yaml',
  'xen-cluster-frontend-frees-mapped-grant.yaml',
  'xen-cluster-readonly-grant-to-monitor.yaml',
  'cca-realm-decrypt-assigned-display.yaml',
];

interface FamilyFile {
  readonly file: string;
  readonly source: string;
  /** The family files it imports from (`./pkvmCalls.ts`). */
  readonly imports: readonly string[];
  /** Each exported function's name and its text up to the next export. */
  readonly functions: ReadonlyMap<string, string>;
}

function familyFiles(): FamilyFile[] {
  return readdirSync(FAMILIES)
    .filter((file) => file.endsWith('.ts'))
    .sort()
    .map((file) => {
      const source = readFileSync(join(FAMILIES, file), 'utf8');
      const imports = [...source.matchAll(/from '\.\/([\w.]+\.ts)'/g)].map((m) => m[1]!);
      const starts = [...source.matchAll(/^export function (\w+)\b/gm)];
      const functions = new Map(
        starts.map((match) => {
          const end = source.indexOf('\nexport ', match.index + 1);
          return [match[1]!, source.slice(match.index, end < 0 ? undefined : end)] as const;
        }),
      );
      return { file, source, imports, functions };
    });
}

/** The exported functions whose body sets `action` to their own name: the step functions. */
function stepFunctions(files: readonly FamilyFile[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const { file, functions } of files) {
    for (const [name, body] of functions) if (body.includes(`action: '${name}'`)) out.set(name, file);
  }
  return out;
}

/** What is wrong with a step's action and call; empty when both lead to their definition. */
function actionProblems(
  files: readonly FamilyFile[],
  modules: ReadonlyMap<string, Record<string, unknown>>,
  step: { action: string; call: string; text: string },
): string[] {
  const defining = files.filter((f) => typeof modules.get(f.file)?.[step.action] === 'function');
  if (defining.length !== 1) {
    return [`"${step.text}": action ${step.action} is exported by ${defining.length} family files`];
  }
  const family = defining[0]!;
  const problems: string[] = [];
  if (!family.functions.get(step.action)?.includes(`action: '${step.action}'`)) {
    problems.push(`"${step.text}": ${family.file} ${step.action}() does not set action: '${step.action}'`);
  }
  const tables = files.filter((f) => family.imports.includes(f.file));
  if (![family, ...tables].some((f) => f.source.includes(step.call))) {
    problems.push(
      `"${step.text}": call ${step.call} appears neither in ${family.file} nor in what it imports`,
    );
  }
  return problems;
}

const files = familyFiles();
const modules = new Map<string, Record<string, unknown>>(
  await Promise.all(files.map(async ({ file }) => [file, await import(join(FAMILIES, file))] as const)),
);

/** The composed world of a catalog design, composed once. */
const worlds = new Map<string, ReturnType<typeof composeWorld>['world']>();
function worldOf(design: string) {
  let world = worlds.get(design);
  if (!world) {
    const path = join(ROOT, 'topologies', design);
    world = composeWorld(parseTopology(readFileSync(path, 'utf8'), path).topology).world;
    worlds.set(design, world);
  }
  return world;
}

const definingFile = (action: string) =>
  files.find((f) => typeof modules.get(f.file)?.[action] === 'function')!;

describe('step actions', () => {
  for (const design of DESIGNS) {
    it(`name their family function in ${design}`, () => {
      const world = worldOf(design);
      expect(world.steps.length).toBeGreaterThan(0);
      expect(world.steps.flatMap((step) => actionProblems(files, modules, step))).toEqual([]);
    });
  }

  it('cover every step function of the families across these designs', () => {
    const seen = new Set(DESIGNS.flatMap((design) => worldOf(design).steps.map((step) => step.action)));
    const all = stepFunctions(files);
    expect(all.size).toBeGreaterThan(25);
    expect([...all.keys()].filter((name) => !seen.has(name))).toEqual([]);
  });

  it('find each call in the defining file itself, except the pKVM calls of the pkvmCalls.ts tables', () => {
    const steps = DESIGNS.flatMap((design) => worldOf(design).steps);
    const viaTable = steps.filter((step) => !definingFile(step.action).source.includes(step.call));
    expect([...new Set(viaTable.map((s) => s.action))].sort()).toEqual([
      'guestPageCall',
      'hostPageCall',
      'vmCall',
    ]);
    const table = files.find((f) => f.file === 'pkvmCalls.ts')!.source;
    expect(viaTable.filter((s) => !table.includes(`'${s.call}'`))).toEqual([]);
  });
});
