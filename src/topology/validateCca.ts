/**
 * The Arm CCA checks of a topology: realms and the `cca` section only with `hypervisor.kind:
 * cca`; under CCA every VM is a realm and the pKVM features have no counterpart; an
 * unprotected window is a region a realm owns; a realm's buffer lies in its own memory; and a
 * device a realm drives translates its DMA with the realm's stage 2 (`iommu: domain`).
 */
import { quote } from './issues.ts';
import { declared, names, type Problems } from './problems.ts';
import type { Topology } from './schema.ts';
import { checkPkvmOnlyFeatures } from './validatePkvmOnly.ts';

type CcaTopology = Pick<
  Topology,
  'hypervisor' | 'cca' | 'vms' | 'buffers' | 'devices' | 'ffaLends' | 'virtio' | 'memory'
>;

export function checkCca(topology: CcaTopology, problems: Problems): void {
  if (topology.hypervisor.kind !== 'cca') {
    checkCcaOnly(topology, problems);
    return;
  }
  checkRealmsOnly(topology, problems);
  checkRealmMemory(topology, problems);
}

/** Realm fields say something only under CCA. */
function checkCcaOnly(topology: CcaTopology, problems: Problems): void {
  const found = `hypervisor.kind: ${topology.hypervisor.kind}`;
  const needs = (path: (string | number)[], what: string) =>
    problems.add('requiresFeature', path, `${what} needs Arm CCA`, 'hypervisor.kind: cca', found);
  topology.vms.forEach((vm, index) => {
    if (vm.realm) needs(['vms', index, 'realm'], 'a realm');
  });
  if (topology.cca !== undefined) needs(['cca'], 'the cca section');
}

/** Under CCA every VM is a realm, and pKVM's features are not there. */
function checkRealmsOnly(topology: CcaTopology, problems: Problems): void {
  topology.vms.forEach((vm, index) => {
    if (vm.protected)
      problems.add(
        'incompatible',
        ['vms', index, 'protected'],
        'a pVM is pKVM; under CCA a VM is protected as a realm',
        'hypervisor.kind: pkvm',
        'protected: true with hypervisor.kind: cca',
      );
    else if (!vm.realm)
      problems.add(
        'incompatible',
        ['vms', index],
        `VM ${quote(vm.name)} is not a realm: normal-world VMs are not modelled under CCA`,
        'realm: true',
        'no realm: true',
      );
  });
  checkPkvmOnlyFeatures(
    topology,
    problems,
    'cca',
    "sharedWithHost is a pVM MEM_SHARE at boot; a realm's shared memory is listed in cca.unprotected",
  );
}

/** Unprotected windows are realms' regions; realm memory holds that realm's buffers; realm devices use the SMMU. */
function checkRealmMemory(topology: CcaTopology, problems: Problems): void {
  const realms = new Set(topology.vms.filter((vm) => vm.realm).map((vm) => vm.name));
  const regionNames = names(topology.memory);
  (topology.cca?.unprotected ?? []).forEach((name, index) => {
    const path = ['cca', 'unprotected', index];
    if (!problems.reference(path, name, regionNames, 'region', declared('region', regionNames))) return;
    const owner = topology.memory.find((r) => r.name === name)!.owner ?? 'host';
    if (!realms.has(owner))
      problems.add(
        'incompatible',
        path,
        "an unprotected IPA window is part of a realm's IPA space",
        'a region owned by a realm',
        `region ${quote(name)} owned by ${quote(owner)}`,
      );
  });
  topology.buffers.forEach((buffer, index) => {
    const region = topology.memory.find((r) => r.name === buffer.region);
    const owner = region?.owner;
    if (owner === undefined || !realms.has(owner) || buffer.allocatedBy === owner) return;
    problems.add(
      'incompatible',
      ['buffers', index, 'allocatedBy'],
      `region ${quote(region!.name)} is memory of realm ${quote(owner)}: only that realm allocates in it`,
      quote(owner),
      quote(buffer.allocatedBy),
    );
  });
  topology.devices.forEach((device, index) => {
    if (!realms.has(device.controlledBy) || device.iommu === 'domain') return;
    problems.add(
      'incompatible',
      ['devices', index, 'iommu'],
      "a device assigned to a realm reaches its memory through the SMMU with the realm's stage 2",
      'iommu: domain',
      `iommu: ${device.iommu}`,
    );
  });
}
