/**
 * A foreign dma-buf imported into virtio-gpu (virtgpu_prime.c): the buffer's pages reach the
 * VMM at RESOURCE_CREATE_BLOB whatever the buffer is, because the import has no notion of
 * protection (reference B3, D.10). The refusing variant is a proposed fix.
 */
import { describe, expect, it } from 'vitest';
import {
  blobIsCreated,
  importIsUnattached,
  type VirtioGpuImportContext,
  type VirtioGpuImportEvent,
  virtioGpuImportFlaws,
  virtioGpuImportMachine,
  virtioGpuImportRefusals,
  virtioGpuImportRefusesProtectedMachine,
} from '../../machines/virtioGpuImportMachine.ts';
import { compareDrivers, machineDriver } from '../support/machineDriver.ts';
import { expectTrueExactlyIn } from './statePredicates.ts';

type E = VirtioGpuImportEvent;

const input = { guest: 'display', resource: 3, hasResourceBlob: true };
const real = machineDriver<VirtioGpuImportContext, E>(virtioGpuImportMachine, virtioGpuImportRefusals, {
  input: input,
});
const fixed = machineDriver<VirtioGpuImportContext, E>(
  virtioGpuImportRefusesProtectedMachine,
  virtioGpuImportRefusals,
  { input: input },
);

const importBuf = (facts: Partial<Extract<E, { type: 'GEM_PRIME_IMPORT' }>> = {}): E => ({
  type: 'GEM_PRIME_IMPORT',
  pages: [10, 11],
  bufferProtected: true,
  exportedBySameDevice: false,
  exporterAcceptsAttach: true,
  ...facts,
});
const pin: E = { type: 'DMA_BUF_PIN' };
const wait = (kernelFencesSignalled = true): E => ({ type: 'DMA_RESV_WAIT_TIMEOUT', kernelFencesSignalled });
const map = (exporterMapSucceeds = true): E => ({ type: 'DMA_BUF_MAP_ATTACHMENT', exporterMapSucceeds });
const createBlob: E = { type: 'VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB' };
const moveNotify: E = { type: 'DMA_BUF_MOVE_NOTIFY' };
const free: E = { type: 'GEM_FREE_OBJECT' };

const handed = {
  type: 'PAGES_HANDED_TO_VMM',
  pages: [10, 11],
  guest: 'display',
  resource: 3,
  by: 'VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB',
};
const withdrawn = {
  type: 'PAGES_WITHDRAWN_FROM_VMM',
  pages: [10, 11],
  guest: 'display',
  resource: 3,
  by: 'VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING',
};

describe('the import path (virtgpu_gem_prime_import → virtgpu_dma_buf_init_obj)', () => {
  it('attach → pin → wait fences → map → CREATE_BLOB hands the pages to the VMM', () => {
    const attached = real.accept(real.start(), importBuf());
    expect(attached.value).toBe('attached');
    expect(attached.context).toMatchObject({ pages: [10, 11], bufferProtected: true });
    const mapped = [pin, wait(), map()].reduce((snap, event) => real.accept(snap, event), attached);
    expect(mapped.value).toBe('mapped');
    const { snap, emitted } = real.acceptEmitting(mapped, createBlob);
    expect(snap.value).toBe('blobCreated');
    expect(emitted).toEqual([handed]);
  });

  it('a protected buffer goes through unchanged: virtioImportDropsProtection is the real behaviour', () => {
    const snap = real.run([importBuf({ bufferProtected: true }), pin, wait(), map(), createBlob]);
    expect(snap.value).toBe('blobCreated');
    expect(snap.context.bufferProtected).toBe(true);
  });

  it('move_notify detaches the backing; free afterwards only unrefs the resource', () => {
    const created = real.run([importBuf(), pin, wait(), map(), createBlob]);
    const moved = real.acceptEmitting(created, moveNotify);
    expect(moved.snap.value).toBe('backingDetached');
    expect(moved.emitted).toEqual([withdrawn]);
    const freed = real.acceptEmitting(moved.snap, free);
    expect(freed.snap.value).toBe('released');
    expect(freed.emitted).toEqual([]);
  });

  it('free of a created resource detaches its backing first', () => {
    const { snap, emitted } = real.acceptEmitting(
      real.run([importBuf(), pin, wait(), map(), createBlob]),
      free,
    );
    expect(snap.value).toBe('released');
    expect(snap.context.pages).toEqual([]);
    expect(emitted).toEqual([withdrawn]);
  });

  it('a buffer this device exported is its own GEM object: nothing is imported', () => {
    const own = real.accept(real.start(), importBuf({ exportedBySameDevice: true }));
    expect(own.value).toBe('ownObject');
    expect(own.context.pages).toEqual([]);
  });
});

describe('refusals', () => {
  it('without blob support the import fails with -ENODEV (virtgpu_gem_prime_import_sg_table)', () => {
    expect(
      real.refusalDifferences(real.start({ ...input, hasResourceBlob: false }), [[importBuf(), 'ENODEV']]),
    ).toEqual([]);
  });

  it('an exporter that refuses the attachment (-EBUSY)', () => {
    expect(
      real.refusalDifferences(real.start(), [[importBuf({ exporterAcceptsAttach: false }), 'EBUSY']]),
    ).toEqual([]);
  });

  it('the fence wait blocks until the kernel fences signal; a map error is returned', () => {
    const pinned = real.run([importBuf(), pin]);
    expect(real.refusalDifferences(pinned, [[wait(false), 'EAGAIN']])).toEqual([]);
    const waited = real.accept(pinned, wait());
    expect(real.refusalDifferences(waited, [[map(false), 'ENOMEM']])).toEqual([]);
    expect(real.accept(waited, free).value).toBe('released');
  });

  it('a failed import unwinds from any step before the map (virtgpu_dma_buf_free_obj)', () => {
    for (const steps of [[importBuf()], [importBuf(), pin], [importBuf(), pin, wait()]]) {
      const { snap, emitted } = real.acceptEmitting(real.run(steps), free);
      expect(snap.value).toBe('released');
      expect(emitted).toEqual([]);
    }
  });

  it('steps are issued in order only', () => {
    expect(
      real.refusalDifferences(real.start(), [
        [pin, 'NOT_ISSUED'],
        [createBlob, 'NOT_ISSUED'],
        [free, 'NOT_ISSUED'],
      ]),
    ).toEqual([]);
    expect(
      real.refusalDifferences(real.run([importBuf()]), [
        [map(), 'NOT_ISSUED'],
        [importBuf(), 'NOT_ISSUED'],
      ]),
    ).toEqual([]);
    expect(
      real.refusalDifferences(real.run([importBuf(), pin, wait(), map()]), [
        [free, 'NOT_ISSUED'],
        [moveNotify, 'NOT_ISSUED'],
      ]),
    ).toEqual([]);
  });
});

describe('variant refusesProtectedImport (proposed fix) and the flaw virtioImportDropsProtection', () => {
  it('the variant refuses a protected buffer before attaching (-EACCES) and imports the rest', () => {
    expect(
      fixed.refusalDifferences(fixed.start(), [[importBuf({ bufferProtected: true }), 'EACCES']]),
    ).toEqual([]);
    expect(fixed.run([importBuf({ bufferProtected: false }), pin, wait(), map(), createBlob]).value).toBe(
      'blobCreated',
    );
  });

  it('the flaw turns the variant back into the real import', () => {
    const flawed = machineDriver<VirtioGpuImportContext, E>(
      virtioGpuImportRefusesProtectedMachine.provide(
        virtioGpuImportFlaws.virtioImportDropsProtection.provide,
      ),
      virtioGpuImportRefusals,
      { input: input },
    );
    const { emitted } = flawed.acceptEmitting(
      flawed.run([importBuf({ bufferProtected: true }), pin, wait(), map()]),
      createBlob,
    );
    expect(emitted).toEqual([handed]);
  });
});

describe('compiled driver and XState agree', () => {
  it('on a scripted import with failures in between', () => {
    const events: E[] = [
      pin,
      importBuf(),
      pin,
      wait(false),
      wait(),
      map(false),
      map(),
      createBlob,
      moveNotify,
      free,
      free,
    ];
    const upstream = compareDrivers(virtioGpuImportMachine, input, events);
    const refusing = compareDrivers(virtioGpuImportRefusesProtectedMachine, input, events);
    expect([upstream.disagreements, refusing.disagreements]).toEqual([[], []]);
    expect([upstream.accepted, refusing.accepted]).toEqual([7, 0]);
  });
});

describe('snapshot predicates', () => {
  it('each is true in exactly the states it names', () => {
    expectTrueExactlyIn(virtioGpuImportMachine, importIsUnattached, ['unattached']);
    expectTrueExactlyIn(virtioGpuImportMachine, blobIsCreated, ['blobCreated']);
  });
});
