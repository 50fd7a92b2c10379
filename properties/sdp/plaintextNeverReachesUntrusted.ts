/**
 * The leak oracle (what counts as a leak: docs/model.md#trust). Safety: every page holding
 * plaintext of a stream may be read only by that stream's audience and the parties every
 * design trusts. It catches every leak class the model knows at the moment it happens:
 * LEND treated as a share (the host keeps its stage-2 mapping), unmap-on-lend that leaves the
 * IOMMU mapping, pVM virtio traffic bouncing through host-shared pages, a reclaim that hands
 * unscrubbed plaintext back to the host, a decoder or trusted app writing plaintext into clear
 * memory, and upstream pKVM's missing DMA isolation.
 */
import { plaintextStreams } from '../../machines/contentLabel.ts';
import type { Invariant, Violation } from '../model.ts';
import { accessPaths, inAudience, pageLabel } from './access.ts';
import { isSdpModel } from './sdpModel.ts';

export const plaintextNeverReachesUntrusted: Invariant = {
  name: 'plaintextNeverReachesUntrusted',
  summary:
    "True iff for every page holding plaintext of a stream, every party that can read it (by CPU mapping, by DMA, or from the secure world) is in that stream's audience or trusted by the design.",
  kind: 'safety',
  world(state, model) {
    if (!isSdpModel(model)) return [];
    const out: Violation[] = [];
    for (const page of model.pages) {
      const streams = plaintextStreams(pageLabel(model, state, page.pfn));
      if (streams.length === 0) continue;
      const readers = accessPaths(model, state, page.pfn, 'read');
      for (const stream of streams) {
        const audience = model.streams.find((s) => s.name === stream)?.audience ?? [];
        for (const reader of readers) {
          if (inAudience(model, stream, reader.party)) continue;
          out.push({
            property: 'plaintextNeverReachesUntrusted',
            subject: `page ${page.label}`,
            parties: [reader.party],
            expected: `audience is ${audience.join(', ')}`,
            actual: `holds plaintext of stream "${stream}"; readable by ${reader.party} via ${reader.via}`,
          });
        }
      }
    }
    return out;
  },
};
