/**
 * The virtio section's rules: back-ends, exports and imports name declared VMs, buffers and
 * back-ends, and swiotlb bounces name their guest, pool and buffers, a receiving (fromDevice)
 * bounce delivering nowhere and receiving each buffer once.
 */

import type { FieldPath } from './issues.ts';
import { quote } from './issues.ts';
import { declared, names, type Problems } from './problems.ts';
import type { Topology } from './schema.ts';

export function checkVirtio(
  topology: Pick<Topology, 'vms' | 'buffers' | 'memory' | 'virtio' | 'ffaLends'>,
  problems: Problems,
): void {
  const vmNames = names(topology.vms);
  const bufferNames = names(topology.buffers);
  const regionNames = names(topology.memory);
  const backendNames = names(topology.virtio.backends);
  const vm = (path: FieldPath, value: string) =>
    problems.reference(path, value, vmNames, 'VM', declared('VM', vmNames));
  const buffer = (path: FieldPath, value: string) =>
    problems.reference(path, value, bufferNames, 'buffer', declared('buffer', bufferNames));
  const { backends, exports, imports, bounce } = topology.virtio;
  backends.forEach((backend, index) => {
    vm(['virtio', 'backends', index, 'servesVm'], backend.servesVm);
  });
  exports.forEach((entry, index) => {
    const path = ['virtio', 'exports', index];
    buffer([...path, 'buffer'], entry.buffer);
    if (entry.via === 'vhostUser') {
      problems.reference(
        [...path, 'by'],
        entry.by,
        backendNames,
        'back-end',
        declared('back-end', backendNames),
      );
    } else {
      vm([...path, 'by'], entry.by);
    }
    entry.allow.forEach((backend, allowIndex) => {
      problems.reference(
        [...path, 'allow', allowIndex],
        backend,
        backendNames,
        'back-end',
        declared('back-end', backendNames),
      );
    });
  });
  imports.forEach((entry, index) => {
    buffer(['virtio', 'imports', index, 'buffer'], entry.buffer);
    vm(['virtio', 'imports', index, 'into'], entry.into);
  });
  bounce.forEach((entry, index) => {
    const path = ['virtio', 'bounce', index];
    vm([...path, 'vm'], entry.vm);
    problems.reference([...path, 'pool'], entry.pool, regionNames, 'region', declared('region', regionNames));
    buffer([...path, 'buffer'], entry.buffer);
    if (entry.deliverTo !== undefined) buffer([...path, 'deliverTo'], entry.deliverTo);
    if (entry.direction === 'fromDevice' && entry.deliverTo !== undefined) {
      problems.add(
        'incompatible',
        [...path, 'deliverTo'],
        'a fromDevice bounce receives data; only a toDevice bounce delivers it somewhere',
        "no deliverTo on a fromDevice bounce (name this buffer in the sending bounce's deliverTo)",
        quote(entry.deliverTo),
      );
    }
    const firstReceive = bounce.findIndex(
      (other) => other.direction === 'fromDevice' && other.buffer === entry.buffer,
    );
    if (entry.direction === 'fromDevice' && firstReceive !== index) {
      problems.add(
        'duplicateName',
        [...path, 'buffer'],
        'a buffer is received through one fromDevice bounce only',
        'a buffer no other fromDevice bounce receives',
        `${quote(entry.buffer)}, already received by virtio.bounce[${firstReceive}]`,
      );
    }
  });
  topology.ffaLends.forEach((entry, index) => {
    const path = ['ffaLends', index];
    buffer([...path, 'buffer'], entry.buffer);
    vm([...path, 'by'], entry.by);
  });
}
