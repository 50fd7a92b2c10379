/**
 * Authority over the VMM's shared-object table (reference dmabuf-virtio-sdp B2, D.8, D.9,
 * property P5). Safety: a UUID's buffer reaches only the back-ends its exporter allowed; an
 * entry disappears only when its exporter removes it; a dead back-end leaves no entry behind.
 * Today's QEMU fails the first clause by design (any back-end that knows the UUID gets the fd),
 * which the reference calls an intended finding.
 */
import type { SharedObjectEntryContext } from '../../machines/sharedObjectEntryMachine.ts';
import type { ComponentSnapshot, Invariant, Violation } from '../model.ts';
import { isSdpModel } from './sdpModel.ts';

export const sharedObjectTableAuthority: Invariant = {
  name: 'sharedObjectTableAuthority',
  summary:
    'True iff every shared-object entry has been handed only to back-ends its exporter allowed, no entry owned by a dead back-end remains, and no exported UUID vanished while its export is still live.',
  kind: 'safety',
  world(state, model) {
    if (!isSdpModel(model)) return [];
    const out: Violation[] = [];
    const dead = new Set(
      model.backends
        .filter((b) => (state.parts[b.component] as ComponentSnapshot).value !== 'connected')
        .map((b) => b.name),
    );
    for (const entry of model.sharedObjects) {
      const snap = state.parts[entry.component] as ComponentSnapshot<SharedObjectEntryContext>;
      for (const backend of snap.context.handedTo) {
        // The owner looking its own entry up is no breach of authority.
        if (entry.allowed.includes(backend) || backend === entry.exporter) continue;
        out.push({
          property: 'sharedObjectTableAuthority',
          subject: `UUID of buffer ${entry.buffer}`,
          parties: [backend],
          expected: `handed only to ${entry.allowed.length ? entry.allowed.join(', ') : 'no back-end'} (exported by ${entry.exporter})`,
          actual: `back-end ${backend} obtained the buffer by SHARED_OBJECT_LOOKUP`,
        });
      }
      if (snap.value !== 'absent' && snap.context.owner !== null && dead.has(snap.context.owner)) {
        out.push({
          property: 'sharedObjectTableAuthority',
          subject: `UUID of buffer ${entry.buffer}`,
          parties: [snap.context.owner],
          expected: 'removed when its owner back-end dies (virtio_dmabuf_vhost_cleanup)',
          actual: `still in the table after back-end ${snap.context.owner} died`,
        });
      }
      const exported = model.components.find((c) => c.id === `export:${entry.buffer}`);
      const exporterGone = model.guests.some(
        (g) =>
          g.name === entry.exporter && (state.parts[g.component] as ComponentSnapshot).value === 'destroyed',
      );
      if (
        snap.value === 'absent' &&
        exported &&
        !exporterGone &&
        (state.parts[exported.index] as ComponentSnapshot).value === 'OK'
      ) {
        out.push({
          property: 'sharedObjectTableAuthority',
          subject: `UUID of buffer ${entry.buffer}`,
          expected: `removed only by its exporter (${entry.exporter})`,
          actual: 'gone from the table while its export is still live',
        });
      }
    }
    return out;
  },
};
