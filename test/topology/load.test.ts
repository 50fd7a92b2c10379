/**
 * Loading a topology: shape mistakes (wrong type, unknown key, missing field, bad choice, bad
 * name, out of range, empty list) and syntax errors, each reported with the file, line,
 * column, field path, what was expected and what was found; and all of them at once.
 */

import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ZodError } from 'zod';
import { formatTopologyIssue } from '../../src/topology/issues.ts';
import {
  loadTopologyFile,
  parseTopology,
  TopologyError,
  type TopologyIssue,
} from '../../src/topology/load.ts';

const FIXTURE = 'test/fixtures/tzasc-carveout.yaml';
const VALID = readFileSync(FIXTURE, 'utf8');

/** The fixture with `from` (which must occur once) replaced by `to`. */
function edit(from: string, to: string, text = VALID): string {
  expect(text.split(from)).toHaveLength(2);
  return text.replace(from, to);
}

/** 1-based line and column of `marker`'s first occurrence (after `after`, if given). */
function positionOf(text: string, marker: string, after = ''): { line: number; column: number } {
  const offset = text.indexOf(marker, text.indexOf(after));
  expect(offset).toBeGreaterThanOrEqual(0);
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}

function errorOf(text: string, file = 'topology.yaml'): TopologyError {
  try {
    parseTopology(text, file);
  } catch (error) {
    if (error instanceof TopologyError) return error;
    throw error;
  }
  throw new Error('expected a TopologyError');
}

function onlyIssue(text: string, file = 'topology.yaml'): TopologyIssue {
  const { issues } = errorOf(text, file);
  expect(issues).toHaveLength(1);
  return issues[0]!;
}

describe('parseTopology on a valid topology', () => {
  it('returns the schema output with defaults and the source text', () => {
    const loaded = parseTopology(VALID, 'carveout.yaml');
    expect(loaded.file).toBe('carveout.yaml');
    expect(loaded.source).toBe(VALID);
    expect(loaded.topology.name).toBe('tzasc-carveout');
    expect(loaded.topology.devices[0]).toEqual({
      name: 'vdec',
      role: 'decoder',
      controlledBy: 'host',
      iommu: 'bypass',
      secureMaster: false,
      secureInImpliesSecureOut: true,
    });
    expect(loaded.topology.check).toEqual({
      mode: 'exhaustive',
      maxDepth: 8,
      maxStates: 200_000,
      runs: 10_000,
    });
  });

  it('reads the same topology written as JSON, and a .yml file', () => {
    const json = JSON.stringify(parseYaml(VALID), null, 2);
    expect(parseTopology(json, 'carveout.json').topology).toEqual(parseTopology(VALID, 'x.yaml').topology);
    expect(parseTopology(VALID, 'carveout.yml').topology.name).toBe('tzasc-carveout');
  });

  it('ignores a byte-order mark', () => {
    expect(parseTopology(`\uFEFF${VALID}`, 'bom.yaml').topology.name).toBe('tzasc-carveout');
  });

  it('loads a file from disk', async () => {
    const loaded = await loadTopologyFile(FIXTURE);
    expect(loaded.file).toBe(FIXTURE);
    expect(loaded.topology.pipeline.display.by).toBe('dpu');
  });
});

describe('shape mistakes', () => {
  it('a wrong type names the type expected and the value found', () => {
    const text = edit('  tee: true', '  tee: "yes"');
    expect(onlyIssue(text)).toEqual({
      code: 'invalidType',
      file: 'topology.yaml',
      ...positionOf(text, '"yes"'),
      path: 'secureWorld.tee',
      expected: 'true or false',
      found: '"yes"',
      message: 'wrong type',
    });
    expect(positionOf(text, '"yes"')).toEqual({ line: 10, column: 8 });
  });

  it('an unknown key points at the key and suggests the closest one', () => {
    const text = edit('    type: nomap', '    typ: nomap');
    const issue = onlyIssue(text);
    expect(issue).toMatchObject({
      code: 'unknownKey',
      ...positionOf(text, 'typ:'),
      path: 'memory[1].typ',
      found: '"typ"',
      message: 'unknown key; did you mean "type"?',
    });
    expect(issue.expected).toBe(
      'one of the keys name, pages, type, knownBy, protection, tzasc, owner or sharedWithHost',
    );
  });

  it('a missing field points at its mapping and says what belongs there', () => {
    const text = edit('  - name: dpu\n    role: display\n', '  - name: dpu\n');
    expect(onlyIssue(text)).toMatchObject({
      code: 'missingField',
      ...positionOf(text, 'name: dpu'),
      path: 'devices[1].role',
      expected: 'one of decoder, display, gpu or dma',
      found: 'nothing',
      message: 'missing required field "role"',
    });
  });

  it('a missing top-level section is reported at the top of the document', () => {
    const text = edit(VALID.slice(VALID.indexOf('pipeline:'), VALID.indexOf('check:')), '');
    expect(onlyIssue(text)).toMatchObject({
      code: 'missingField',
      line: 2,
      column: 1,
      path: 'pipeline',
      expected: 'a mapping',
      message: 'missing required field "pipeline"',
    });
  });

  it('a value outside its choices lists them and suggests the closest', () => {
    const text = edit('    protection: tzasc', '    protection: tzsac');
    expect(onlyIssue(text)).toMatchObject({
      code: 'invalidValue',
      ...positionOf(text, 'tzsac'),
      path: 'memory[1].protection',
      expected: 'one of none or tzasc',
      found: '"tzsac"',
      message: 'not an allowed value; did you mean "tzasc"?',
    });
  });

  it('an unknown hypervisor kind lists the kinds', () => {
    const text = edit('  kind: none', '  kind: xen');
    expect(onlyIssue(text)).toMatchObject({
      code: 'invalidValue',
      ...positionOf(text, 'xen'),
      path: 'hypervisor.kind',
      expected: 'one of none or pkvm',
      found: '"xen"',
      message: 'not an allowed value',
    });
  });

  it('a badly formed name says what a name is', () => {
    const text = edit('  - name: vdec', '  - name: Video_Decoder');
    expect(onlyIssue(text)).toMatchObject({
      code: 'invalidFormat',
      ...positionOf(text, 'Video_Decoder'),
      path: 'devices[0].name',
      expected: 'a name of lower-case letters, digits and dashes, starting with a letter',
      found: '"Video_Decoder"',
      message: 'not a valid name',
    });
  });

  it('a number out of range gives the bound', () => {
    const text = edit('    pages: 2', '    pages: 5');
    expect(onlyIssue(text)).toMatchObject({
      code: 'outOfRange',
      ...positionOf(text, '5', 'frame'),
      path: 'buffers[2].pages',
      expected: 'at most 4',
      found: '5',
      message: 'too large',
    });
  });

  it('a fraction where an integer belongs is a wrong type', () => {
    const text = edit('  maxDepth: 8', '  maxDepth: 2.5');
    expect(onlyIssue(text)).toMatchObject({
      path: 'check.maxDepth',
      expected: 'an integer',
      found: '2.5',
      message: 'wrong type',
    });
  });

  it('an empty list where one entry is needed says so', () => {
    const text = edit('    audience: [secure, vdec, dpu]', '    audience: []');
    expect(onlyIssue(text)).toMatchObject({
      code: 'tooFew',
      ...positionOf(text, '[]'),
      path: 'streams[0].audience',
      expected: 'at least 1 entry',
      found: 'an empty list',
      message: 'must not be empty',
    });
  });

  it('an empty document is no topology', () => {
    expect(onlyIssue('# nothing yet\n')).toMatchObject({
      line: 1,
      column: 1,
      path: '',
      expected: 'a mapping',
      found: 'an empty document',
    });
  });

  it('keeps the schema error as the cause', () => {
    expect(errorOf(edit('  kind: none', '  kind: xen')).cause).toBeInstanceOf(ZodError);
  });

  it('positions issues in JSON files too', () => {
    const json = JSON.stringify({ ...parseYaml(VALID), colour: 'blue' }, null, 2);
    expect(onlyIssue(json, 'carveout.json')).toMatchObject({
      code: 'unknownKey',
      file: 'carveout.json',
      ...positionOf(json, '"colour"'),
      path: 'colour',
    });
  });
});

describe('all problems at once', () => {
  it('reports every shape mistake of a document, in source order', () => {
    let text = edit('name: tzasc-carveout', 'name: TZASC');
    text = edit('  tee: true', '  tee: 1', text);
    text = edit('    pages: 4\n    type: nomap', '    pages: 12\n    type: nomap', text);
    text = edit('    role: decoder', '    role: decodr', text);
    text = edit('  display: { by: dpu }', '  display: { by: dpu, when: always }', text);
    const error = errorOf(text, 'broken.yaml');
    expect(error.code).toBe('BAD_TOPOLOGY');
    expect(error.issues.map(formatTopologyIssue)).toEqual([
      'broken.yaml:2:7  name  not a valid name (expected a name of lower-case letters, digits and dashes, starting with a letter, found "TZASC")',
      'broken.yaml:10:8  secureWorld.tee  wrong type (expected true or false, found 1)',
      'broken.yaml:15:12  memory[1].pages  too large (expected at most 8, found 12)',
      'broken.yaml:39:11  devices[0].role  not an allowed value; did you mean "decoder"? (expected one of decoder, display, gpu or dma, found "decodr")',
      'broken.yaml:50:23  pipeline.display.when  unknown key (expected one of the keys by, found "when")',
    ]);
    expect(error.message).toBe(
      `broken.yaml: 5 problems\n${error.issues.map(formatTopologyIssue).join('\n')}`,
    );
  });
});

describe('syntax errors', () => {
  it('a YAML syntax error gives its line, and stops before the schema', () => {
    const text = edit('    audience: [secure, vdec, dpu]', '    audience: [secure, vdec, dpu');
    const error = errorOf(text);
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatchObject({
      code: 'syntaxError',
      line: 45,
      column: 1,
      expected: 'valid YAML',
      found: '"pipeline:"',
    });
    expect(error.issues[0]!.message).toMatch(/^YAML syntax error: flow sequence in block collection must be/);
    expect(error.cause).toBeInstanceOf(YAMLParseError);
  });

  it('a duplicate YAML key points at the second one', () => {
    const text = edit('    pages: 2\n', '    pages: 2\n    pages: 3\n');
    expect(onlyIssue(text)).toMatchObject({
      code: 'duplicateKey',
      ...positionOf(text, 'pages: 3'),
      path: 'buffers[2].pages',
      expected: 'each key once in a mapping',
      found: '"pages" a second time',
      message: 'duplicate key',
    });
  });

  it('a JSON syntax error gives its line and column and what was expected', () => {
    const text = '{\n  "name": "x",\n  "memory": [\n    {"name": "dram" "pages": 1}\n  ]\n}\n';
    expect(onlyIssue(text, 'broken.json')).toEqual({
      code: 'syntaxError',
      file: 'broken.json',
      line: 4,
      column: 21,
      path: 'memory[0]',
      expected: '"," or "}"',
      found: '"\\""',
      message: 'JSON syntax error',
    });
  });

  it('a duplicate JSON key points at the second one', () => {
    const json = JSON.stringify(parseYaml(VALID), null, 2).replace(
      '"name": "tzasc-carveout",',
      '"name": "a",\n  "name": "b",',
    );
    expect(onlyIssue(json, 'dup.json')).toMatchObject({
      code: 'duplicateKey',
      line: 3,
      column: 3,
      path: 'name',
    });
  });
});

describe('files', () => {
  it('refuses a file name with another extension', () => {
    expect(onlyIssue(VALID, 'topology.txt')).toEqual({
      code: 'unsupportedFileType',
      file: 'topology.txt',
      line: 1,
      column: 1,
      path: '',
      expected: 'a name ending in .yaml, .yml or .json',
      found: '".txt"',
      message: 'not a topology file name',
    });
  });

  it('reports a missing file as a topology problem, keeping the system error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'protmem-load-'));
    const error = await loadTopologyFile(join(dir, 'absent.yaml')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TopologyError);
    expect((error as TopologyError).issues[0]).toMatchObject({
      code: 'unreadableFile',
      found: 'no such file',
    });
    expect(((error as TopologyError).cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    await writeFile(join(dir, 'present.yaml'), 'name: [');
    await expect(loadTopologyFile(join(dir, 'present.yaml'))).rejects.toThrow(TopologyError);
  });
});
