/**
 * The catalog as a whole: every topology has a manifest entry and every entry a topology; every
 * named flaw is switched on somewhere; every flawed design is expected to violate something;
 * every design expected to pass displays a frame; every topology is documented; the README's
 * table of how far each design is explored is the manifest's.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROPERTY_NAMES } from '../../properties/sdp/index.ts';
import { FLAW_NAMES } from '../../src/topology/flaws.ts';
import { loadTopologyFile } from '../../src/topology/load.ts';
import { FLAW_SWITCHES } from '../../src/world/flawSwitches.ts';
import { CATALOG, catalog } from '../support/catalog.ts';
import {
  catalogSearchSummary,
  catalogSearchTable,
  TABLE_END,
  TABLE_START,
} from '../support/catalogSearchTable.ts';

describe('reference catalog', async () => {
  const { manifest, files } = await catalog();
  const topologies = await Promise.all(
    files.map(async (file) => ({ file, loaded: await loadTopologyFile(join(CATALOG, file)) })),
  );

  it('lists exactly the topology files in its manifest', () => {
    expect(Object.keys(manifest.topologies).sort()).toEqual(files);
  });

  it('shows in the README how far each design is explored, as the manifest says', async () => {
    const readme = await readFile(join(CATALOG, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf(TABLE_START), readme.indexOf(TABLE_END));
    const cells = (table: string) =>
      table
        .split('\n')
        .filter((line) => line.startsWith('|') && !/^\|[\s:-]+\|/.test(line))
        .map((line) =>
          line
            .split('|')
            .slice(1, -1)
            .map((cell) => cell.trim()),
        );
    expect(section.length).toBeGreaterThan(TABLE_START.length);
    expect(cells(section)).toEqual(cells(catalogSearchTable(manifest)));
    // The counts above the table, which biome may rewrap.
    expect(section.replace(/\s+/g, ' ')).toContain(catalogSearchSummary(manifest));
    expect(readme).toContain(`\`topologies/\` holds ${files.length} designs`);
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
      if (entry.verdict === 'unbootable') {
        expect(entry.expect, `${file}: an unbootable design checks no property`).toEqual({});
        continue;
      }
      if (Object.values(entry.expect).every((s) => s === 'holds'))
        expect(entry.expect.pipelineReachable, file).toBe('holds');
    }
    const passing = Object.values(manifest.topologies).filter(
      (e) => e.verdict !== 'unbootable' && Object.values(e.expect).every((s) => s === 'holds'),
    );
    expect(passing.length).toBeGreaterThanOrEqual(5);
  });

  it("names in each design's verdict exactly the properties its manifest entry expects to fail", () => {
    for (const { file, loaded } of topologies) {
      const description = loaded.topology.description;
      const verdict = description.slice(description.indexOf('Verdict'));
      const expect_ = manifest.topologies[file]!.expect;
      const named = PROPERTY_NAMES.filter((name) => new RegExp(`\\b${name}\\b`).test(verdict));
      const violated = Object.keys(expect_).filter((name) => expect_[name] === 'violated');
      for (const name of violated) {
        expect(
          named,
          `${file}: its verdict does not name ${name}, which its manifest expects to fail`,
        ).toContain(name);
      }
      for (const name of named.filter((n) => !violated.includes(n))) {
        const said = expect_[name] === 'holds' ? new RegExp(`\\b${name} holds`) : /vacuous/;
        expect(
          verdict,
          `${file}: its verdict names ${name}, which its manifest expects to be ${expect_[name]}`,
        ).toMatch(said);
      }
      const unbootable = manifest.topologies[file]!.verdict === 'unbootable';
      expect(
        /\bunbootable\b/.test(verdict),
        `${file}: "unbootable" in its verdict iff it does not boot`,
      ).toBe(unbootable);
      if (unbootable) continue;
      const vacuous = expect_.pipelineReachable === 'vacuous';
      expect(
        /\bvacuous\b/.test(verdict),
        `${file}: "vacuous" in its verdict iff its pipeline never runs`,
      ).toBe(vacuous);
      const allHold = Object.values(expect_).every((status) => status === 'holds');
      expect(/every property holds/.test(verdict), `${file}: "every property holds" iff it passes`).toBe(
        allHold,
      );
    }
  });

  it('documents each design: which real system it stands for, its verdict, and the reference sections', () => {
    for (const { file, loaded } of topologies) {
      expect(loaded.topology.description, file).toMatch(/Verdict/);
      expect(loaded.topology.references.length, file).toBeGreaterThan(0);
      expect(`${loaded.topology.name}.yaml`).toBe(file);
    }
  });
});
