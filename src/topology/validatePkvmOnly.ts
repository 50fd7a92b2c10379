/**
 * The pKVM features a design under another hypervisor (Xen, Gunyah, Arm CCA) cannot have: guest
 * hypercall programs, device assignment, FF-A lends, swiotlb bounce pools shared back with the
 * host, and regions a pVM shares with the host at boot.
 */
import type { Problems } from './problems.ts';
import type { Topology } from './schema.ts';

type PkvmOnlyTopology = Pick<Topology, 'vms' | 'devices' | 'ffaLends' | 'virtio' | 'memory'>;

/** Reports each pKVM-only feature of a design under `kind`; `sharedWithHost` says why that one is refused. */
export function checkPkvmOnlyFeatures(
  topology: PkvmOnlyTopology,
  problems: Problems,
  kind: string,
  sharedWithHost: string,
): void {
  const pkvm = (path: (string | number)[], message: string, found: string) =>
    problems.add(
      'incompatible',
      path,
      message,
      'hypervisor.kind: pkvm',
      `${found} with hypervisor.kind: ${kind}`,
    );
  topology.vms.forEach((vm, index) => {
    if (vm.program !== undefined)
      pkvm(['vms', index, 'program'], 'a program lists pKVM guest hypercalls (MEM_SHARE, ...)', 'a program');
  });
  topology.devices.forEach((device, index) => {
    if (device.assignedTo !== undefined)
      pkvm(['devices', index, 'assignedTo'], 'assignedTo is pKVM device assignment', 'assignedTo');
  });
  if (topology.ffaLends.length > 0) pkvm(['ffaLends'], 'ffaLends go through the pKVM FF-A proxy', 'ffaLends');
  if (topology.virtio.bounce.length > 0)
    pkvm(['virtio', 'bounce'], 'a swiotlb bounce pool is a pVM sharing pages back with the host', 'bounce');
  topology.memory.forEach((region, index) => {
    if (region.sharedWithHost) pkvm(['memory', index, 'sharedWithHost'], sharedWithHost, 'sharedWithHost');
  });
}
