/**
 * Integrity of the plaintext path: while a buffer carries the pipeline's plaintext (the decrypt
 * and decode outputs), or is allocated from a protected heap, only the stream's audience and
 * trusted parties can write its pages. Safety: an unauthorized writer can inject frames into a
 * protected pipeline or corrupt what the decoder consumes (the firewall's write enables,
 * docs/model.md#secure-world; what counts as a breach, docs/model.md#trust).
 */
import { type CcaGranuleContext, granuleRealmPath } from '../../machines/ccaGranuleMachine.ts';
import { bufferIsExported } from '../../machines/dmaBufMachine.ts';
import { ownsPage, type PkvmPageContext } from '../../machines/pkvmPageState.ts';
import type { Invariant, Violation } from '../model.ts';
import { accessPaths, inAudience } from './access.ts';
import { part } from './part.ts';
import { isSdpModel } from './sdpModel.ts';

export const protectedBufferIntegrity: Invariant = {
  name: 'protectedBufferIntegrity',
  summary:
    "True iff every page of a live protected or plaintext-carrying buffer can be written only by the pipeline stream's audience and trusted parties.",
  kind: 'safety',
  world(state, model) {
    if (!isSdpModel(model)) return [];
    const out: Violation[] = [];
    const stream = model.pipeline.stream;
    const audience = model.streams.find((s) => s.name === stream)?.audience ?? [];
    for (const buffer of model.buffers) {
      const carriesPlaintext = model.pipeline.plaintextBuffers.includes(buffer.name);
      if (!buffer.protected && !carriesPlaintext) continue;
      if (buffer.dmaBuf !== undefined && !bufferIsExported(part(state, buffer.dmaBuf))) continue;
      const seen = new Set<string>();
      // A guest-memory buffer is only the pages its guest still maps: a page the host took
      // back (force reclaim poisons the guest PTE) no longer carries the guest's data.
      const owner = model.guests.findIndex((g) => g.name === buffer.allocatedBy);
      const pages =
        buffer.dmaBuf !== undefined || owner < 0
          ? buffer.pages
          : buffer.pages.filter((pfn) => {
              const pkvm = model.pages[pfn]!.pkvm;
              if (pkvm === undefined) return true;
              const view = part<PkvmPageContext>(state, pkvm).context.guests[owner];
              return view !== undefined && ownsPage(view);
            });
      // Likewise a realm's buffer is only the granules the realm still maps: one the host
      // destroyed and undelegated (RMI_DATA_DESTROY, RMI_GRANULE_UNDELEGATE) is the host's page.
      const mapped = (pfn: number) => {
        const granule = model.pages[pfn]!.cca;
        return (
          granule === undefined ||
          granuleRealmPath(part<CcaGranuleContext>(state, granule), buffer.allocatedBy) !== undefined
        );
      };
      for (const pfn of pages.filter(mapped)) {
        for (const writer of accessPaths(model, state, pfn, 'write')) {
          if (inAudience(model, stream, writer.party) || seen.has(writer.party)) continue;
          seen.add(writer.party);
          out.push({
            property: 'protectedBufferIntegrity',
            subject: `buffer ${buffer.name} (page ${model.pages[pfn]!.label})`,
            parties: [writer.party],
            expected: `writable only by ${audience.join(', ')}`,
            actual: `writable by ${writer.party} via ${writer.via}`,
          });
        }
      }
    }
    return out;
  },
};
