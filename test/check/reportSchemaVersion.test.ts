/** Reading a report back: one of this schemaVersion (or from before it existed) is read, another refused at its line. */
import { describe, expect, it } from 'vitest';
import { parseReport } from '../../src/check/reportFile.ts';
import { renderReportJson } from '../../src/render/json.ts';
import { formatTopologyIssue, TopologyError } from '../../src/topology/issues.ts';
import { VIOLATED } from '../support/reportFixtures.ts';

describe('report files and schemaVersion', () => {
  it('reads what --reporter json writes, and a report without a schemaVersion', () => {
    expect(parseReport(renderReportJson(VIOLATED, { version: '0.1.0' }), 'r.json')).toMatchObject(VIOLATED);
    expect(parseReport(JSON.stringify(VIOLATED), 'r.json')).toEqual(VIOLATED);
  });

  it('refuses another schemaVersion at its line', () => {
    const text = renderReportJson(VIOLATED, { version: '9.0.0' }).replace(
      '"schemaVersion": 1',
      '"schemaVersion": 2',
    );
    let error: unknown;
    try {
      parseReport(text, 'r.json');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TopologyError);
    expect((error as TopologyError).issues.map(formatTopologyIssue)).toEqual([
      'r.json:2:20  schemaVersion  not an allowed value (expected one of 1, found 2)',
    ]);
  });
});
