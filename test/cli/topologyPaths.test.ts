/** Which files a command reads when given files and folders: topology files, manifest left out. */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/options.ts';
import { isTopologyFileName, topologyFiles } from '../../src/cli/topologyPaths.ts';

describe('topologyFiles', () => {
  it('expands a folder to its .yaml, .yml and .json files, sorted, without the manifest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'protmem-paths-'));
    for (const name of ['b.json', 'a.yaml', 'c.yml', 'manifest.yaml', 'notes.txt']) {
      await writeFile(join(dir, name), '');
    }
    await mkdir(join(dir, 'nested.yaml'));
    expect(await topologyFiles([dir, 'x.yaml'])).toEqual([
      join(dir, 'a.yaml'),
      join(dir, 'b.json'),
      join(dir, 'c.yml'),
      'x.yaml',
    ]);
  });

  it('refuses a missing folder and a folder without topologies', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'protmem-paths-'));
    await expect(topologyFiles([join(dir, 'topologies')])).rejects.toThrow(UsageError);
    await expect(topologyFiles([dir])).rejects.toThrow(/holds no topology files/);
  });

  it('names topology files by extension, whatever the case, never the manifest', () => {
    expect(
      ['a.YAML', 'b.yml', 'c.json', 'manifest.yml', 'Manifest.json', 'd.txt'].map(isTopologyFileName),
    ).toEqual([true, true, true, false, false, false]);
  });
});
