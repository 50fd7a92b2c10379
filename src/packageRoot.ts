/**
 * protmem's own folder, where its package.json and topologies/ are: one folder above this
 * module in a checkout (`src/`), two in an installed package (`dist/src/`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(): string {
  for (const up of ['..', '../..']) {
    const dir = fileURLToPath(new URL(`${up}/`, import.meta.url));
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'protmem'
    ) {
      return dir;
    }
  }
  throw new Error("protmem's package.json was not found beside its sources");
}

/** The version in protmem's package.json. */
export function protmemVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string })
    .version;
}
