/**
 * The checks of a guest's program (`vms[].program`): only a protected VM runs one; a hypercall
 * names a buffer of the VM's own memory; a pipeline stage is one the VM performs, at most once;
 * MEM_RELINQUISH exists only in the Android kernel.
 */
import { quote } from './issues.ts';
import { names, type Problems } from './problems.ts';
import type { Topology } from './schema.ts';

type ProgramTopology = Pick<Topology, 'vms' | 'buffers' | 'heaps' | 'memory' | 'pipeline' | 'hypervisor'>;

const MEMORY_CALLS: ReadonlySet<string> = new Set(['memShare', 'memUnshare', 'memRelinquish']);

export function checkPrograms(topology: ProgramTopology, problems: Problems): void {
  topology.vms.forEach((vm, index) => {
    if (vm.program === undefined) return;
    const path = ['vms', index, 'program'];
    if (!vm.protected) {
      problems.add(
        'incompatible',
        path,
        `VM ${quote(vm.name)} is not protected: only a trusted guest follows a program`,
        'protected: true',
        'protected: false',
      );
    }
    const own = topology.buffers.filter(
      (buffer) => buffer.region !== undefined && buffer.allocatedBy === vm.name,
    );
    const seen = new Set<string>();
    vm.program.forEach((entry, position) => {
      const at = [...path, position];
      if (MEMORY_CALLS.has(entry.call)) {
        if (entry.buffer === undefined) {
          problems.add('missingField', [...at, 'buffer'], `${entry.call} names a buffer`, 'a buffer', 'none');
        } else {
          problems.reference(
            [...at, 'buffer'],
            entry.buffer,
            names(own),
            `buffer of ${vm.name}'s own memory`,
            `a buffer in a region ${vm.name} owns (${own.length === 0 ? 'none' : names(own).join(', ')})`,
          );
        }
        const android = topology.hypervisor.kind === 'pkvm' && topology.hypervisor.kernel === 'android';
        if (entry.call === 'memRelinquish' && !android) {
          problems.add(
            'requiresFeature',
            [...at, 'call'],
            'MEM_RELINQUISH is an Android Common Kernel hypercall',
            'hypervisor pkvm with kernel: android',
            topology.hypervisor.kind === 'pkvm' ? `kernel: ${topology.hypervisor.kernel}` : 'hypervisor none',
          );
        }
        return;
      }
      if (entry.buffer !== undefined) {
        problems.add(
          'incompatible',
          [...at, 'buffer'],
          `${entry.call} names no buffer`,
          'no buffer',
          quote(entry.buffer),
        );
      }
      const performer =
        entry.call === 'decrypt'
          ? topology.pipeline.decrypt.by
          : topology.buffers.find((buffer) => buffer.name === topology.pipeline.input)?.allocatedBy;
      if (performer !== vm.name) {
        problems.add(
          'incompatible',
          [...at, 'call'],
          `${vm.name} does not perform the pipeline's ${entry.call}`,
          `a stage ${vm.name} performs`,
          `${entry.call} by ${performer ?? 'nobody'}`,
        );
      }
      if (seen.has(entry.call)) {
        problems.add(
          'duplicateName',
          [...at, 'call'],
          `${entry.call} appears twice in the program`,
          'each stage once',
          entry.call,
        );
      }
      seen.add(entry.call);
    });
  });
}
