/**
 * Authority over the VMM's shared-object table (QEMU `hw/display/virtio-dmabuf.c` and the
 * back-end channel handlers of `hw/virtio/vhost-user.c`; docs/model.md#virtio). Safety: a UUID's
 * buffer reaches only the back-ends its exporter allowed; an entry disappears only when its
 * exporter removes it; a dead back-end leaves no entry behind. Today's QEMU fails the first
 * clause by design (any back-end that knows the UUID gets the fd): an intended finding, since
 * the property states what the table must guarantee, not what QEMU does (docs/model.md#trust).
 */
import { vmIsDestroyed } from '../../machines/guestVmMachine.ts';
import { entryIsAbsent, type SharedObjectEntryContext } from '../../machines/sharedObjectEntryMachine.ts';
import { backendIsConnected } from '../../machines/vhostBackendMachine.ts';
import { uuidIsAssigned } from '../../machines/virtioDmabufExportMachine.ts';
import type { Invariant, Violation } from '../model.ts';
import { part } from './part.ts';
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
      model.backends.filter((b) => !backendIsConnected(part(state, b.component))).map((b) => b.name),
    );
    for (const entry of model.sharedObjects) {
      const snap = part<SharedObjectEntryContext>(state, entry.component);
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
      if (!entryIsAbsent(snap) && snap.context.owner !== null && dead.has(snap.context.owner)) {
        out.push({
          property: 'sharedObjectTableAuthority',
          subject: `UUID of buffer ${entry.buffer}`,
          parties: [snap.context.owner],
          expected: 'removed when its owner back-end dies (virtio_dmabuf_vhost_cleanup)',
          actual: `still in the table after back-end ${snap.context.owner} died`,
        });
      }
      const exported = entry.gpuExport;
      const exporterGone = model.guests.some(
        (g) => g.name === entry.exporter && vmIsDestroyed(part(state, g.component)),
      );
      if (
        entryIsAbsent(snap) &&
        exported !== undefined &&
        !exporterGone &&
        uuidIsAssigned(part(state, exported))
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
