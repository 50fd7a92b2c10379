/**
 * Where the bundled reference designs are: `topologies/` beside the sources in a checkout, or
 * beside `dist/` in an installed package (also importable as `protmem/topologies/<file>`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The path of the bundled catalog folder, or of one design in it. */
export function catalogPath(file?: string): string {
  for (const up of ['../../topologies', '../../../topologies']) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(join(dir, 'manifest.yaml'))) return file === undefined ? dir : join(dir, file);
  }
  throw new Error("protmem's topologies/ folder was not found beside its sources");
}
