/**
 * Where the bundled reference designs are: `topologies/` in protmem's own folder, in a checkout
 * or an installed package (also resolvable as `protmem/topologies/<file>`).
 */
import { join } from 'node:path';
import { packageRoot } from '../packageRoot.ts';

/** The path of the bundled catalog folder, or of one design in it. */
export function catalogPath(file?: string): string {
  const dir = join(packageRoot(), 'topologies');
  return file === undefined ? dir : join(dir, file);
}
