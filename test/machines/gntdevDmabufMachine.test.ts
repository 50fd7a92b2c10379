/**
 * One gntdev dma-buf: exported from foreign grant references and released again, as
 * drivers/xen/gntdev-dmabuf.c does it; -EINVAL in use_ptemod mode.
 */
import { describe, expect, it } from 'vitest';
import {
  type GntdevDmabufContext,
  type GntdevDmabufEvent,
  gntdevDmabufIsExported,
  gntdevDmabufMachine,
  gntdevDmabufRefusals,
} from '../../machines/gntdevDmabufMachine.ts';
import { machineDriver } from '../support/machineDriver.ts';

const gntdev = machineDriver<GntdevDmabufContext, GntdevDmabufEvent>(
  gntdevDmabufMachine,
  gntdevDmabufRefusals,
);
const exportFromRefs: GntdevDmabufEvent = { type: 'GNTDEV_DMABUF_EXP_FROM_REFS' };
const release: GntdevDmabufEvent = { type: 'DMA_BUF_RELEASE' };

describe('lifecycle', () => {
  it('goes noExport → exported → noExport', () => {
    const none = gntdev.start({ domain: 'cluster', usePtemod: false });
    const exported = gntdev.accept(none, exportFromRefs);
    expect(gntdevDmabufIsExported(exported)).toBe(true);
    const released = gntdev.accept(exported, release);
    expect(gntdevDmabufIsExported(released)).toBe(false);
    expect(released).toEqual(none);
  });
});

describe('refusals (gntdev_ioctl_dmabuf_exp_from_refs)', () => {
  it('use_ptemod (a PV domain): -EINVAL', () => {
    const pv = gntdev.start({ domain: 'cluster', usePtemod: true });
    expect(gntdev.refusalDifferences(pv, [[exportFromRefs, 'EINVAL']])).toEqual([]);
  });

  it('a release with no dma-buf, or a second export, is not issued', () => {
    const none = gntdev.start({ domain: 'cluster', usePtemod: false });
    expect(gntdev.refusalDifferences(none, [[release, 'NOT_ISSUED']])).toEqual([]);
    const exported = gntdev.accept(none, exportFromRefs);
    expect(gntdev.refusalDifferences(exported, [[exportFromRefs, 'NOT_ISSUED']])).toEqual([]);
  });
});
