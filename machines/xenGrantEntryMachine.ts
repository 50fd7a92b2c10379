/**
 * One Xen grant entry (grant table v1) of the granting domain: which page it grants, to which
 * domain, read-only or not, and whether the grantee has it mapped. One machine per grant
 * reference keeps the state space small: a page granted to two domains is two entries, as in
 * Xen, where each entry names one `domid`.
 *
 * Sources (read for this model):
 * - `xen-project/xen` at c447b7308b13 (4.23-unstable): `xen/common/grant_table.c`
 *   (`map_grant_ref()`, `_set_status_v1()`, `unmap_common()`, `unmap_common_complete()`) and
 *   `xen/include/public/grant_table.h` (the `GTF_*` flags, the `GNTST_*` codes, the rules for
 *   "invalidating an in-use GTF_permit_access entry");
 * - `torvalds/linux` `drivers/xen/grant-table.c` as stored at 008c320a96d2 (an older release
 *   whose `gnttab_end_foreign_access_ref()` still takes `readonly`; the argument was dropped
 *   later and the semantics kept): `gnttab_grant_foreign_access_ref()`,
 *   `gnttab_end_foreign_access_ref()`, `gnttab_end_foreign_access()`, `gnttab_add_deferred()`,
 *   `gnttab_handle_deferred()`; and the XSA-396 fix that added `gnttab_try_end_foreign_access()`
 *   so that a frontend stops freeing a page a backend still maps.
 *
 * Where the sources and the usual description differ: a read-write map of a read-only grant,
 * and a map of an ended grant (flags back to `GTF_invalid`), are refused by `_set_status_v1()`
 * with `GNTST_general_error`, not `GNTST_permission_denied` (which Xen returns only when the XSM
 * policy refuses the map, `xsm_grant_mapref()`); a reference beyond the table is
 * `GNTST_bad_gntref`. The model uses the codes the source returns.
 *
 * States:
 * - `invalid`: `GTF_invalid`, the reference is free (never granted, or access ended);
 * - `permitted`: `GTF_permit_access` (optionally `GTF_readonly`), nobody maps it;
 * - `mapped`: the grantee maps it; Xen has set `GTF_reading` (and `GTF_writing` for a
 *   read-write map) and holds a reference on the page;
 * - `endDeferred`: the granter called `gnttab_end_foreign_access()` while it was mapped: the
 *   entry stays in use, Linux queues it and ends access (and frees the page) only once the
 *   grantee unmaps;
 * - `pageReusedWhileMapped`: the granter freed the page while the grantee still maps it (the
 *   frontends XSA-396 fixed, flaw `grantedPageFreedWhileMapped`): the mapping outlives the grant
 *   and sees whatever the granter puts in the page next.
 *
 * Modelling choices: one mapping (one maptrack handle) per entry; the cmpxchg retries of
 * `_set_status_v1()`, sub-page and transitive grants, grant copy and v2 tables are not
 * modelled; XSM is the dummy policy (no `GNTST_permission_denied`).
 */
import { and, assign, setup } from 'xstate';
import type { MachineFlaw } from './flaws.ts';
import type { RefusalTable } from './refusals.ts';
import type { MachineSnapshot } from './snapshot.ts';

export interface XenGrantEntryInput {
  /** The grant reference, for messages only. */
  readonly ref: number;
  /** The granting domain, as the world names it. */
  readonly granter: string;
  /** The granted page, as the world numbers it. */
  readonly page: number;
}

export interface XenGrantEntryContext {
  readonly ref: number;
  readonly granter: string;
  readonly page: number;
  /** The entry's `domid`: who may map it (null while `GTF_invalid`). */
  readonly grantee: string | null;
  /** `GTF_readonly`. */
  readonly readonly: boolean;
  /** `GTF_writing`: the mapping is read-write. */
  readonly writableMap: boolean;
}

export type XenGrantEntryEvent =
  /** `gnttab_grant_foreign_access_ref()`: the granter writes `domid`, `frame`, then the flags. */
  | { readonly type: 'GNTTAB_GRANT_FOREIGN_ACCESS'; readonly grantee: string; readonly readonly: boolean }
  /** `GNTTABOP_map_grant_ref` (`map_grant_ref()`), `GNTMAP_host_map`, `GNTMAP_readonly` iff `readonly`. */
  | { readonly type: 'GNTTABOP_MAP_GRANT_REF'; readonly domain: string; readonly readonly: boolean }
  /** `GNTTABOP_unmap_grant_ref` (`unmap_common()`), by the domain holding the handle. */
  | { readonly type: 'GNTTABOP_UNMAP_GRANT_REF'; readonly domain: string }
  /** `gnttab_end_foreign_access_ref()` / `gnttab_try_end_foreign_access()`: end access iff unused. */
  | { readonly type: 'GNTTAB_END_FOREIGN_ACCESS_REF' }
  /** `gnttab_end_foreign_access()`: end access now, or defer it (and the page's free) until unused. */
  | { readonly type: 'GNTTAB_END_FOREIGN_ACCESS' }
  /** The granter's driver frees the granted page back to its allocator, grant or no grant. */
  | { readonly type: 'FREE_GRANTED_PAGE' };

function mapOf(event: XenGrantEntryEvent) {
  return event.type === 'GNTTABOP_MAP_GRANT_REF' ? event : undefined;
}

export const xenGrantEntryMachine = setup({
  types: {
    context: {} as XenGrantEntryContext,
    events: {} as XenGrantEntryEvent,
    input: {} as XenGrantEntryInput,
  },
  guards: {
    /**
     * `_set_status_v1()` in xen/common/grant_table.c: an unpinned entry whose domid is not the
     * mapping domain is "Bad flags or dom" (GNTST_general_error).
     */
    mapperIsGrantee: ({ context, event }) => mapOf(event)?.domain === context.grantee,
    /**
     * `_set_status_v1()` in xen/common/grant_table.c: a read-write map sets GTF_writing, refused
     * for a GTF_readonly entry ("Attempt to write-pin a read-only entry", GNTST_general_error).
     */
    writeMapOfWritableGrant: ({ context, event }) => mapOf(event)?.readonly === true || !context.readonly,
    /**
     * `unmap_common()` in xen/common/grant_table.c: the handle must be one of the unmapping
     * domain's maptrack entries (GNTST_bad_handle).
     */
    unmapperHoldsMapping: ({ context, event }) =>
      event.type === 'GNTTABOP_UNMAP_GRANT_REF' && event.domain === context.grantee,
    /**
     * `gnttab_try_end_foreign_access()` in drivers/xen/grant-table.c (the XSA-396 fix): a
     * frontend frees a granted page only once access ended; while GTF_reading or GTF_writing
     * is set it keeps the page (and leaks or defers it). The flaw `grantedPageFreedWhileMapped`
     * is the frontends before that fix.
     */
    grantNotInUse: () => false,
  },
  actions: {
    writeGrantEntry: assign(({ event }) =>
      event.type === 'GNTTAB_GRANT_FOREIGN_ACCESS'
        ? { grantee: event.grantee, readonly: event.readonly, writableMap: false }
        : {},
    ),
    /** `_set_status_v1()`: `GTF_reading`, and `GTF_writing` unless `GNTMAP_readonly`. */
    setInUseFlags: assign(({ event }) => ({ writableMap: mapOf(event)?.readonly === false })),
    /** `unmap_common_complete()`: the pin drops to zero, `GTF_reading`/`GTF_writing` cleared. */
    clearInUseFlags: assign({ writableMap: false }),
    /** `gnttab_end_foreign_access_ref()`: cmpxchg the flags to 0 (`GTF_invalid`). */
    clearGrantEntry: assign({ grantee: null, readonly: false, writableMap: false }),
  },
}).createMachine({
  id: 'xenGrantEntry',
  description:
    'One Xen grant entry of a granting domain: the page it grants, to whom, and whether the grantee maps it.',
  context: ({ input }) => ({
    ref: input.ref,
    granter: input.granter,
    page: input.page,
    grantee: null,
    readonly: false,
    writableMap: false,
  }),
  initial: 'invalid',
  states: {
    invalid: {
      description: 'GTF_invalid: the reference grants nothing',
      on: {
        GNTTAB_GRANT_FOREIGN_ACCESS: { target: 'permitted', actions: 'writeGrantEntry' },
        /** Access ended or never granted: nothing to end. */
        GNTTAB_END_FOREIGN_ACCESS_REF: {},
      },
    },
    permitted: {
      description: 'GTF_permit_access: the grantee may map the page; nobody maps it',
      on: {
        /** `map_grant_ref()`: `_set_status()` pins the entry; the page is mapped in the grantee. */
        GNTTABOP_MAP_GRANT_REF: {
          guard: and(['mapperIsGrantee', 'writeMapOfWritableGrant']),
          target: 'mapped',
          actions: 'setInUseFlags',
        },
        /** `gnttab_end_foreign_access_ref()`: flags not in use, cmpxchg to 0, returns 1. */
        GNTTAB_END_FOREIGN_ACCESS_REF: { target: 'invalid', actions: 'clearGrantEntry' },
        /** `gnttab_end_foreign_access()`: ends at once, `put_page()` frees the page. */
        GNTTAB_END_FOREIGN_ACCESS: { target: 'invalid', actions: 'clearGrantEntry' },
      },
    },
    mapped: {
      description: 'GTF_reading (and GTF_writing): the grantee maps the page',
      on: {
        /** `unmap_common()` + `unmap_common_complete()`: the last pin goes, the flags clear. */
        GNTTABOP_UNMAP_GRANT_REF: {
          guard: 'unmapperHoldsMapping',
          target: 'permitted',
          actions: 'clearInUseFlags',
        },
        /** `gnttab_end_foreign_access()` in use: `gnttab_add_deferred()` queues ref and page. */
        GNTTAB_END_FOREIGN_ACCESS: { target: 'endDeferred' },
        /** The granter's driver gives the page back while the grantee still maps it. */
        FREE_GRANTED_PAGE: { guard: 'grantNotInUse', target: 'pageReusedWhileMapped' },
      },
    },
    endDeferred: {
      description: 'Access ending: queued by gnttab_add_deferred() until the grantee unmaps',
      on: {
        /** The unmap clears the flags; `gnttab_handle_deferred()` ends access and frees the page. */
        GNTTABOP_UNMAP_GRANT_REF: {
          guard: 'unmapperHoldsMapping',
          target: 'invalid',
          actions: 'clearGrantEntry',
        },
      },
    },
    pageReusedWhileMapped: {
      description: "The granter freed the page; the grantee's mapping outlives the grant",
      on: {
        /** The grantee unmaps at last; the entry is dropped with it. */
        GNTTABOP_UNMAP_GRANT_REF: {
          guard: 'unmapperHoldsMapping',
          target: 'invalid',
          actions: 'clearGrantEntry',
        },
      },
    },
  },
});

type GrantGuard = keyof typeof xenGrantEntryMachine.implementations.guards;

export const xenGrantEntryRefusals: RefusalTable<GrantGuard, XenGrantEntryContext, XenGrantEntryEvent> = {
  unhandled: {
    default: 'NOT_ISSUED',
    /**
     * `_set_status_v1()`: the entry is not `GTF_permit_access` (never granted, or ended); or
     * `map_grant_ref()`: pinned by another domain. A second map by the grantee is not issued.
     */
    GNTTABOP_MAP_GRANT_REF: (context, event, state) =>
      state === 'invalid' || (event.type === 'GNTTABOP_MAP_GRANT_REF' && event.domain !== context.grantee)
        ? 'GNTST_general_error'
        : 'NOT_ISSUED',
    /** `unmap_common()`: no maptrack entry for the handle. */
    GNTTABOP_UNMAP_GRANT_REF: 'GNTST_bad_handle',
    /** `gnttab_end_foreign_access_ref()` returns 0: "g.e. still in use". */
    GNTTAB_END_FOREIGN_ACCESS_REF: 'XEN_GRANT_IN_USE',
    /** A page never granted, or whose grant ended, is the granter's to free: not this entry's call. */
    FREE_GRANTED_PAGE: 'NOT_ISSUED',
  },
  guards: {
    mapperIsGrantee: 'GNTST_general_error',
    writeMapOfWritableGrant: 'GNTST_general_error',
    unmapperHoldsMapping: 'GNTST_bad_handle',
    grantNotInUse: 'XEN_GRANT_IN_USE',
  },
};

type XenGrantEntryProvide = Parameters<typeof xenGrantEntryMachine.provide>[0];

/** Named flaws of this machine (see `flaws.ts`). */
export const xenGrantEntryFlaws = {
  grantedPageFreedWhileMapped: {
    summary:
      'The granting domain frees (and reuses) a granted page while the grantee still maps it, so ' +
      'the foreign mapping outlives the grant: the Linux PV frontends before XSA-396, which freed ' +
      'the page whatever gnttab_end_foreign_access_ref() returned (drivers/xen/grant-table.c; the ' +
      'fix added gnttab_try_end_foreign_access()).',
    provide: { guards: { grantNotInUse: () => true } },
  },
} as const satisfies Record<string, MachineFlaw<XenGrantEntryProvide>>;

/** True iff `domain` maps the granted page now (through this entry). */
export function grantMappedBy(snapshot: MachineSnapshot<XenGrantEntryContext>, domain: string): boolean {
  return (
    snapshot.value !== 'invalid' && snapshot.value !== 'permitted' && snapshot.context.grantee === domain
  );
}

/** True iff the grantee's mapping is read-write (`GTF_writing`). */
export function grantMappedWritable(snapshot: MachineSnapshot<XenGrantEntryContext>): boolean {
  return snapshot.context.writableMap && snapshot.value !== 'invalid' && snapshot.value !== 'permitted';
}

/** True iff the entry grants access (`GTF_permit_access`), mapped or not. */
export function grantIsPermitted(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'permitted';
}

/** True iff the page was freed while still mapped: the mapping outlives its grant. */
export function grantOutlivedByMapping(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'pageReusedWhileMapped';
}
