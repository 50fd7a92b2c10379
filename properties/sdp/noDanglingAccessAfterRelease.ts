/**
 * No dangling access after free or teardown (docs/model.md#trust; teardown in
 * docs/model.md#pkvm-ownership, the shared-object table in docs/model.md#virtio). Safety: once
 * a buffer is freed or a VM destroyed, no IOMMU domain still maps its pages, no VMM blob still
 * points at it, no UUID still names it, and no guest PTE of a destroyed VM still maps a page.
 * Each of these is access that outlives the reason it was granted, and lets the next user's
 * data reach the previous user's device, VMM or VM. (A device queue cannot outlive a dma-buf:
 * the queue holds a reference, so the release waits for it.) Under Xen, a granter that frees a
 * page while the grantee still maps it (the frontends XSA-396 fixed) leaves the same kind of
 * access behind: the grantee sees whatever the page holds next.
 */
import { bufferIsFree } from '../../machines/dmaBufMachine.ts';
import type { IommuDomainContext } from '../../machines/iommuDomainMachine.ts';
import { guestPteIsMapped, type PkvmPageContext } from '../../machines/pkvmPageState.ts';
import { entryIsAbsent } from '../../machines/sharedObjectEntryMachine.ts';
import { blobIsCreated, type VirtioGpuImportContext } from '../../machines/virtioGpuImportMachine.ts';
import { grantOutlivedByMapping, type XenGrantEntryContext } from '../../machines/xenGrantEntryMachine.ts';
import type { Invariant, Violation, WorldSnapshot } from '../model.ts';
import { liveGuests } from './pagesInUse.ts';
import { part } from './part.ts';
import { isSdpModel, type SdpModel } from './sdpModel.ts';

/** Buffers that are gone: a freed dma-buf, or guest memory of a destroyed VM. */
function goneBuffers(model: SdpModel, state: WorldSnapshot): Set<string> {
  const live = liveGuests(model, state);
  return new Set(
    model.buffers
      .filter((b) =>
        b.dmaBuf === undefined
          ? !live.has(b.allocatedBy) && model.guests.some((g) => g.name === b.allocatedBy)
          : bufferIsFree(part(state, b.dmaBuf)),
      )
      .map((b) => b.name),
  );
}

export const noDanglingAccessAfterRelease: Invariant = {
  name: 'noDanglingAccessAfterRelease',
  summary:
    'True iff no IOMMU mapping, VMM blob or shared-object UUID refers to a freed buffer, no destroyed VM still maps a page, and no Xen grant mapping outlives its freed page.',
  kind: 'safety',
  world(state, model) {
    if (!isSdpModel(model)) return [];
    const out: Violation[] = [];
    const gone = goneBuffers(model, state);
    const violation = (subject: string, actual: string, parties?: string[]) =>
      out.push({
        property: 'noDanglingAccessAfterRelease',
        subject,
        ...(parties ? { parties } : {}),
        expected: 'no reference after free or teardown',
        actual,
      });
    for (const buffer of model.buffers.filter((b) => gone.has(b.name))) {
      const what =
        buffer.dmaBuf === undefined
          ? `buffer ${buffer.name} of destroyed guest ${buffer.allocatedBy}`
          : `freed buffer ${buffer.name}`;
      for (const device of model.devices) {
        // A domain the host set up maps only pages the host owns (`__pkvm_host_use_dma()`), so a
        // destroyed guest's page in it was mapped after the host got the page back: no dangling
        // reference to the guest's buffer.
        const hostMappedAfterTeardown = buffer.dmaBuf === undefined && device.assignedTo === undefined;
        if (device.domain !== undefined && !hostMappedAfterTeardown) {
          const mapped = part<IommuDomainContext>(state, device.domain).context.mapped;
          if (buffer.pages.some((pfn) => mapped.includes(pfn))) {
            violation(what, `still mapped in the IOMMU domain of ${device.name}`, [device.name]);
          }
        }
      }
      for (const { component, guest } of model.imports) {
        const snap = part<VirtioGpuImportContext>(state, component);
        if (blobIsCreated(snap) && buffer.pages.some((pfn) => snap.context.pages.includes(pfn))) {
          violation(what, `the VMM still holds its pages as a blob imported by ${guest}`, ['vmm']);
        }
      }
      // A TYPE_DMABUF entry holds QEMU's own fd of the buffer; a back-end's TYPE_VHOST_DEV entry
      // is answered by the back-end, which cannot hand out what it no longer holds.
      const ownedByBackend = (exporter: string) => model.backends.some((b) => b.name === exporter);
      for (const entry of model.sharedObjects.filter(
        (s) => s.buffer === buffer.name && !ownedByBackend(s.exporter),
      )) {
        if (!entryIsAbsent(part(state, entry.component))) {
          violation(what, 'its UUID is still in the shared-object table');
        }
      }
    }
    for (const grant of model.grants ?? []) {
      const snap = part<XenGrantEntryContext>(state, grant.component);
      if (!grantOutlivedByMapping(snap)) continue;
      const { granter, grantee } = snap.context;
      const page = model.pages[grant.page]!;
      violation(
        `page ${page.label}`,
        `freed by ${granter} while ${grantee} still maps it through grant ref ${grant.ref}`,
        grantee === null ? [] : [grantee],
      );
    }
    const live = liveGuests(model, state);
    for (const [vm, guest] of model.guests.entries()) {
      if (live.has(guest.name)) continue;
      for (const page of model.pages) {
        if (page.pkvm === undefined) continue;
        const view = part<PkvmPageContext>(state, page.pkvm).context.guests[vm] ?? 'NOPAGE';
        if (guestPteIsMapped(view))
          violation(`page ${page.label}`, `still mapped (${view}) by destroyed guest ${guest.name}`, [
            guest.name,
          ]);
      }
    }
    return out;
  },
};
