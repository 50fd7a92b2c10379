/**
 * The catalog as a whole: every topology has a manifest entry and every entry a topology; every
 * named flaw is switched on somewhere; every flawed design is expected to violate something;
 * every design expected to pass displays a frame; every topology is documented.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLAW_NAMES } from '../../src/topology/flaws.ts';
import { loadTopologyFile } from '../../src/topology/load.ts';
import { FLAW_SWITCHES } from '../../src/world/flawSwitches.ts';
import { CATALOG, catalog } from '../support/catalog.ts';

describe('reference catalog', async () => {
  const { manifest, files } = await catalog();
  const topologies = await Promise.all(
    files.map(async (file) => ({ file, loaded: await loadTopologyFile(join(CATALOG, file)) })),
  );

  it('lists exactly the topology files in its manifest', () => {
    expect(Object.keys(manifest.topologies).sort()).toEqual(files);
  });

  it('switches every named flaw on in a design that is expected to be violated', () => {
    expect(Object.keys(FLAW_SWITCHES).sort()).toEqual([...FLAW_NAMES].sort());
    for (const flaw of FLAW_NAMES) {
      const users = topologies.filter(({ loaded }) => loaded.topology.flaws.includes(flaw));
      expect(users.length, `flaw ${flaw} is switched on by no topology`).toBeGreaterThan(0);
      for (const { file } of users) {
        const statuses = Object.values(manifest.topologies[file]!.expect);
        expect(statuses, `${file} switches ${flaw} on but expects no violation`).toContain('violated');
      }
    }
  });

  it('expects every design that passes to display a frame', () => {
    for (const [file, entry] of Object.entries(manifest.topologies)) {
      if (Object.values(entry.expect).every((s) => s === 'holds'))
        expect(entry.expect.pipelineReachable, file).toBe('holds');
    }
    const passing = Object.values(manifest.topologies).filter((e) =>
      Object.values(e.expect).every((s) => s === 'holds'),
    );
    expect(passing.length).toBeGreaterThanOrEqual(5);
  });

  it('documents each design: which real system it stands for, its verdict, and the reference sections', () => {
    for (const { file, loaded } of topologies) {
      expect(loaded.topology.description, file).toMatch(/Verdict/);
      expect(loaded.topology.references.length, file).toBeGreaterThan(0);
      expect(`${loaded.topology.name}.yaml`).toBe(file);
    }
  });
});
