/**
 * `npx tsx test/support/recordGuardCitations.ts`: rewrites `src/check/guardCitations.ts` from the
 * guards' doc comments in `machines/`, formatted as the linter wants it (run it after changing a
 * guard or its comment).
 */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { CITATIONS_FILE, guardCitationModule } from './guardCitationTable.ts';

await writeFile(CITATIONS_FILE, await guardCitationModule());
execFileSync('npx', ['biome', 'format', '--write', CITATIONS_FILE], { stdio: 'inherit' });
