/**
 * The Xen parts of the topology format: `hypervisor.kind: xen`, and the `xen` section (whether
 * dom0 may foreign-map domU pages, the grants the granting domains write at boot, and the
 * gntdev dma-buf exports of the grantees). docs/model.md#xen-grant-tables says what they model.
 */
import { z } from 'zod';
import { Name } from './schemaName.ts';

export const XenHypervisor = z.strictObject({
  kind: z
    .literal('xen')
    .describe(
      'Xen: dom0 is the host party (the toolstack, and by default the back-end domain), vms are domUs; buffers cross domains as grant references (docs/model.md#xen-grant-tables).',
    ),
});

export const Xen = z.strictObject({
  dom0Privileged: z
    .boolean()
    .default(true)
    .describe(
      "dom0 may map any domain's pages (privcmd IOCTL_PRIVCMD_MMAPBATCH_V2, XENMEM_add_to_physmap_batch with XENMAPSPACE_gmfn_foreign); false stands for an XSM policy that refuses it.",
    ),
  grants: z
    .array(
      z.strictObject({
        buffer: Name.describe('The buffer whose pages are granted, one grant entry per page.'),
        by: z.string().describe('The granting domain: a domU that owns the pages, or host (dom0).'),
        to: z.string().describe('The domain the grant entries name (domid): a domU, or host (dom0).'),
        readonly: z
          .boolean()
          .default(false)
          .describe('GTF_readonly: the grantee may map the pages read-only only.'),
      }),
    )
    .default([])
    .describe('Grant entries the granting domain writes at boot (gnttab_grant_foreign_access_ref()).'),
  gntdevExports: z
    .array(
      z.strictObject({
        buffer: Name.describe('The granted buffer whose grant references are exported.'),
        by: z.string().describe('The grantee domain that maps the references and exports them as a dma-buf.'),
      }),
    )
    .default([])
    .describe(
      'gntdev dma-buf exports (IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS): the grantee maps the grants read-write and gets a dma-buf its devices can use, with no notion of protection.',
    ),
});
