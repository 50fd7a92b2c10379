/**
 * A protected buffer is never handed to a party outside its stream's audience in a form that
 * ignores protection: a user-space mmap or kernel vmap (exporters must refuse them, as
 * `tee_heap.c` and the restricted heap do: docs/model.md#heaps), or its DMA addresses given to
 * the VMM by a virtio-gpu import that drops the protected attribute (`virtgpu_gem_prime_import()`:
 * docs/model.md#virtio). Safety, and deliberately stricter than the leak oracle: it holds the
 * exporter to its contract even where a firewall would still stop the read today
 * (docs/model.md#trust).
 */
import type { DmaBufContext } from '../../machines/dmaBufState.ts';
import { blobIsCreated, type VirtioGpuImportContext } from '../../machines/virtioGpuImportMachine.ts';
import type { Invariant, Violation } from '../model.ts';
import { inAudience } from './access.ts';
import { part } from './part.ts';
import { isSdpModel } from './sdpModel.ts';

export const protectedBufferNotExposed: Invariant = {
  name: 'protectedBufferNotExposed',
  summary:
    "True iff no party outside the pipeline stream's audience holds a CPU mapping (mmap, vmap) of a protected buffer or the addresses of its pages through a virtio-gpu import.",
  kind: 'safety',
  world(state, model) {
    if (!isSdpModel(model)) return [];
    const out: Violation[] = [];
    const stream = model.pipeline.stream;
    const audience = model.streams.find((s) => s.name === stream)?.audience ?? [];
    for (const buffer of model.buffers) {
      if (!buffer.protected || buffer.dmaBuf === undefined) continue;
      const context = part<DmaBufContext>(state, buffer.dmaBuf).context;
      for (const [kind, parties] of [
        ['mmap', context.mmaps],
        ['vmap', context.vmaps],
      ] as const) {
        for (const party of parties) {
          if (inAudience(model, stream, party)) continue;
          out.push({
            property: 'protectedBufferNotExposed',
            subject: `protected buffer ${buffer.name}`,
            parties: [party],
            expected: `no CPU mapping outside the audience (${audience.join(', ')})`,
            actual: `${party} holds a CPU mapping (${kind})`,
          });
        }
      }
      for (const { component, guest } of model.imports) {
        const snap = part<VirtioGpuImportContext>(state, component);
        if (!blobIsCreated(snap) || !buffer.pages.some((pfn) => snap.context.pages.includes(pfn))) continue;
        if (inAudience(model, stream, 'vmm')) continue;
        out.push({
          property: 'protectedBufferNotExposed',
          subject: `protected buffer ${buffer.name}`,
          parties: ['vmm'],
          expected: `its pages stay out of the VMM's reach (audience ${audience.join(', ')})`,
          actual: `virtio-gpu import by ${guest} handed its page addresses to the VMM as an ordinary guest blob`,
        });
      }
    }
    return out;
  },
};
