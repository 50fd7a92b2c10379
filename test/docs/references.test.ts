/**
 * Every `docs/model.md#section` that the code, the schema's descriptions, the catalog and the
 * README point at names a section that exists, and the JSON Schema shipped for editors is the one
 * `protmem schema` prints, with a description on every section and field.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { topologyJsonSchema } from '../../src/topology/schema.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}

function filesUnder(dir: string, ext: RegExp): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return filesUnder(path, ext);
    return ext.test(name) ? [path] : [];
  });
}

const ANCHORS = new Set(
  readFileSync(join(ROOT, 'docs', 'model.md'), 'utf8')
    .split('\n')
    .flatMap((line) => (/^#{1,4} /.test(line) ? [anchorOf(line.replace(/^#+ /, ''))] : [])),
);

function references(text: string): string[] {
  return [...text.matchAll(/docs\/model\.md#([a-z0-9-]+)/g)].map((match) => match[1]!);
}

describe('references into docs/model.md', () => {
  const sources = [
    ...filesUnder('src', /\.ts$/),
    ...filesUnder('machines', /\.ts$/),
    ...filesUnder('properties', /\.ts$/),
    ...filesUnder('topologies', /\.yaml$/),
    'README.md',
  ].map((file) => [file, readFileSync(join(ROOT, file), 'utf8')] as const);

  it('are found in the sources', () => {
    expect(sources.flatMap(([, text]) => references(text)).length).toBeGreaterThan(50);
  });

  it('name sections that exist', () => {
    const texts = [...sources, ['the JSON Schema', JSON.stringify(topologyJsonSchema())] as const];
    const broken = texts.flatMap(([file, text]) =>
      references(text)
        .filter((anchor) => !ANCHORS.has(anchor))
        .map((anchor) => `${file}: docs/model.md#${anchor}`),
    );
    expect(broken).toEqual([]);
  });
});

describe('the JSON Schema for editors', () => {
  const schema = topologyJsonSchema();

  it('ships as topology.schema.json, the same as `protmem schema` prints', () => {
    const shipped = JSON.parse(readFileSync(join(ROOT, 'topology.schema.json'), 'utf8'));
    expect(shipped).toEqual(schema);
  });

  it('describes every section and field', () => {
    const undescribed: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (node === null || typeof node !== 'object') return;
      const object = node as Record<string, unknown>;
      for (const [key, child] of Object.entries((object.properties ?? {}) as Record<string, unknown>)) {
        const described = (value: unknown): boolean =>
          typeof value === 'object' &&
          value !== null &&
          (typeof (value as { description?: unknown }).description === 'string' ||
            ((value as { anyOf?: unknown[] }).anyOf ?? []).some(described));
        if (!described(child)) undescribed.push(`${path}${key}`);
        walk(child, `${path}${key}.`);
      }
      if (object.items) walk(object.items, path.replace(/\.$/, '[].'));
      for (const list of [object.anyOf, object.oneOf, object.allOf])
        if (Array.isArray(list)) for (const child of list) walk(child, path);
    };
    walk(schema, '');
    expect(undescribed).toEqual([]);
  });
});
