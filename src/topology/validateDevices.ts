/**
 * The device checks of a topology: who programs each device, which IOMMU mode its translation
 * needs, and, for a device assigned to a VM, what pKVM's device assignment requires.
 */
import { clip, quote } from './issues.ts';
import { names, type Problems, partyOf } from './problems.ts';
import type { DeviceSpec, Topology } from './schema.ts';

type DeviceTopology = Pick<Topology, 'vms' | 'hypervisor' | 'devices'>;

export function checkDevices(topology: DeviceTopology, problems: Problems): void {
  const vmNames = names(topology.vms);
  const hypervisor = topology.hypervisor;
  const iommuMode = hypervisor.kind === 'pkvm' ? hypervisor.iommu : undefined;
  const hypervisorText =
    hypervisor.kind === 'pkvm'
      ? `hypervisor pkvm with iommu: ${hypervisor.iommu}`
      : `hypervisor ${hypervisor.kind}`;
  topology.devices.forEach((device, index) => {
    const path = ['devices', index];
    if (device.writeback && device.role !== 'display') {
      // drm_writeback_connector_init(): a writeback connector belongs to a display's CRTC.
      problems.add(
        'incompatible',
        [...path, 'writeback'],
        'a writeback connector is part of a display controller (drm_writeback_connector_init())',
        'role: display',
        `role: ${device.role}`,
      );
    }
    problems.reference(
      [...path, 'controlledBy'],
      device.controlledBy,
      ['host', 'secure', ...vmNames],
      'controlling party',
      partyOf(['host', 'secure'], vmNames),
    );
    if (device.assignedTo !== undefined) {
      checkAssignment(topology, device, path, problems);
      return;
    }
    if (device.hostDriverBound !== undefined) {
      problems.add(
        'incompatible',
        [...path, 'hostDriverBound'],
        'hostDriverBound says how the host lets go of a device it assigns to a VM',
        'assignedTo: a protected VM, or no hostDriverBound',
        'no assignedTo',
      );
    }
    const needs =
      device.iommu === 'identity' ? 'identity' : device.iommu === 'domain' ? 'dmaDomains' : undefined;
    // Xen's IOMMU translates a device's DMA with its controlling domain's p2m, Gunyah's SMMU
    // with its controlling VM's stage-2; under CCA the SMMU translates with the host's stage 2,
    // or with a realm's for a device assigned to it.
    const xenDomain =
      (hypervisor.kind === 'xen' || hypervisor.kind === 'cca' || hypervisor.kind === 'gunyah') &&
      device.iommu === 'domain';
    if (needs !== undefined && iommuMode !== needs && !xenDomain) {
      problems.add(
        'requiresFeature',
        [...path, 'iommu'],
        `iommu: ${device.iommu} needs the pKVM IOMMU in ${needs} mode`,
        `hypervisor pkvm with iommu: ${needs}`,
        hypervisorText,
      );
    }
  });
}

/**
 * A device assigned to a VM: Android pKVM with its IOMMU driver (`iommu: identity` or
 * `dmaDomains`; the VM's own domain is a pvIOMMU domain either way), a protected VM (the
 * hypervisor sets `dev->ctxt` for protected VMs only), programmed by that VM, translated by
 * that VM's domain.
 */
function checkAssignment(
  topology: DeviceTopology,
  device: DeviceSpec,
  path: (string | number)[],
  problems: Problems,
): void {
  const vm = device.assignedTo!;
  const hypervisor = topology.hypervisor;
  const android = hypervisor.kind === 'pkvm' && hypervisor.kernel === 'android';
  if (!android || hypervisor.iommu === 'none') {
    problems.add(
      'requiresFeature',
      [...path, 'assignedTo'],
      'device assignment needs the Android pKVM hypervisor with its IOMMU driver',
      'hypervisor pkvm with kernel: android and iommu: identity or dmaDomains',
      hypervisor.kind === 'pkvm'
        ? `hypervisor pkvm with kernel: ${hypervisor.kernel} and iommu: ${hypervisor.iommu}`
        : 'hypervisor none',
    );
  }
  const protectedVms = topology.vms.filter((candidate) => candidate.protected).map((v) => v.name);
  const known = problems.reference(
    [...path, 'assignedTo'],
    vm,
    names(topology.vms),
    'VM',
    partyOf([], protectedVms),
  );
  if (known && !protectedVms.includes(vm)) {
    problems.add(
      'incompatible',
      [...path, 'assignedTo'],
      `VM ${quote(vm)} is not protected: pKVM assigns devices to protected VMs only`,
      partyOf([], protectedVms),
      `VM ${quote(vm)} with protected: false`,
    );
  }
  if (device.controlledBy !== vm) {
    problems.add(
      'incompatible',
      [...path, 'controlledBy'],
      `an assigned device is programmed by the VM it is assigned to`,
      `controlledBy: ${clip(vm)}`,
      `controlledBy: ${clip(device.controlledBy)}`,
    );
  }
  if (device.iommu !== 'domain') {
    problems.add(
      'incompatible',
      [...path, 'iommu'],
      "an assigned device's DMA goes through an IOMMU domain its VM owns",
      'iommu: domain',
      `iommu: ${device.iommu}`,
    );
  }
}
