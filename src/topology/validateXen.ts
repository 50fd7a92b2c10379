/**
 * The Xen checks of a topology: the `xen` section only with `hypervisor.kind: xen`, the pKVM
 * features Xen has no counterpart for (protected VMs, and those of `validatePkvmOnly.ts`),
 * and the references of grants and gntdev exports.
 */
import { quote } from './issues.ts';
import { declared, names, type Problems, partyOf } from './problems.ts';
import type { Topology } from './schema.ts';
import { checkPkvmOnlyFeatures } from './validatePkvmOnly.ts';

type XenTopology = Pick<
  Topology,
  'hypervisor' | 'xen' | 'vms' | 'buffers' | 'devices' | 'ffaLends' | 'virtio' | 'memory'
>;

export function checkXen(topology: XenTopology, problems: Problems): void {
  if (topology.hypervisor.kind === 'xen') checkPkvmOnly(topology, problems, 'Xen', 'a domU');
  else checkXenOnly(topology, problems);
  checkGrants(topology, problems);
}

/** The `xen` section's fields that say something only under Xen. */
function checkXenOnly(topology: XenTopology, problems: Problems): void {
  const found = `hypervisor.kind: ${topology.hypervisor.kind}`;
  const needs = (path: (string | number)[], what: string) =>
    problems.add('requiresFeature', path, `${what} needs Xen`, 'hypervisor.kind: xen', found);
  if (topology.xen.grants.length > 0) needs(['xen', 'grants'], 'a grant table');
  if (topology.xen.gntdevExports.length > 0) needs(['xen', 'gntdevExports'], 'a gntdev dma-buf export');
  if (!topology.xen.dom0Privileged) needs(['xen', 'dom0Privileged'], 'dom0Privileged: false');
}

/** pKVM features a Xen (or Gunyah) design cannot have: protected VMs, and those of `validatePkvmOnly.ts`. */
export function checkPkvmOnly(
  topology: Pick<Topology, 'hypervisor' | 'vms' | 'devices' | 'ffaLends' | 'virtio' | 'memory'>,
  problems: Problems,
  hypervisor: 'Xen' | 'Gunyah',
  guest: string,
): void {
  const kind = hypervisor.toLowerCase();
  topology.vms.forEach((vm, index) => {
    if (vm.protected)
      problems.add(
        'incompatible',
        ['vms', index, 'protected'],
        `${hypervisor} has no protected VMs: ${guest} is protected: false`,
        'hypervisor.kind: pkvm',
        `protected: true with hypervisor.kind: ${kind}`,
      );
  });
  checkPkvmOnlyFeatures(topology, problems, kind, 'sharedWithHost is a pVM MEM_SHARE at boot');
}

/**
 * A crossing (a grant, a memory parcel) names a declared buffer and a declared party `by`, and
 * that party allocated the buffer: one hands over only its own pages.
 */
export function checkOwnBuffer(
  topology: Pick<Topology, 'vms' | 'buffers'>,
  problems: Problems,
  path: (string | number)[],
  crossing: { readonly buffer: string; readonly by: string },
  words: { readonly party: string; readonly message: string },
): void {
  const vmNames = names(topology.vms);
  const bufferNames = names(topology.buffers);
  const buffer = topology.buffers.find((b) => b.name === crossing.buffer);
  problems.reference(
    [...path, 'buffer'],
    crossing.buffer,
    bufferNames,
    'buffer',
    declared('buffer', bufferNames),
  );
  const by = problems.reference(
    [...path, 'by'],
    crossing.by,
    ['host', ...vmNames],
    words.party,
    partyOf(['host'], vmNames),
  );
  if (by && buffer !== undefined && buffer.allocatedBy !== crossing.by) {
    problems.add(
      'incompatible',
      [...path, 'by'],
      words.message,
      `the buffer's owner ${quote(buffer.allocatedBy)}`,
      quote(crossing.by),
    );
  }
}

/** Grants name declared buffers and domains; the granter is the buffer's owner; exports name a grant. */
function checkGrants(topology: XenTopology, problems: Problems): void {
  const vmNames = names(topology.vms);
  const domain = partyOf(['host'], vmNames);
  topology.xen.grants.forEach((grant, index) => {
    const path = ['xen', 'grants', index];
    checkOwnBuffer(topology, problems, path, grant, {
      party: 'domain',
      message: 'a domain grants access to its own pages only',
    });
    problems.reference([...path, 'to'], grant.to, ['host', ...vmNames], 'domain', domain);
    if (grant.to === grant.by) {
      problems.add(
        'incompatible',
        [...path, 'to'],
        'a grant names another domain',
        `not ${quote(grant.by)}`,
        quote(grant.to),
      );
    }
  });
  topology.xen.gntdevExports.forEach((spec, index) => {
    const path = ['xen', 'gntdevExports', index];
    const granted = topology.xen.grants.filter((g) => g.buffer === spec.buffer).map((g) => g.to);
    if (!granted.includes(spec.by)) {
      problems.add(
        'unknownReference',
        [...path, 'by'],
        `no grant of buffer ${quote(spec.buffer)} names ${quote(spec.by)}`,
        granted.length === 0
          ? `a buffer granted in xen.grants`
          : `a grantee of ${quote(spec.buffer)} (${granted.join(', ')})`,
        quote(spec.by),
      );
    }
  });
}
