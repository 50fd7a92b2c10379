/**
 * A design whose parties or trust do not add up is bad input: `check` and `validate` exit 2,
 * naming file, line, column and field of each problem, and print no stack trace.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCaptured } from '../support/runCliInProcess.ts';

const DESIGN = 'topologies/dynamic-heap-trusted-ui-maps-any-buffer.yaml';

let file: string;
beforeAll(async () => {
  const text = await readFile(DESIGN, 'utf8');
  const broken = text
    .replace('    - name: trusted-ui\n', '    - name: host\n')
    .replace('    trusted: [hyp, secure-video]\n', '    trusted: [hyp, secure-video, vmm]\n');
  expect(broken).not.toBe(text);
  file = join(await mkdtemp(join(tmpdir(), 'protmem-trust-')), 'broken-trust.yaml');
  await writeFile(file, broken);
});

describe('a design with bad parties or trust', () => {
  for (const command of ['check', 'validate']) {
    it(`${command} exits 2 naming each problem's place, without a stack trace`, async () => {
      const run = await runCaptured([command, file]);
      expect(run.code).toBe(2);
      const output = run.stdout + run.stderr;
      expect(output).toContain(
        `${file}:38:13  secureWorld.apps[1].name  a secure app cannot take the name of the built-in party "host" (expected a name other than host, vmm or hyp, found "host")`,
      );
      expect(output).toContain(
        `${file}:72:34  streams[0].trusted[2]  "vmm" cannot be trusted with a stream: only the hypervisor and secure apps can (expected hyp or a secure app (secure-video or host), found "vmm")`,
      );
      expect(output).not.toMatch(/^\s+at /m);
      expect(output).not.toContain('internal error');
    });
  }
});
