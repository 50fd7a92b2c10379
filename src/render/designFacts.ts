/**
 * What a design chose, aspect by aspect (`IOMMU`, `decrypt by`, `region carveout`, `FF-A
 * lends`), so that a comparison can put several designs side by side and mark the aspects in
 * which they differ. The same facts the check report's assumptions state, split so that they
 * line up, with the parts of the design the assumptions leave out (where each stage runs, the
 * crossings, the audience, the search). Pure: topology and report in, facts out.
 */
import type { CheckReport } from '../check/report.ts';
import type { Topology } from '../topology/schema.ts';
import { spmcName, spmcProtectionWords, spmcProtects } from '../topology/spmcLabel.ts';
import { topologyCrossings } from './topologyCrossings.ts';

export interface DesignFact {
  /** What is compared: `hypervisor`, `region carveout`. */
  readonly aspect: string;
  /** This design's choice in words. */
  readonly value: string;
}

const none = (items: readonly string[]) => (items.length > 0 ? items.join('; ') : 'none');

function boundText(report: CheckReport): string {
  const bound = report.bound;
  return [
    `${report.mode}, max depth ${bound.maxDepth}`,
    ...(bound.maxStates !== undefined ? [`max states ${bound.maxStates.toLocaleString('en-US')}`] : []),
    ...(bound.runs !== undefined ? [`${bound.runs.toLocaleString('en-US')} runs`] : []),
  ].join(', ');
}

/** What runs at EL2, how DMA is translated, and what an FF-A lend does, by hypervisor kind. */
function hypervisorFacts(topology: Topology): DesignFact[] {
  const h = topology.hypervisor;
  const [hypervisor, iommu, ffaLend] =
    h.kind === 'pkvm'
      ? [`pKVM, ${h.kernel === 'android' ? 'Android Common Kernel' : 'mainline'} rules`, h.iommu, h.ffaLend]
      : h.kind === 'xen'
        ? [
            `Xen, dom0 ${topology.xen.dom0Privileged ? 'privileged (foreign-maps any page)' : 'without foreign mappings'}`,
            'Xen p2m',
            'not modelled with Xen',
          ]
        : h.kind === 'gunyah'
          ? [
              'Gunyah, HLOS (the primary VM) as the host party',
              "Gunyah SMMU with the controlling VM's stage-2",
              'not modelled with Gunyah',
            ]
          : h.kind === 'cca'
            ? [
                'Arm CCA: KVM host in the normal world, the RMM at R-EL2',
                "SMMU with the host's stage 2 (GPT-checked), or a realm's for an assigned device",
                'not modelled with Arm CCA',
              ]
            : ['none: the host kernel maps all normal-world memory', 'no hypervisor', 'no hypervisor'];
  return [
    { aspect: 'hypervisor', value: hypervisor },
    { aspect: 'IOMMU', value: iommu },
    { aspect: 'FF-A MEM_LEND', value: ffaLend },
  ];
}

/** The facts of a design, in a fixed order of aspects. */
export function designFacts(topology: Topology, report: CheckReport): DesignFact[] {
  const h = topology.hypervisor;
  const s = topology.secureWorld;
  const facts: DesignFact[] = [
    ...hypervisorFacts(topology),
    {
      aspect: 'secure world',
      value: [
        s.tee ? 'OP-TEE decrypt app' : 'no TEE',
        ...(spmcName(s) !== undefined
          ? [`${spmcName(s)}${spmcProtects(s) ? ` ${spmcProtectionWords(s)}` : ''}`]
          : []),
      ].join(', '),
    },
    {
      aspect: 'VMs',
      value: none(
        topology.vms.map((vm) => `${vm.name} (${vm.realm ? 'realm' : vm.protected ? 'pVM' : 'np-VM'})`),
      ),
    },
  ];
  for (const region of topology.memory) {
    const firewall =
      region.protection === 'tzasc'
        ? `TZASC at ${region.tzasc?.configuredAt ?? 'boot'} (read ${none(region.tzasc?.nsRead ?? [])}, write ${none(region.tzasc?.nsWrite ?? [])})`
        : 'no firewall';
    facts.push({
      aspect: `region ${region.name}`,
      value: `${region.pages} page${region.pages === 1 ? '' : 's'}, ${region.type}, ${firewall}, owner ${region.owner}${region.sharedWithHost ? ' (shared with the host)' : ''}, known by ${region.knownBy}`,
    });
  }
  for (const heap of topology.heaps) {
    facts.push({
      aspect: `heap ${heap.name}`,
      value: `${heap.kind} on ${heap.region}, exporter ${heap.exporter}, on free ${heap.scrub}`,
    });
  }
  for (const device of topology.devices) {
    facts.push({
      aspect: `device ${device.name}`,
      value: [
        `${device.role} programmed by ${device.controlledBy}`,
        device.secureMaster ? 'secure master' : `IOMMU ${device.iommu}`,
        ...(device.secureInImpliesSecureOut ? [] : ['may write clear output for protected input']),
      ].join(', '),
    });
  }
  const pipeline = topology.pipeline;
  facts.push(
    { aspect: 'decrypt by', value: pipeline.decrypt.by },
    { aspect: 'decode by', value: pipeline.decode?.by ?? 'no decode stage' },
    ...(pipeline.compose ? [{ aspect: 'compose by', value: pipeline.compose.by }] : []),
    { aspect: 'display by', value: pipeline.display.by },
  );
  const crossings = topologyCrossings(topology);
  const of = (kinds: readonly string[]) =>
    none(crossings.filter((c) => kinds.includes(c.kind)).map((c) => c.label));
  facts.push(
    { aspect: 'virtio exports and lookups', value: of(['virtioExport', 'virtioLookup']) },
    { aspect: 'virtio-gpu imports', value: of(['virtioImport']) },
    { aspect: 'swiotlb bounce', value: of(['swiotlbBounce']) },
    { aspect: 'FF-A lends', value: of(['ffaLend']) },
    ...(h.kind === 'xen'
      ? [
          { aspect: 'Xen grants', value: of(['xenGrant']) },
          { aspect: 'gntdev exports', value: of(['gntdevExport']) },
        ]
      : []),
    ...(h.kind === 'gunyah' ? [{ aspect: 'Gunyah memory parcels', value: of(['gunyahParcel']) }] : []),
  );
  if (topology.virtio.exports.length > 0) {
    facts.push({
      aspect: 'shared-object lookups',
      value: topology.virtio.sharedObjects.accessControl
        ? 'checked against an allow-list'
        : 'no access control',
    });
  }
  if (h.kind === 'cca')
    facts.push({ aspect: 'realm unprotected IPA', value: none(topology.cca?.unprotected ?? []) });
  const stream = topology.streams.find((each) => each.name === pipeline.stream);
  facts.push(
    { aspect: 'audience', value: none(stream?.audience ?? []) },
    { aspect: 'flaws', value: none(topology.flaws) },
    { aspect: 'search', value: boundText(report) },
  );
  return facts;
}
