/**
 * The topology files named on a command line: files as given, folders as every `.yaml`,
 * `.yml` and `.json` file directly in them (sorted, the catalog's `manifest` left out).
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { type LoadedTopology, loadTopologyFile, TopologyError } from '../topology/load.ts';
import { UsageError } from './options.ts';

const TOPOLOGY_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** True iff a file in a folder is a topology: the right extension and not the manifest. */
export function isTopologyFileName(name: string): boolean {
  const extension = extname(name).toLowerCase();
  return TOPOLOGY_EXTENSIONS.has(extension) && basename(name, extname(name)).toLowerCase() !== 'manifest';
}

/**
 * Expands folders. A missing path named like a topology file is kept, so that loading it
 * reports it with the other problems; any other missing path is a usage error.
 */
export async function topologyFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (info === undefined && !isTopologyFileName(path)) {
      throw new UsageError(`no such file or folder: ${path}`);
    }
    if (!info?.isDirectory()) {
      files.push(path);
      continue;
    }
    const names = (await readdir(path, { withFileTypes: true }))
      .filter((entry) => entry.isFile() && isTopologyFileName(entry.name))
      .map((entry) => entry.name)
      .sort();
    if (names.length === 0)
      throw new UsageError(`folder ${path} holds no topology files (.yaml, .yml, .json)`);
    files.push(...names.map((name) => join(path, name)));
  }
  return files;
}

/** Loads every file; the problems of all the files that fail, or the loaded topologies. */
export async function loadTopologies(
  files: readonly string[],
): Promise<{ loaded: LoadedTopology[]; errors: TopologyError[] }> {
  const loaded: LoadedTopology[] = [];
  const errors: TopologyError[] = [];
  for (const file of files) {
    try {
      loaded.push(await loadTopologyFile(file));
    } catch (error) {
      if (!(error instanceof TopologyError)) throw error;
      errors.push(error);
    }
  }
  return { loaded, errors };
}
