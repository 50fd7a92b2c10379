/**
 * The Gunyah checks of a topology: the `gunyah` section only with `hypervisor.kind: gunyah`, the
 * pKVM features Gunyah is not modelled with, and the parcels: a declared buffer and VMs, the
 * parcel's creator owns the buffer, and the access list as `memparcel_construct()` in
 * quic/gunyah-resource-manager src/memparcel/memparcel.c takes it (no VM twice; a lend or a
 * donation does not name the owner, "Lend cannot target the current VM" in Qualcomm mem-buf; a
 * share does; a donation names one VM).
 */
import { quote } from './issues.ts';
import { names, type Problems, partyOf } from './problems.ts';
import type { Topology } from './schema.ts';
import { checkOwnBuffer, checkPkvmOnly } from './validateXen.ts';

type GunyahTopology = Pick<
  Topology,
  'hypervisor' | 'gunyah' | 'vms' | 'buffers' | 'devices' | 'ffaLends' | 'virtio' | 'memory'
>;

export function checkGunyah(topology: GunyahTopology, problems: Problems): void {
  if (topology.hypervisor.kind === 'gunyah') checkPkvmOnly(topology, problems, 'Gunyah', 'a secondary VM');
  else if (topology.gunyah.parcels.length > 0)
    problems.add(
      'requiresFeature',
      ['gunyah', 'parcels'],
      'a memory parcel needs Gunyah',
      'hypervisor.kind: gunyah',
      `hypervisor.kind: ${topology.hypervisor.kind}`,
    );
  checkParcels(topology, problems);
}

function checkParcels(topology: GunyahTopology, problems: Problems): void {
  const vmNames = names(topology.vms);
  const vm = partyOf(['host'], vmNames);
  topology.gunyah.parcels.forEach((parcel, index) => {
    const path = ['gunyah', 'parcels', index];
    checkOwnBuffer(topology, problems, path, parcel, {
      party: 'VM',
      message: 'a VM makes a parcel of its own memory only',
    });
    const seen = new Set<string>();
    parcel.acl.forEach((entry, at) => {
      const entryPath = [...path, 'acl', at, 'vm'];
      problems.reference(entryPath, entry.vm, ['host', ...vmNames], 'VM', vm);
      if (seen.has(entry.vm))
        problems.add(
          'incompatible',
          entryPath,
          'an access list names a VM once',
          'another VM',
          quote(entry.vm),
        );
      seen.add(entry.vm);
      if (entry.vm === parcel.by && parcel.kind !== 'share')
        problems.add(
          'incompatible',
          entryPath,
          `a ${parcel.kind} cannot target the VM that makes it (only a share names the owner)`,
          `not ${quote(parcel.by)}`,
          quote(entry.vm),
        );
    });
    if (parcel.kind === 'share' && !seen.has(parcel.by))
      problems.add(
        'incompatible',
        [...path, 'acl'],
        'a share names its owner in the access list, with the rights it keeps',
        `an entry for ${quote(parcel.by)}`,
        `no entry for ${quote(parcel.by)}`,
      );
    if (parcel.kind === 'donate' && parcel.acl.length > 1)
      problems.add(
        'incompatible',
        [...path, 'acl'],
        'memory is donated to one VM only',
        'one entry',
        `${parcel.acl.length} entries`,
      );
  });
}
