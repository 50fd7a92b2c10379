/**
 * The checks of MMIO ranges, fault-time donation and the host's post-boot calls: one test per
 * rule, each asserting the issue's code, where it points (line and column), what was expected
 * and what was found; and the CLI's exit code 2 for such a file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCaptured } from '../support/runCliInProcess.ts';
import { edit, issuesOf, onlyIssue, positionOf } from '../support/topologyIssues.ts';

/** A pVM decrypts into its own memory; the host keeps a region of its own and a DMA engine. */
const DESIGN = `name: host-calls
description: A protected VM decrypts into memory the host donates on its fault.
hypervisor:
  kind: pkvm
  kernel: android
  iommu: dmaDomains
  hostCalls: [iommuMap, donateHyp]
secureWorld:
  tee: false
vms:
  - name: decrypt
    protected: true
  - name: player
    protected: false
memory:
  - name: guest-ram
    pages: 2
    owner: decrypt
    donatedAt: fault
  - name: regs
    pages: 1
    type: mmio
  - name: dram
    pages: 1
heaps:
  - name: system
    kind: system
    region: dram
buffers:
  - name: ciphertext
    region: guest-ram
    allocatedBy: decrypt
  - name: frame
    region: guest-ram
    allocatedBy: decrypt
devices:
  - name: dpu
    role: display
    iommu: domain
streams:
  - name: movie
    audience: [decrypt, dpu]
pipeline:
  stream: movie
  input: ciphertext
  decrypt: { by: decrypt, output: frame }
  display: { by: dpu }
`;

describe('the example design', () => {
  it('is valid: an MMIO range, a region donated on fault, and host calls', () => {
    expect(issuesOf(DESIGN)).toEqual([]);
  });
});

describe('MMIO ranges', () => {
  it('hold no heap', () => {
    const text = edit(DESIGN, '    region: dram', '    region: regs');
    expect(onlyIssue(text)).toEqual({
      code: 'incompatible',
      file: 't.yaml',
      ...positionOf(text, 'regs', 'kind: system'),
      path: 'heaps[0].region',
      expected: 'a region of type memory or nomap',
      found: 'region "regs" with type: mmio',
      message: 'a heap allocates memory, and region "regs" is MMIO',
    });
  });

  it('hold no host buffer', () => {
    const text = edit(DESIGN, 'devices:\n', 'devices:\n').replace(
      'buffers:\n',
      'buffers:\n  - name: doorbell\n    region: regs\n',
    );
    expect(onlyIssue(text)).toMatchObject({
      code: 'incompatible',
      ...positionOf(text, 'regs', 'name: doorbell'),
      path: 'buffers[0].region',
      found: 'region "regs" with type: mmio',
      message: 'a buffer is memory, and region "regs" is MMIO',
    });
  });

  it("are left to boot when a guest owns them (pKVM's donation refuses them there)", () => {
    const text = edit(DESIGN, '    type: mmio', '    type: mmio\n    owner: decrypt');
    expect(issuesOf(text)).toEqual([]);
  });
});

describe('donatedAt', () => {
  it('belongs to a region of a protected VM', () => {
    const text = edit(
      DESIGN,
      '    pages: 1\n    type: mmio',
      '    pages: 1\n    type: mmio\n    donatedAt: fault',
    );
    expect(onlyIssue(text)).toMatchObject({
      code: 'incompatible',
      ...positionOf(text, 'fault', 'type: mmio'),
      path: 'memory[1].donatedAt',
      expected: 'a region owned by a protected VM, under pKVM',
      found: 'a region owned by "host", which is not a protected VM',
    });
  });

  it('is boot for a region the guest shares back at boot', () => {
    const text = edit(DESIGN, '    donatedAt: fault', '    donatedAt: fault\n    sharedWithHost: true');
    expect(onlyIssue(text)).toMatchObject({
      code: 'incompatible',
      ...positionOf(text, 'fault', 'donatedAt'),
      path: 'memory[0].donatedAt',
      expected: 'donatedAt: boot, or sharedWithHost: false',
      found: 'donatedAt: fault with sharedWithHost: true',
    });
  });
});

describe('hostCalls', () => {
  it('iommuMap needs the Android explicit DMA domains', () => {
    const text = edit(edit(DESIGN, '  iommu: dmaDomains', '  iommu: identity'), '    iommu: domain\n', '');
    expect(onlyIssue(text)).toMatchObject({
      code: 'requiresFeature',
      ...positionOf(text, 'iommuMap'),
      path: 'hypervisor.hostCalls[0]',
      expected: 'hypervisor kernel: android with iommu: dmaDomains',
      found: 'kernel: android with iommu: identity',
    });
  });

  it('takes only the calls the schema lists', () => {
    const text = edit(DESIGN, '[iommuMap, donateHyp]', '[iommuMap, donateFfa]');
    expect(onlyIssue(text)).toMatchObject({ code: 'invalidValue', path: 'hypervisor.hostCalls[1]' });
  });
});

describe('the CLI', () => {
  it('exits 2 naming the file, line, column and field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'protmem-hostcalls-'));
    const file = join(dir, 'bad.yaml');
    const text = edit(DESIGN, '    region: dram', '    region: regs');
    writeFileSync(file, text);
    const run = await runCaptured(['validate', file]);
    const { line, column } = positionOf(text, 'regs', 'kind: system');
    expect(run.code).toBe(2);
    expect(`${run.stdout}${run.stderr}`).toContain(`${file}:${line}:${column}`);
    expect(`${run.stdout}${run.stderr}`).toContain('heaps[0].region');
  });
});
