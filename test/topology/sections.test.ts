/** Where each section of a topology starts, in YAML and JSON, for reports that point into the file. */
import { describe, expect, it } from 'vitest';
import { sectionPositions } from '../../src/topology/sections.ts';

describe('sectionPositions', () => {
  it('finds the key of each top-level section of a YAML file', () => {
    const text =
      '# a design\nname: demo\nstreams:\n  - name: movie\npipeline:\n  decrypt: secure\nflaws: [x]\n';
    expect(sectionPositions(text, 'demo.yaml')).toEqual({
      name: { line: 2, column: 1 },
      streams: { line: 3, column: 1 },
      pipeline: { line: 5, column: 1 },
      flaws: { line: 7, column: 1 },
    });
  });

  it('finds them in JSON, past a byte-order mark', () => {
    const text = '\ufeff{\n  "name": "demo",\n  "pipeline": {}\n}\n';
    expect(sectionPositions(text, 'demo.json')).toEqual({
      name: { line: 2, column: 3 },
      pipeline: { line: 3, column: 3 },
    });
  });

  it('gives nothing for a file that does not parse or is not a topology file', () => {
    expect(sectionPositions('name: [', 'demo.yaml')).toEqual({});
    expect(sectionPositions('name: demo', 'demo.txt')).toEqual({});
  });
});
