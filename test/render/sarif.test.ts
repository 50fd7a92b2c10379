/**
 * The SARIF reporter on fixed reports: the fields SARIF 2.1.0 requires, one rule per property
 * with its summary, one result per property that does not hold (and per design that does not
 * boot), each located in its topology file at the section it concerns.
 */
import { describe, expect, it } from 'vitest';
import { artifactLocation, renderSarif } from '../../src/render/sarif.ts';
import { PASSING, UNBOOTABLE, VIOLATED } from '../support/reportFixtures.ts';

type Json = Record<string, unknown>;

const SECTIONS = {
  streams: { line: 30, column: 1 },
  pipeline: { line: 34, column: 1 },
  memory: { line: 8, column: 1 },
};

/** Throws unless `log` has what SARIF 2.1.0 requires of a log, run, tool, rule and result. */
function expectSarifShape(log: Json): void {
  expect(log.version).toBe('2.1.0');
  expect(log.$schema).toMatch(/sarif-2\.1\.0/);
  const runs = log.runs as Json[];
  expect(runs.length).toBeGreaterThan(0);
  for (const run of runs) {
    const driver = (run.tool as Json).driver as Json;
    expect(typeof driver.name).toBe('string');
    const rules = driver.rules as Json[];
    const ids = rules.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of rules) {
      expect(typeof rule.id).toBe('string');
      expect(typeof (rule.shortDescription as Json).text).toBe('string');
    }
    for (const result of run.results as Json[]) {
      expect(typeof (result.message as Json).text).toBe('string');
      expect(['none', 'note', 'warning', 'error']).toContain(result.level);
      expect(rules[result.ruleIndex as number]!.id).toBe(result.ruleId);
      for (const location of result.locations as Json[]) {
        const physical = location.physicalLocation as Json;
        expect(typeof (physical.artifactLocation as Json).uri).toBe('string');
        const region = physical.region as Json | undefined;
        if (region) expect(region.startLine as number).toBeGreaterThanOrEqual(1);
      }
    }
  }
}

describe('renderSarif', () => {
  it('has the shape SARIF 2.1.0 requires, with the driver version given', () => {
    const log = JSON.parse(
      renderSarif([{ report: VIOLATED, sections: SECTIONS }, { report: PASSING }], { version: '1.2.3' }),
    );
    expectSarifShape(log);
    expect(log.runs[0].tool.driver).toMatchObject({ name: 'protmem', version: '1.2.3' });
  });

  it('gives each property a rule described by its summary, and one result per property that does not hold', () => {
    const log = JSON.parse(renderSarif([{ report: VIOLATED, sections: SECTIONS }], { version: '1.2.3' }));
    const run = log.runs[0];
    expect(
      run.tool.driver.rules.map((rule: Json) => [rule.id, (rule.shortDescription as Json).text]),
    ).toEqual(VIOLATED.properties.map((property) => [property.name, property.summary]));
    expect(run.results.map((result: Json) => [result.ruleId, result.level])).toEqual([
      ['plaintextNeverReachesUntrusted', 'error'],
      ['pipelineReachable', 'warning'],
    ]);
    expect(run.results[0].message.text).toContain('--replay pm1.eyJ0IjoibGVuZCJ9');
  });

  it('points a safety result at the streams, a reachability one at the pipeline, a boot refusal at the memory', () => {
    const log = JSON.parse(
      renderSarif(
        [
          { report: VIOLATED, sections: SECTIONS },
          { report: UNBOOTABLE, sections: SECTIONS },
        ],
        { version: '0' },
      ),
    );
    const where = log.runs[0].results.map((result: Json) => {
      const [location] = result.locations as Json[];
      const physical = location!.physicalLocation as Json;
      return [result.ruleId, (physical.artifactLocation as Json).uri, physical.region];
    });
    expect(where).toEqual([
      [
        'plaintextNeverReachesUntrusted',
        'topologies/lend%20&%20share.yaml',
        { startLine: 30, startColumn: 1 },
      ],
      ['pipelineReachable', 'topologies/lend%20&%20share.yaml', { startLine: 34, startColumn: 1 }],
      ['designBoots', 'topologies/nomap.yaml', { startLine: 8, startColumn: 1 }],
    ]);
  });

  it('points at the flaws when the design switches some on, and at the file alone without sections', () => {
    const flawed = { ...SECTIONS, flaws: { line: 40, column: 1 } };
    const [withFlaws] = JSON.parse(renderSarif([{ report: VIOLATED, sections: flawed }], { version: '0' }))
      .runs[0].results;
    expect(withFlaws.locations[0].physicalLocation.region).toEqual({ startLine: 40, startColumn: 1 });
    expect(withFlaws.locations[0].logicalLocations).toEqual([{ name: 'flaws', kind: 'member' }]);
    const [bare] = JSON.parse(renderSarif([{ report: VIOLATED }], { version: '0' })).runs[0].results;
    expect(bare.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'topologies/lend%20&%20share.yaml', uriBaseId: '%SRCROOT%' },
    });
  });

  it('has no results for designs where everything holds, and is the same for the same reports', () => {
    const once = renderSarif([{ report: PASSING }], { version: '0', timing: false });
    expect(JSON.parse(once).runs[0].results).toEqual([]);
    expect(renderSarif([{ report: PASSING }], { version: '0', timing: false })).toBe(once);
  });
});

describe('artifactLocation', () => {
  it('keeps relative paths relative to the source root and makes absolute ones file URIs', () => {
    expect(artifactLocation('./a b.yaml')).toEqual({ uri: 'a%20b.yaml', uriBaseId: '%SRCROOT%' });
    expect(artifactLocation('/tmp/x.yaml')).toEqual({ uri: 'file:///tmp/x.yaml' });
    expect(artifactLocation('C:\\d\\x.yaml')).toEqual({ uri: 'file:///C:/d/x.yaml' });
  });
});
