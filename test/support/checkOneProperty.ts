/**
 * One property of one design checked with the design's own bounds, seed 0: the loaded design,
 * its report, and that property's result.
 */
import { check } from '../../src/check/check.ts';
import type { CheckReport, PropertyResult } from '../../src/check/report.ts';
import { topologyCheckOptions } from '../../src/check/topologyDefaults.ts';
import { type LoadedTopology, loadTopologyFile } from '../../src/topology/load.ts';

export async function checkOneProperty(
  file: string,
  property: string,
): Promise<{ loaded: LoadedTopology; report: CheckReport; result: PropertyResult }> {
  const loaded = await loadTopologyFile(file);
  const report = check(loaded, { ...topologyCheckOptions(loaded.topology, 0), properties: [property] });
  return { loaded, report, result: report.properties.find((p) => p.name === property)! };
}
