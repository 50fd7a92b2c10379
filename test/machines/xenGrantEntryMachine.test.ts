/**
 * One Xen grant entry: grant, map, unmap and end access as xen/common/grant_table.c and Linux
 * drivers/xen/grant-table.c do them; the GNTST_* codes `_set_status_v1()` and `unmap_common()`
 * return; and the frontends before XSA-396, which freed a page the grantee still mapped.
 */
import { describe, expect, it } from 'vitest';
import {
  grantMappedBy,
  grantMappedWritable,
  grantOutlivedByMapping,
  type XenGrantEntryContext,
  type XenGrantEntryEvent,
  xenGrantEntryFlaws,
  xenGrantEntryMachine,
  xenGrantEntryRefusals,
} from '../../machines/xenGrantEntryMachine.ts';
import { machineDriver } from '../support/machineDriver.ts';

const entry = machineDriver<XenGrantEntryContext, XenGrantEntryEvent>(
  xenGrantEntryMachine,
  xenGrantEntryRefusals,
);
const flawed = machineDriver<XenGrantEntryContext, XenGrantEntryEvent>(
  xenGrantEntryMachine.provide(xenGrantEntryFlaws.grantedPageFreedWhileMapped.provide),
  xenGrantEntryRefusals,
);

const grant = (grantee: string, readonly: boolean): XenGrantEntryEvent => ({
  type: 'GNTTAB_GRANT_FOREIGN_ACCESS',
  grantee,
  readonly,
});
const map = (domain: string, readonly: boolean): XenGrantEntryEvent => ({
  type: 'GNTTABOP_MAP_GRANT_REF',
  domain,
  readonly,
});
const unmap = (domain: string): XenGrantEntryEvent => ({ type: 'GNTTABOP_UNMAP_GRANT_REF', domain });
const endRef: XenGrantEntryEvent = { type: 'GNTTAB_END_FOREIGN_ACCESS_REF' };
const end: XenGrantEntryEvent = { type: 'GNTTAB_END_FOREIGN_ACCESS' };
const freePage: XenGrantEntryEvent = { type: 'FREE_GRANTED_PAGE' };

const fresh = entry.start({ ref: 8, granter: 'infotainment', page: 3 });
const readOnly = entry.accept(fresh, grant('cluster', true));
const writable = entry.accept(fresh, grant('cluster', false));

describe('lifecycle', () => {
  it('goes invalid → permitted → mapped → permitted → invalid', () => {
    expect(fresh.value).toBe('invalid');
    expect(readOnly.value).toBe('permitted');
    expect(readOnly.context).toMatchObject({ grantee: 'cluster', readonly: true });
    const mapped = entry.accept(readOnly, map('cluster', true));
    expect(mapped.value).toBe('mapped');
    expect(grantMappedBy(mapped, 'cluster')).toBe(true);
    expect(grantMappedBy(mapped, 'dom0')).toBe(false);
    expect(grantMappedWritable(mapped)).toBe(false);
    const unmapped = entry.accept(mapped, unmap('cluster'));
    expect(unmapped.value).toBe('permitted');
    expect(grantMappedBy(unmapped, 'cluster')).toBe(false);
    const ended = entry.accept(unmapped, endRef);
    expect(ended.value).toBe('invalid');
    expect(ended.context).toEqual(fresh.context);
  });

  it('a read-write map of a writable grant sets GTF_writing', () => {
    const mapped = entry.accept(writable, map('cluster', false));
    expect(grantMappedWritable(mapped)).toBe(true);
    expect(grantMappedWritable(entry.accept(mapped, unmap('cluster')))).toBe(false);
  });

  it('gnttab_end_foreign_access() while mapped defers: access ends when the grantee unmaps', () => {
    const mapped = entry.accept(writable, map('cluster', true));
    const deferred = entry.accept(mapped, end);
    expect(deferred.value).toBe('endDeferred');
    expect(grantMappedBy(deferred, 'cluster')).toBe(true);
    expect(entry.accept(deferred, unmap('cluster')).value).toBe('invalid');
  });

  it('gnttab_end_foreign_access() of an unused grant ends it at once', () => {
    expect(entry.accept(readOnly, end).value).toBe('invalid');
  });
});

describe('refusals (map_grant_ref, _set_status_v1, unmap_common)', () => {
  it('a read-write map of a GTF_readonly grant: GNTST_general_error', () => {
    expect(entry.refusalDifferences(readOnly, [[map('cluster', false), 'GNTST_general_error']])).toEqual([]);
  });

  it('a map by a domain the entry does not name: GNTST_general_error', () => {
    expect(entry.refusalDifferences(writable, [[map('dom0', true), 'GNTST_general_error']])).toEqual([]);
    const mapped = entry.accept(writable, map('cluster', true));
    expect(entry.refusalDifferences(mapped, [[map('dom0', true), 'GNTST_general_error']])).toEqual([]);
  });

  it('a map of a grant never made or already ended (GTF_invalid): GNTST_general_error', () => {
    expect(entry.refusalDifferences(fresh, [[map('cluster', true), 'GNTST_general_error']])).toEqual([]);
    const ended = entry.accept(readOnly, endRef);
    expect(entry.refusalDifferences(ended, [[map('cluster', true), 'GNTST_general_error']])).toEqual([]);
  });

  it('an unmap without a mapping, or by another domain: GNTST_bad_handle', () => {
    expect(entry.refusalDifferences(readOnly, [[unmap('cluster'), 'GNTST_bad_handle']])).toEqual([]);
    const mapped = entry.accept(readOnly, map('cluster', true));
    expect(entry.refusalDifferences(mapped, [[unmap('dom0'), 'GNTST_bad_handle']])).toEqual([]);
  });

  it('gnttab_end_foreign_access_ref() while mapped returns 0: still in use', () => {
    const mapped = entry.accept(readOnly, map('cluster', true));
    expect(entry.refusalDifferences(mapped, [[endRef, 'XEN_GRANT_IN_USE']])).toEqual([]);
  });

  it('since XSA-396 a frontend keeps a page the grantee still maps', () => {
    const mapped = entry.accept(readOnly, map('cluster', true));
    expect(entry.refusalDifferences(mapped, [[freePage, 'XEN_GRANT_IN_USE']])).toEqual([]);
  });
});

describe('flaw grantedPageFreedWhileMapped (frontends before XSA-396)', () => {
  it('frees the page under a live mapping: the mapping outlives the grant', () => {
    const mapped = flawed.accept(flawed.accept(fresh, grant('cluster', true)), map('cluster', true));
    const reused = flawed.accept(mapped, freePage);
    expect(reused.value).toBe('pageReusedWhileMapped');
    expect(grantOutlivedByMapping(reused)).toBe(true);
    expect(grantMappedBy(reused, 'cluster')).toBe(true);
    expect(flawed.accept(reused, unmap('cluster')).value).toBe('invalid');
  });
});
