/**
 * Coverage on catalog designs: the two vacuous pVM designs say where the frame got stuck (the
 * display cannot reach the frame's pages, which were donated to the pVM), and collecting
 * coverage changes nothing else a check reports.
 */
import { describe, expect, it } from 'vitest';
import { catalogPath } from '../../src/catalog/catalogPath.ts';
import { check } from '../../src/check/check.ts';
import { withoutTimes } from '../../src/check/report.ts';
import { topologyCheckOptions } from '../../src/check/topologyDefaults.ts';
import { renderReport } from '../../src/render/text.ts';
import { loadTopologyFile } from '../../src/topology/load.ts';

async function checked(file: string, coverage: boolean) {
  const loaded = await loadTopologyFile(catalogPath(file));
  return check(loaded, { ...topologyCheckOptions(loaded.topology, 0), ...(coverage ? { coverage } : {}) });
}

const pipelineReason = (report: Awaited<ReturnType<typeof checked>>) =>
  report.properties.find((p) => p.name === 'pipelineReachable')?.reason ?? '';

describe('a vacuous design says where its pipeline got stuck', () => {
  it('identity domain: the display cannot read the frame, donated to the pVM and gone from the domain', async () => {
    const report = await checked('pkvm-pvm-decrypt-host-display-identity.yaml', true);
    expect(report.verdict).toBe('vacuous');
    expect(pipelineReason(report)).toMatch(
      /stops after "frame holds plaintext of movie" and never reaches "dpu shows a frame of movie".*\[SCANOUT\].*dpu cannot read buffer frame by DMA: the identity IOMMU domain does not map page decrypt-ram:\d: it mirrors the host stage-2, where the page is NOPAGE, donated to guest decrypt/,
    );
    expect(report.coverage?.pipeline).toMatchObject({
      search: 'pipeline',
      lastReached: 'decrypt',
      firstUnreached: 'display',
      stuck: { event: 'SCANOUT', why: { kind: 'precondition' } },
    });
    expect(renderReport(report, { timing: false })).toContain('✔ allocate  ✔ write  ✔ decrypt  ✖ display');
  });

  it('DMA domains: the frame is never mapped in the display domain, which takes host-owned pages only', async () => {
    const report = await checked('pkvm-pvm-decrypt-host-display-dma-domains.yaml', false);
    expect(report.verdict).toBe('vacuous');
    expect(report.coverage).toBeUndefined();
    expect(pipelineReason(report)).toMatch(
      /\[SCANOUT\].*dpu cannot read buffer frame by DMA: its IOMMU domain does not map page decrypt-ram:\d; the host stage-2 has the page as NOPAGE, donated to guest decrypt, and pKVM maps only host-owned pages into a DMA domain \(__pkvm_host_use_dma\(\)\)/,
    );
  });
});

describe('collecting coverage changes no verdict, trace or count', () => {
  for (const file of [
    'pkvm-pvm-decrypt-host-display-shared.yaml',
    'pkvm-pvm-decrypt-host-display-identity.yaml',
    'dynamic-heap-pas-protected.yaml',
  ]) {
    it(file, async () => {
      const off = withoutTimes(await checked(file, false));
      const { coverage, ...on } = withoutTimes(await checked(file, true));
      expect(on).toEqual(off);
      expect(coverage?.steps.counts.reduce((sum, step) => sum + step.taken, 0)).toBe(off.statistics.steps);
    }, 20_000);
  }
});
