/**
 * Loading a topology: shape mistakes (wrong type, unknown key, missing field, bad choice, bad
 * name, out of range, empty list) and syntax errors, each reported with the file, line,
 * column, field path, what was expected and what was found; and all of them at once. Then the
 * edges: several YAML documents, line endings, keys that are not strings, files that are not
 * regular files or are too large, a `$schema` key, deep nesting and huge values.
 */

import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ZodError } from 'zod';
import { topologyDigest } from '../../src/check/replayToken.ts';
import { formatTopologyIssue } from '../../src/topology/issues.ts';
import {
  loadTopologyFile,
  MAX_TOPOLOGY_FILE_BYTES,
  parseTopology,
  TopologyError,
  type TopologyIssue,
} from '../../src/topology/load.ts';
import { topologyJsonSchema } from '../../src/topology/schema.ts';
import { MAX_NESTING_DEPTH } from '../../src/topology/source.ts';
import { positionOf } from '../support/topologyIssues.ts';

const FIXTURE = 'test/fixtures/tzasc-carveout.yaml';
const VALID = readFileSync(FIXTURE, 'utf8');

/** The fixture with `from` (which must occur once) replaced by `to`. */
function edit(from: string, to: string, text = VALID): string {
  expect(text.split(from)).toHaveLength(2);
  return text.replace(from, to);
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
      writeback: false,
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
      'one of the keys name, pages, type, knownBy, protection, tzasc, owner, sharedWithHost or donatedAt',
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
    const text = edit('  kind: none', '  kind: acrn');
    expect(onlyIssue(text)).toMatchObject({
      code: 'invalidValue',
      ...positionOf(text, 'acrn'),
      path: 'hypervisor.kind',
      expected: 'one of none, pkvm, xen, cca or gunyah',
      found: '"acrn"',
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
    expect(errorOf(edit('  kind: none', '  kind: acrn')).cause).toBeInstanceOf(ZodError);
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

describe('one YAML document per file', () => {
  it('refuses a second document, pointing at its start', () => {
    const text = `${VALID}---\nname: second\n`;
    expect(onlyIssue(text)).toEqual({
      code: 'multipleDocuments',
      file: 'topology.yaml',
      ...positionOf(text, '---'),
      path: '',
      expected: 'one YAML document',
      found: 'a second document',
      message: 'a topology file holds one YAML document',
    });
  });

  it('refuses a broken second document the same way', () => {
    const text = `${VALID}---\nname: [\n`;
    expect(onlyIssue(text)).toMatchObject({ code: 'multipleDocuments', ...positionOf(text, '---') });
  });

  it('refuses a document after an end marker, and counts every extra document', () => {
    const text = `${VALID}...\nname: second\n---\nname: third\n`;
    expect(onlyIssue(text)).toMatchObject({
      code: 'multipleDocuments',
      ...positionOf(text, 'name: second'),
      found: '3 documents',
    });
  });

  it('reads one document with explicit start and end markers', () => {
    expect(parseTopology(`---\n${VALID}...\n`, 'marked.yaml').topology.name).toBe('tzasc-carveout');
  });
});

describe('line endings', () => {
  const broken = edit('  tee: true', '  tee: "yes"');

  it('counts a lone carriage return as a line break, as editors do', () => {
    expect(onlyIssue(broken.replaceAll('\n', '\r'))).toMatchObject({
      code: 'invalidType',
      line: 10,
      column: 8,
      path: 'secureWorld.tee',
    });
    expect(parseTopology(VALID.replaceAll('\n', '\r'), 'cr.yaml').topology).toEqual(
      parseTopology(VALID, 'lf.yaml').topology,
    );
  });

  it('places problems alike with LF, CRLF, CR-only and mixed line endings', () => {
    const expected = onlyIssue(broken);
    const lines = broken.split('\n');
    const mixed = lines.map((line, index) => line + ['\n', '\r\n', '\r'][index % 3]).join('');
    for (const text of [broken.replaceAll('\n', '\r\n'), broken.replaceAll('\n', '\r'), mixed]) {
      expect(onlyIssue(text)).toEqual(expected);
    }
  });

  it('places a YAML syntax error in a CR-only file on its line', () => {
    const text = edit('    audience: [secure, vdec, dpu]', '    audience: [secure, vdec, dpu').replaceAll(
      '\n',
      '\r',
    );
    expect(onlyIssue(text)).toMatchObject({ code: 'syntaxError', line: 45, column: 1, found: '"pipeline:"' });
  });

  it('places a problem in a CR-only JSON file on its line', () => {
    const json = JSON.stringify({ ...parseYaml(VALID), colour: 'blue' }, null, 2);
    expect(onlyIssue(json.replaceAll('\n', '\r'), 'cr.json')).toMatchObject({
      code: 'unknownKey',
      ...positionOf(json, '"colour"'),
    });
  });
});

describe('keys that are not plain strings', () => {
  it('places a problem under a flow sequence used as a key', () => {
    const text = edit('check:\n', '? [a, b]\n: value\ncheck:\n');
    expect(onlyIssue(text)).toMatchObject({
      code: 'unknownKey',
      ...positionOf(text, '[a, b]'),
      path: '["[ a, b ]"]',
      found: '"[ a, b ]"',
    });
  });

  it('places a problem under a flow mapping used as a key', () => {
    const text = edit('check:\n', '{a: 1}: x\ncheck:\n');
    expect(onlyIssue(text)).toMatchObject({ ...positionOf(text, '{a: 1}'), path: '["{ a: 1 }"]' });
  });

  it('places a problem under an empty key and under an alias key', () => {
    let text = edit('check:\n', '~: x\ncheck:\n');
    text = edit('references: [A5, C]', 'references: &refs [A5, C]', text);
    text = edit('    pages: 4\n    type: nomap', '    pages: 4\n    *refs : 1\n    type: nomap', text);
    expect(errorOf(text).issues).toEqual([
      expect.objectContaining({ ...positionOf(text, '*refs :'), path: 'memory[1]["*refs"]' }),
      expect.objectContaining({ ...positionOf(text, '~: x'), path: '[""]' }),
    ]);
  });

  it('places a problem at a complex key inside a list entry', () => {
    const text = edit('    role: decoder', '    ? [x]\n    : { deep: 1 }\n    role: decoder');
    expect(onlyIssue(text)).toMatchObject({ ...positionOf(text, '[x]'), path: 'devices[0]["[ x ]"]' });
  });
});

describe('files that are not topology text', () => {
  async function loadError(path: string): Promise<TopologyError> {
    const error = await loadTopologyFile(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TopologyError);
    return error as TopologyError;
  }

  it.skipIf(process.platform === 'win32')('refuses a FIFO without opening it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'protmem-fifo-'));
    const fifo = join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    const pending = loadError(fifo);
    // Should the loader open the FIFO, give it an end of file so the test fails instead of hanging.
    const unblock = setTimeout(() => {
      try {
        closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {}
    }, 2_000);
    const error = await pending;
    clearTimeout(unblock);
    expect(error.issues).toEqual([
      {
        code: 'unreadableFile',
        file: fifo,
        line: 1,
        column: 1,
        path: '',
        expected: 'a regular file',
        found: 'not a regular file (a FIFO)',
        message: 'cannot read the file',
      },
    ]);
  });

  it('refuses a directory named like a topology file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'protmem-dir-'));
    const folder = join(dir, 'folder.yaml');
    await mkdir(folder);
    expect((await loadError(folder)).issues[0]).toMatchObject({
      code: 'unreadableFile',
      found: 'not a regular file (a directory)',
    });
  });

  it(`refuses a file over ${MAX_TOPOLOGY_FILE_BYTES} bytes without reading it`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'protmem-big-'));
    const big = join(dir, 'big.yaml');
    await writeFile(big, `${VALID}${'#'.repeat(MAX_TOPOLOGY_FILE_BYTES)}\n`);
    expect((await loadError(big)).issues).toEqual([
      {
        code: 'fileTooLarge',
        file: big,
        line: 1,
        column: 1,
        path: '',
        expected: `a file of at most ${MAX_TOPOLOGY_FILE_BYTES} bytes`,
        found: `${Buffer.byteLength(VALID) + MAX_TOPOLOGY_FILE_BYTES + 1} bytes`,
        message: 'the file is too large for a topology',
      },
    ]);
    const limit = join(dir, 'limit.yaml');
    await writeFile(limit, `${VALID}${'#'.repeat(MAX_TOPOLOGY_FILE_BYTES - Buffer.byteLength(VALID) - 1)}\n`);
    expect((await loadTopologyFile(limit)).topology.name).toBe('tzasc-carveout');
  });
});

describe('a $schema key for editors', () => {
  const plain = parseTopology(VALID, 'plain.yaml').topology;

  it('is accepted at the top of a YAML topology and left out of the result', () => {
    const loaded = parseTopology(`$schema: ./topology.schema.json\n${VALID}`, 'with-schema.yaml');
    expect(loaded.topology).toEqual(plain);
    expect(Object.keys(loaded.topology)).not.toContain('$schema');
    expect(topologyDigest(loaded.topology)).toBe(topologyDigest(plain));
  });

  it('is accepted at the top of a JSON topology and left out of the result', () => {
    const json = JSON.stringify({ $schema: 'https://example.org/topology.json', ...parseYaml(VALID) });
    const loaded = parseTopology(json, 'with-schema.json');
    expect(loaded.topology).toEqual(plain);
    expect(topologyDigest(loaded.topology)).toBe(topologyDigest(plain));
  });

  it('must be a string, and only at the top', () => {
    const text = `$schema: 5\n${VALID}`;
    expect(onlyIssue(text)).toMatchObject({ code: 'invalidType', path: '$schema', expected: 'a string' });
    const nested = edit('  tee: true', '  tee: true\n  $schema: x');
    expect(onlyIssue(nested)).toMatchObject({ code: 'unknownKey', path: 'secureWorld.$schema' });
  });

  it('is in the JSON Schema that `protmem schema` prints, which has an $id', () => {
    const schema = topologyJsonSchema() as { $id?: string; properties: Record<string, unknown> };
    expect(schema.properties.$schema).toMatchObject({ type: 'string' });
    expect(schema.$id).toMatch(/^[a-z][a-z0-9+.-]*:/);
  });
});

describe('deep nesting', () => {
  const tooDeep = {
    code: 'nestingTooDeep',
    expected: `at most ${MAX_NESTING_DEPTH} levels of nesting`,
    message: `nesting deeper than ${MAX_NESTING_DEPTH} levels`,
  };

  it('is refused in JSON at the first level too many', () => {
    expect(onlyIssue('['.repeat(100_000), 'deep.json')).toMatchObject({
      ...tooDeep,
      line: 1,
      column: MAX_NESTING_DEPTH + 1,
    });
  });

  it('is refused in YAML flow collections at the first level too many', () => {
    for (const opener of ['[', '{a: ']) {
      expect(onlyIssue(opener.repeat(100_000))).toMatchObject({
        ...tooDeep,
        path: '',
        line: 1,
        column: opener.length * MAX_NESTING_DEPTH + 1,
      });
    }
    const closed = `${'['.repeat(1_000)}${']'.repeat(1_000)}`;
    expect(onlyIssue(`references: ${closed}\n`)).toMatchObject({ ...tooDeep, line: 1 });
  });

  it('is refused in YAML block collections', () => {
    expect(onlyIssue(`${'- '.repeat(100_000)}x\n`)).toMatchObject({
      ...tooDeep,
      line: 1,
      column: 2 * MAX_NESTING_DEPTH + 1,
    });
    const mappings = Array.from({ length: 1_000 }, (_, depth) => `${' '.repeat(depth)}a:\n`).join('');
    expect(onlyIssue(mappings)).toMatchObject({
      ...tooDeep,
      line: MAX_NESTING_DEPTH + 1,
      column: MAX_NESTING_DEPTH + 1,
    });
    const sequencesOfMappings = Array.from(
      { length: 1_000 },
      (_, depth) => `${'  '.repeat(depth)}- a:\n`,
    ).join('');
    expect(onlyIssue(`list:\n${sequencesOfMappings}`).code).toBe('nestingTooDeep');
  });

  it('is allowed up to the limit', () => {
    // The top-level mapping and the references list are two of the levels.
    const deep = `${'['.repeat(MAX_NESTING_DEPTH - 2)}${']'.repeat(MAX_NESTING_DEPTH - 2)}`;
    const yaml = edit('references: [A5, C]', `references: [${deep}]`);
    expect(onlyIssue(yaml)).toMatchObject({ code: 'invalidType', path: 'references[0]' });
    const json = JSON.stringify({ ...parseYaml(VALID), references: JSON.parse(`[${deep}]`) });
    expect(onlyIssue(json, 'deep.json')).toMatchObject({ code: 'invalidType', path: 'references[0]' });
  });
});

describe('huge values', () => {
  const HUGE = 2_000_000;

  function expectBounded(error: TopologyError): void {
    expect(error.message.length).toBeLessThan(1024);
    for (const issue of error.issues) expect(formatTopologyIssue(issue).length).toBeLessThan(1024);
  }

  it('a 2 MB name is quoted by its start', () => {
    const error = errorOf(edit('name: tzasc-carveout', `name: A${'a'.repeat(HUGE)}`));
    expectBounded(error);
    expect(error.issues[0]).toMatchObject({ code: 'invalidFormat', found: `"A${'a'.repeat(39)}..."` });
  });

  it('a 2 MB reference gets no suggestion', () => {
    const error = errorOf(edit('    heap: system', `    heap: system${'s'.repeat(HUGE)}`));
    expectBounded(error);
    expect(error.issues[0]).toMatchObject({ code: 'unknownReference', path: 'buffers[0].heap' });
    expect(error.issues[0]!.message).toBe(`unknown heap "system${'s'.repeat(34)}..."`);
  });

  it('a 2 MB key is quoted and its path shortened', () => {
    const key = `name${'x'.repeat(HUGE)}`;
    for (const [text, file] of [
      [edit('check:\n', `? ${key}\n: 1\ncheck:\n`), 'huge.yaml'],
      [JSON.stringify({ ...parseYaml(VALID), [key]: 1 }), 'huge.json'],
    ] as const) {
      const error = errorOf(text, file);
      expectBounded(error);
      expect(error.issues[0]).toMatchObject({ code: 'unknownKey', message: 'unknown key' });
      expect(error.issues[0]!.path.length).toBeLessThanOrEqual(120);
    }
  });

  it('a 2 MB duplicate key is quoted by its start', () => {
    const key = 'k'.repeat(HUGE);
    expectBounded(errorOf(`? ${key}\n: 1\n? ${key}\n: 2\n`));
    expectBounded(errorOf(`{"${key}": 1, "${key}": 2}`, 'dup.json'));
  });

  it('a 2 MB alias, tag, implicit key or stray scalar is quoted by its start', () => {
    expectBounded(errorOf(`name: *${'y'.repeat(HUGE)}\n`));
    expectBounded(errorOf(`name: !${'t'.repeat(HUGE)} x\n`));
    expectBounded(errorOf(`${'b'.repeat(HUGE)}: 1\n`));
    expectBounded(errorOf(`a: 1\n${'b'.repeat(HUGE)}\n`));
  });

  it('a 2 MB file extension is quoted by its start', () => {
    const { found } = onlyIssue(VALID, `topology.${'x'.repeat(HUGE)}`);
    expect(found).toBe(`".${'x'.repeat(39)}..."`);
  });
});
