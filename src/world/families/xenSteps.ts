/**
 * The steps of the Xen family: a grantee maps a grant (`GNTTABOP_map_grant_ref`) or exports it
 * through gntdev as a dma-buf (`IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS`) and lets go of it again; the
 * granter ends access (`gnttab_end_foreign_access_ref()`, `gnttab_end_foreign_access()`) or
 * frees the granted page (refused while mapped unless the design's frontend predates
 * XSA-396); and any other domain tries to map a grant that does not name it.
 */
import { type StepInput, send } from '../builder.ts';
import type { XenFamily, XenGrant } from './xenFamily.ts';

const pagesText = (grant: XenGrant) => `buffer ${grant.spec.buffer}`;

/**
 * `GNTTABOP_map_grant_ref` (`map_grant_ref()` in xen/common/grant_table.c), one op per page,
 * `GNTMAP_host_map`, read-only exactly when the grant is.
 */
export function mapGrant(grant: XenGrant, role: StepInput['role']): StepInput {
  const { to, readonly } = grant.spec;
  return {
    action: 'mapGrant',
    call: 'GNTTABOP_MAP_GRANT_REF',
    actor: to,
    role,
    args: { buffer: grant.spec.buffer, domain: to },
    text: `${to} maps the grants of ${pagesText(grant)}${readonly ? ' read-only' : ''} (GNTTABOP_map_grant_ref)`,
    touches: grant.entries.map((e) => e.component),
    plan: () =>
      grant.entries.map((e) => send(e.component, { type: 'GNTTABOP_MAP_GRANT_REF', domain: to, readonly })),
  };
}

/** `GNTTABOP_unmap_grant_ref` (`unmap_common()`): the grantee unmaps every page of the grant. */
export function unmapGrant(grant: XenGrant, role: StepInput['role']): StepInput {
  const { to } = grant.spec;
  return {
    action: 'unmapGrant',
    call: 'GNTTABOP_UNMAP_GRANT_REF',
    actor: to,
    role,
    args: { buffer: grant.spec.buffer, domain: to },
    text: `${to} unmaps the grants of ${pagesText(grant)} (GNTTABOP_unmap_grant_ref)`,
    touches: grant.entries.map((e) => e.component),
    plan: () => grant.entries.map((e) => send(e.component, { type: 'GNTTABOP_UNMAP_GRANT_REF', domain: to })),
  };
}

/**
 * `IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS` (`gntdev_ioctl_dmabuf_exp_from_refs()` →
 * `dmabuf_exp_from_refs()`): gntdev maps every reference read-write and exports the pages as a
 * dma-buf; a read-only grant refuses the map and the ioctl fails.
 */
export function exportGrantsAsDmabuf(grant: XenGrant, role: StepInput['role']): StepInput {
  const { to } = grant.spec;
  return {
    action: 'exportGrantsAsDmabuf',
    call: 'IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS',
    actor: to,
    role,
    args: { buffer: grant.spec.buffer, domain: to },
    text: `${to} maps the grants of ${pagesText(grant)} read-write and exports them as a dma-buf (gntdev)`,
    touches: [grant.gntdev!, ...grant.entries.map((e) => e.component)],
    plan: () => [
      ...grant.entries.map((e) =>
        send(e.component, { type: 'GNTTABOP_MAP_GRANT_REF', domain: to, readonly: false }),
      ),
      send(grant.gntdev!, { type: 'GNTDEV_DMABUF_EXP_FROM_REFS' }),
    ],
  };
}

/** `dmabuf_exp_ops_release()`: the last reference to the gntdev dma-buf goes; gntdev unmaps the grants. */
export function releaseGntdevDmabuf(grant: XenGrant, role: StepInput['role']): StepInput {
  const { to } = grant.spec;
  return {
    action: 'releaseGntdevDmabuf',
    call: 'DMA_BUF_RELEASE',
    actor: to,
    role,
    args: { buffer: grant.spec.buffer, domain: to },
    text: `${to} closes its gntdev dma-buf of ${pagesText(grant)}; gntdev unmaps the grants`,
    touches: [grant.gntdev!, ...grant.entries.map((e) => e.component)],
    plan: () => [
      send(grant.gntdev!, { type: 'DMA_BUF_RELEASE' }),
      ...grant.entries.map((e) => send(e.component, { type: 'GNTTABOP_UNMAP_GRANT_REF', domain: to })),
    ],
  };
}

/**
 * `gnttab_end_foreign_access_ref()` (drivers/xen/grant-table.c): the granter ends access to every
 * page of the grant; refused ("still in use") while the grantee maps one.
 */
export function endForeignAccessRef(grant: XenGrant): StepInput {
  const { by } = grant.spec;
  return {
    action: 'endForeignAccessRef',
    ...granterCall(
      grant,
      'GNTTAB_END_FOREIGN_ACCESS_REF',
      `${by} ends ${grant.spec.to}'s access to ${pagesText(grant)} (gnttab_end_foreign_access_ref)`,
    ),
  };
}

/**
 * `gnttab_end_foreign_access()`: end access now, or, while the grantee maps the page, queue it
 * (`gnttab_add_deferred()`) until it unmaps.
 */
export function endForeignAccess(grant: XenGrant): StepInput {
  const { by } = grant.spec;
  return {
    action: 'endForeignAccess',
    ...granterCall(
      grant,
      'GNTTAB_END_FOREIGN_ACCESS',
      `${by} ends ${grant.spec.to}'s access to ${pagesText(grant)}, deferred while mapped (gnttab_end_foreign_access)`,
    ),
  };
}

/**
 * The granter's frontend frees the granted pages back to its allocator while a grantee may still
 * map them: refused since XSA-396 (`gnttab_try_end_foreign_access()`), taken by older frontends.
 */
export function freeGrantedPage(grant: XenGrant): StepInput {
  const { by } = grant.spec;
  return {
    action: 'freeGrantedPage',
    ...granterCall(
      grant,
      'FREE_GRANTED_PAGE',
      `${by}'s frontend frees the pages of ${pagesText(grant)} while ${grant.spec.to} maps them`,
    ),
  };
}

/** Another domain issues `GNTTABOP_map_grant_ref` on a grant that does not name it (refused). */
export function mapForeignGrant(grant: XenGrant, domain: string): StepInput {
  return {
    action: 'mapForeignGrant',
    call: 'GNTTABOP_MAP_GRANT_REF',
    actor: domain,
    role: 'adversary',
    args: { buffer: grant.spec.buffer, domain },
    text: `${domain} tries to map the grants of ${pagesText(grant)} made to ${grant.spec.to}`,
    touches: grant.entries.map((e) => e.component),
    plan: () =>
      grant.entries.map((e) => send(e.component, { type: 'GNTTABOP_MAP_GRANT_REF', domain, readonly: true })),
  };
}

/**
 * A call the granting domain makes on every entry of its grant, delivering the event named as
 * the call: what ending access and freeing the pages have in common.
 */
function granterCall(
  grant: XenGrant,
  call: 'GNTTAB_END_FOREIGN_ACCESS_REF' | 'GNTTAB_END_FOREIGN_ACCESS' | 'FREE_GRANTED_PAGE',
  text: string,
): Omit<StepInput, 'action'> {
  const { by } = grant.spec;
  return {
    call,
    actor: by,
    role: 'pipeline',
    args: { buffer: grant.spec.buffer, domain: by },
    text,
    touches: grant.entries.map((e) => e.component),
    plan: () => grant.entries.map((e) => send(e.component, { type: call })),
  };
}

/** Every Xen step, in the order the world offers them. */
export function addXenSteps(
  add: (step: StepInput) => void,
  xen: XenFamily,
  context: { readonly trusted: (party: string) => boolean; readonly domains: readonly string[] },
): void {
  for (const grant of xen.grants) {
    const role = context.trusted(grant.spec.to) ? 'pipeline' : 'adversary';
    if (grant.gntdev !== undefined) {
      add(exportGrantsAsDmabuf(grant, role));
      add(releaseGntdevDmabuf(grant, role));
    } else {
      add(mapGrant(grant, role));
      add(unmapGrant(grant, role));
    }
    add(endForeignAccessRef(grant));
    add(endForeignAccess(grant));
    add(freeGrantedPage(grant));
    for (const domain of context.domains)
      if (domain !== grant.spec.to && domain !== grant.spec.by) add(mapForeignGrant(grant, domain));
  }
}
