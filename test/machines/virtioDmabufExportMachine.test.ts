/**
 * The virtio-gpu UUID state of an exported object (virtgpu_prime.c, virtgpu_vq.c,
 * virtio_dma_buf.c): which exports ask the host for a UUID, which go straight to STATE_ERR, and
 * what `virtio_dma_buf_get_uuid()` returns in each state.
 */
import { describe, expect, it } from 'vitest';
import {
  cfiVirtioDmabufExportMachine,
  exportIsInitializing,
  uuidIsAssigned,
  type VirtioDmabufExportContext,
  type VirtioDmabufExportEvent,
  type VirtioDmabufExportInput,
  virtioDmabufExportMachine,
  virtioDmabufExportRefusals,
} from '../../machines/virtioDmabufExportMachine.ts';
import { compareDrivers, machineDriver } from '../support/machineDriver.ts';
import { expectTrueExactlyIn } from './statePredicates.ts';

type E = VirtioDmabufExportEvent;

const nonBlob: VirtioDmabufExportInput = {
  resource: 7,
  blob: false,
  useCrossDevice: false,
  hasResourceAssignUuid: true,
};
const crossBlob: VirtioDmabufExportInput = { ...nonBlob, blob: true, useCrossDevice: true };
const plainBlob: VirtioDmabufExportInput = { ...nonBlob, blob: true, useCrossDevice: false };

const obj = machineDriver<VirtioDmabufExportContext, E>(
  virtioDmabufExportMachine,
  virtioDmabufExportRefusals,
  { input: nonBlob },
);

const exportIt: E = { type: 'GEM_PRIME_EXPORT' };
const getUuid: E = { type: 'VIRTIO_DMA_BUF_GET_UUID' };
const assignUuid: E = { type: 'RESOURCE_ASSIGN_UUID' };
const ok = (uuid = 'u-7'): E => ({
  type: 'RESOURCE_UUID_CB',
  response: 'VIRTIO_GPU_RESP_OK_RESOURCE_UUID',
  uuid,
});
const failed: E = { type: 'RESOURCE_UUID_CB', response: 'VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID', uuid: '' };

describe('non-blob object on a device with VIRTIO_GPU_F_RESOURCE_UUID', () => {
  it('export sends RESOURCE_ASSIGN_UUID and stays INITIALIZING until the host answers', () => {
    const { snap, emitted } = obj.acceptEmitting(obj.start(), exportIt);
    expect(snap.value).toBe('INITIALIZING');
    expect(snap.context.exported).toBe(true);
    expect(snap.context.assignUuidSent).toBe(true);
    expect(emitted).toEqual([{ type: 'VIRTIO_GPU_CMD_SENT', cmd: 'RESOURCE_ASSIGN_UUID', resource: 7 }]);
  });

  it('VIRTIO_GPU_RESP_OK_RESOURCE_UUID → OK; get_uuid returns the UUID', () => {
    const named = obj.run([exportIt, ok('u-7')]);
    expect(named.value).toBe('OK');
    expect(named.context.uuid).toBe('u-7');
    const { snap, emitted } = obj.acceptEmitting(named, getUuid);
    expect(emitted).toEqual([{ type: 'UUID_OBTAINED', resource: 7, uuid: 'u-7' }]);
    expect(snap.context.uuidObtained).toBe(true);
  });

  it('any other response → ERR (virtio_gpu_cmd_resource_uuid_cb)', () => {
    expect(obj.run([exportIt, failed]).value).toBe('ERR');
  });
});

describe('exports that set STATE_ERR at once', () => {
  it('UUID ERR for a blob without VIRTGPU_BLOB_FLAG_USE_CROSS_DEVICE', () => {
    const { snap, emitted } = obj.acceptEmitting(obj.start(plainBlob), exportIt);
    expect(snap.value).toBe('ERR');
    expect(emitted).toEqual([]);
    expect(obj.refusalDifferences(snap, [[getUuid, 'ENODEV']])).toEqual([]);
  });

  it('UUID ERR for a non-blob object when the device lacks the UUID feature', () => {
    const snap = obj.accept(obj.start({ ...nonBlob, hasResourceAssignUuid: false }), exportIt);
    expect(snap.value).toBe('ERR');
    expect(snap.context.assignUuidSent).toBe(false);
  });
});

describe('cross-device blob', () => {
  it('gets its UUID from the create-blob ioctl; the export does not ask again', () => {
    const created = obj.acceptEmitting(obj.start(crossBlob), assignUuid);
    expect(created.emitted).toEqual([
      { type: 'VIRTIO_GPU_CMD_SENT', cmd: 'RESOURCE_ASSIGN_UUID', resource: 7 },
    ]);
    const exported = obj.acceptEmitting(created.snap, exportIt);
    expect(exported.snap.value).toBe('INITIALIZING');
    expect(exported.emitted).toEqual([]);
    const named = obj.accept(exported.snap, ok());
    expect(named.value).toBe('OK');
    expect(obj.call(named, getUuid).ok).toBe(true);
  });

  it('may be named before it is exported, and exported after a failed assignment (get_uuid -ENODEV)', () => {
    const named = obj.run([assignUuid, ok()], crossBlob);
    expect(obj.accept(named, exportIt).value).toBe('OK');
    const failedBlob = obj.run([assignUuid, failed, exportIt], crossBlob);
    expect(failedBlob.value).toBe('ERR');
    expect(obj.refusalDifferences(failedBlob, [[getUuid, 'ENODEV']])).toEqual([]);
  });

  it('is refused at creation without the UUID feature (verify_blob: -EINVAL)', () => {
    expect(
      obj.refusalDifferences(obj.start({ ...crossBlob, hasResourceAssignUuid: false }), [
        [assignUuid, 'EINVAL'],
      ]),
    ).toEqual([]);
  });

  it('is never exported before its create-blob ioctl', () => {
    expect(obj.refusalDifferences(obj.start(crossBlob), [[exportIt, 'NOT_ISSUED']])).toEqual([]);
  });
});

describe('VIRTIO_DMA_BUF_GET_UUID before OK', () => {
  it('returns -ENODEV in ERR, waits in INITIALIZING, and needs a dma-buf first', () => {
    expect(obj.refusalDifferences(obj.start(), [[getUuid, 'NOT_ISSUED']])).toEqual([]);
    expect(obj.refusalDifferences(obj.run([exportIt]), [[getUuid, 'EAGAIN']])).toEqual([]);
    expect(obj.refusalDifferences(obj.run([exportIt, failed]), [[getUuid, 'ENODEV']])).toEqual([]);
    expect(obj.refusalDifferences(obj.run([], plainBlob), [[getUuid, 'NOT_ISSUED']])).toEqual([]);
    expect(obj.refusalDifferences(obj.run([assignUuid, ok()], crossBlob), [[getUuid, 'NOT_ISSUED']])).toEqual(
      [],
    );
  });
});

describe('refusals', () => {
  it('sends RESOURCE_ASSIGN_UUID once, for cross-device blobs only', () => {
    expect(obj.refusalDifferences(obj.start(), [[assignUuid, 'NOT_ISSUED']])).toEqual([]);
    expect(obj.refusalDifferences(obj.start(plainBlob), [[assignUuid, 'NOT_ISSUED']])).toEqual([]);
    expect(obj.refusalDifferences(obj.run([assignUuid], crossBlob), [[assignUuid, 'NOT_ISSUED']])).toEqual(
      [],
    );
    expect(
      obj.refusalDifferences(obj.run([assignUuid, ok()], crossBlob), [[assignUuid, 'NOT_ISSUED']]),
    ).toEqual([]);
  });

  it('exports once: drm reuses the cached dma-buf (NO_EFFECT)', () => {
    expect(obj.refusalDifferences(obj.run([exportIt]), [[exportIt, 'NO_EFFECT']])).toEqual([]);
    expect(obj.refusalDifferences(obj.run([exportIt, ok()]), [[exportIt, 'NO_EFFECT']])).toEqual([]);
    expect(obj.refusalDifferences(obj.run([exportIt], plainBlob), [[exportIt, 'NO_EFFECT']])).toEqual([]);
  });

  it('gets no response without a request, and none after the final state', () => {
    expect(obj.refusalDifferences(obj.start(plainBlob), [[ok(), 'NOT_ISSUED']])).toEqual([]);
    expect(obj.refusalDifferences(obj.run([exportIt, ok()]), [[ok(), 'NOT_ISSUED']])).toEqual([]);
    expect(obj.refusalDifferences(obj.run([exportIt, failed]), [[failed, 'NOT_ISSUED']])).toEqual([]);
  });

  it('virtio_dma_buf_export(): -EINVAL without get_uuid or with a foreign attach op', () => {
    expect(
      obj.refusalDifferences(obj.start({ ...nonBlob, opsHaveGetUuid: false }), [[exportIt, 'EINVAL']]),
    ).toEqual([]);
    expect(
      obj.refusalDifferences(obj.start({ ...plainBlob, opsAttachIsVirtioDmaBufAttach: false }), [
        [exportIt, 'EINVAL'],
      ]),
    ).toEqual([]);
  });

  it('CONFIG_CFI_CLANG && CONFIG_MODULES skips the attach checks of export and get_uuid', () => {
    const cfi = machineDriver<VirtioDmabufExportContext, E>(
      cfiVirtioDmabufExportMachine,
      virtioDmabufExportRefusals,
      { input: { ...nonBlob, opsAttachIsVirtioDmaBufAttach: false } },
    );
    const named = cfi.run([exportIt, ok()]);
    expect(cfi.call(named, getUuid).ok).toBe(true);
  });
});

describe('compiled driver and XState agree', () => {
  it('on a scripted sequence with refusals in between', () => {
    const events: E[] = [
      getUuid,
      assignUuid,
      exportIt,
      getUuid,
      exportIt,
      ok('u-1'),
      getUuid,
      failed,
      getUuid,
      exportIt,
    ];
    const runs = [crossBlob, nonBlob, plainBlob].map((input) =>
      compareDrivers(virtioDmabufExportMachine, input, events),
    );
    expect(runs.map((run) => run.disagreements)).toEqual([[], [], []]);
    expect(runs.map((run) => run.accepted)).toEqual([5, 4, 1]);
  });
});

describe('snapshot predicates', () => {
  it('each is true in exactly the states it names', () => {
    expectTrueExactlyIn(virtioDmabufExportMachine, exportIsInitializing, ['INITIALIZING']);
    expectTrueExactlyIn(virtioDmabufExportMachine, uuidIsAssigned, ['OK']);
  });
});
