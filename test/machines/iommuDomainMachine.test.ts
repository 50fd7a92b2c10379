/**
 * The pKVM explicit IOMMU domain of nvhe/iommu/iommu.c: refs 0/1/1+n, BUG_ON in domain_get()
 * for a free domain, -EINVAL for free/detach at the wrong refs, -EBUSY for a live STE, and the
 * refcount rollback of a partial map.
 */
import { describe, expect, it } from 'vitest';
import {
  type IommuDomainContext,
  type IommuDomainEvent,
  iommuDomainMachine,
  iommuDomainRefusals,
} from '../../machines/iommuDomainMachine.ts';
import { driverDisagreements, machineDriver } from '../support/machineDriver.ts';

const domain = machineDriver<IommuDomainContext, IommuDomainEvent>(iommuDomainMachine, iommuDomainRefusals);

const alloc: IommuDomainEvent = { type: 'IOMMU_ALLOC_DOMAIN' };
const free: IommuDomainEvent = { type: 'IOMMU_FREE_DOMAIN' };
const attach = (endpoint: number, endpointInUse = false): IommuDomainEvent => ({
  type: 'IOMMU_ATTACH_DEV',
  endpoint,
  endpointInUse,
});
const detach = (endpoint: number): IommuDomainEvent => ({ type: 'IOMMU_DETACH_DEV', endpoint });
const map = (pages: number[], mapped?: number): IommuDomainEvent =>
  mapped === undefined ? { type: 'IOMMU_MAP_PAGES', pages } : { type: 'IOMMU_MAP_PAGES', pages, mapped };
const unmap = (pages: number[]): IommuDomainEvent => ({ type: 'IOMMU_UNMAP_PAGES', pages });

const freeDomain = domain.start({ domainId: 3 });
const allocated = domain.accept(freeDomain, alloc);
const attached = domain.accept(allocated, attach(7));

describe('lifecycle', () => {
  it('goes free → allocated → attached → allocated → free', () => {
    expect(freeDomain.value).toBe('free');
    expect(allocated.value).toBe('allocated');
    expect(attached.value).toBe('attached');
    expect(attached.context.endpoints).toEqual([7]);
    const detached = domain.accept(attached, detach(7));
    expect(detached.value).toBe('allocated');
    const freed = domain.accept(detached, free);
    expect(freed.value).toBe('free');
    expect(freed.context).toEqual(freeDomain.context);
  });

  it('counts endpoints: a second attach adds a reference, the first detach keeps it attached', () => {
    const two = domain.accept(attached, attach(9));
    expect(two.context.endpoints).toEqual([7, 9]);
    const one = domain.accept(two, detach(7));
    expect(one.value).toBe('attached');
    expect(one.context.endpoints).toEqual([9]);
  });

  it('maps and unmaps with or without an endpoint attached, emitting nothing', () => {
    for (const start of [allocated, attached]) {
      const mapped = domain.acceptEmitting(start, map([1, 2]));
      expect(mapped.snap.context.mapped).toEqual([1, 2]);
      expect(mapped.emitted).toEqual([]);
      const unmapped = domain.acceptEmitting(mapped.snap, unmap([2]));
      expect(unmapped.snap.context.mapped).toEqual([1]);
      expect(unmapped.emitted).toEqual([]);
      expect(unmapped.snap.value).toBe(start.value);
    }
  });

  it('drops the refcounts of pages a freed domain still maps (deferred unuse on free)', () => {
    const mapped = domain.accept(allocated, map([4, 5]));
    const { snap, emitted } = domain.acceptEmitting(mapped, free);
    expect(snap.value).toBe('free');
    expect(snap.context.mapped).toEqual([]);
    expect(emitted).toEqual([{ type: 'DMA_UNUSED', pages: [4, 5], by: 'kvm_iommu_free_domain' }]);
    expect(domain.acceptEmitting(allocated, free).emitted).toEqual([]);
  });
});

describe('refusals (nvhe/iommu/iommu.c)', () => {
  it('map, attach or unmap before alloc: domain_get() hits BUG_ON(!old)', () => {
    expect(
      domain.refusalDifferences(freeDomain, [
        [map([1]), 'KERNEL_BUG'],
        [attach(7), 'KERNEL_BUG'],
        [unmap([1]), 'KERNEL_BUG'],
      ]),
    ).toEqual([]);
  });

  it('free before alloc or while attached: WARN and -EINVAL (refs not 1)', () => {
    expect(domain.refusalDifferences(freeDomain, [[free, 'EINVAL']])).toEqual([]);
    expect(domain.refusalDifferences(attached, [[free, 'EINVAL']])).toEqual([]);
  });

  it('alloc of a live domain: -EINVAL (refs not 0)', () => {
    expect(domain.refusalDifferences(allocated, [[alloc, 'EINVAL']])).toEqual([]);
    expect(domain.refusalDifferences(attached, [[alloc, 'EINVAL']])).toEqual([]);
  });

  it('detach with nothing attached: -EINVAL (refs ≤ 1)', () => {
    expect(domain.refusalDifferences(freeDomain, [[detach(7), 'EINVAL']])).toEqual([]);
    expect(domain.refusalDifferences(allocated, [[detach(7), 'EINVAL']])).toEqual([]);
  });

  it('attach of a stream whose STE is live: -EBUSY (smmu_attach_dev)', () => {
    expect(domain.refusalDifferences(allocated, [[attach(7, true), 'EBUSY']])).toEqual([]);
    expect(domain.refusalDifferences(attached, [[attach(9, true), 'EBUSY']])).toEqual([]);
  });

  it('map of a page already mapped: -EEXIST; unmap of a page not mapped: nothing unmapped', () => {
    const mapped = domain.accept(attached, map([1, 2]));
    expect(
      domain.refusalDifferences(mapped, [
        [map([2, 3]), 'EEXIST'],
        [unmap([3]), 'NO_EFFECT'],
        [unmap([2, 3]), 'NO_EFFECT'],
      ]),
    ).toEqual([]);
  });

  it('the host never detaches an endpoint it did not attach here', () => {
    expect(domain.refusalDifferences(attached, [[detach(9), 'NOT_ISSUED']])).toEqual([]);
  });
});

describe('partial map (page-table pool ran dry, -ENOMEM masked as a request)', () => {
  it('keeps the mapped head and unuses the unmapped tail', () => {
    const { snap, emitted } = domain.acceptEmitting(attached, map([10, 11, 12], 1));
    expect(snap.context.mapped).toEqual([10]);
    expect(emitted).toEqual([{ type: 'DMA_UNUSED', pages: [11, 12], by: 'kvm_iommu_map_pages' }]);
    const retried = domain.acceptEmitting(snap, map([11, 12]));
    expect(retried.snap.context.mapped).toEqual([10, 11, 12]);
    expect(retried.emitted).toEqual([]);
  });

  it('maps nothing and unuses everything when no page fit', () => {
    const { snap, emitted } = domain.acceptEmitting(attached, map([10, 11], 0));
    expect(snap.context.mapped).toEqual([]);
    expect(emitted).toEqual([{ type: 'DMA_UNUSED', pages: [10, 11], by: 'kvm_iommu_map_pages' }]);
  });
});

describe('compiled and interpreted steppers', () => {
  const script: IommuDomainEvent[] = [
    map([1]),
    free,
    alloc,
    alloc,
    map([1, 2, 3], 1),
    map([2, 3]),
    map([3]),
    attach(7),
    attach(7, true),
    attach(9),
    free,
    detach(8),
    detach(7),
    unmap([1]),
    unmap([1]),
    detach(9),
    detach(9),
    free,
    unmap([2]),
  ];
  it('agree on a scripted sequence', () => {
    expect(driverDisagreements(iommuDomainMachine, { domainId: 3 }, script)).toEqual([]);
  });
});
