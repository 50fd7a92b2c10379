/**
 * One gntdev dma-buf of a grantee domain: Linux's gntdev maps a list of foreign grant references
 * and exports the mapped pages as a dma-buf its own devices can attach
 * (`IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS`), until the last reference to the dma-buf goes.
 *
 * Source: `torvalds/linux` `drivers/xen/gntdev-dmabuf.c` as stored at 002c6ca75289:
 * `gntdev_ioctl_dmabuf_exp_from_refs()` (refuses with -EINVAL when gntdev runs with
 * `use_ptemod`, the PV-guest mode), `dmabuf_exp_from_refs()` (maps the references with
 * `gntdev_map_grant_pages()`, `GNTMAP_host_map` and never `GNTMAP_readonly`: the grants are
 * mapped read-write), `dmabuf_exp_from_pages()` (`dma_buf_export()` with `O_RDWR`, no attribute
 * saying what the pages hold), `dmabuf_exp_ops_release()` (the last put unmaps the grants).
 * The reverse direction, `gntdev_ioctl_dmabuf_imp_to_refs()` → `dmabuf_imp_to_refs()`, grants
 * the pages of a local dma-buf to another domain read-write (`gnttab_grant_foreign_access_ref()`
 * with readonly 0); the world models it as a grant (the grant entry machine).
 *
 * Nothing in either path reads whether the pages hold protected content: a protected buffer
 * exported this way reaches every device the exporting domain programs.
 *
 * The grant maps themselves are the grant entry machines' (`GNTTABOP_MAP_GRANT_REF` with
 * readonly false, one per reference): a read-only grant refuses them and the export fails.
 */
import { setup } from 'xstate';
import type { RefusalTable } from './refusals.ts';
import type { MachineSnapshot } from './snapshot.ts';

export interface GntdevDmabufInput {
  /** The exporting (grantee) domain. */
  readonly domain: string;
  /** gntdev runs with `use_ptemod` (a PV domain): no dma-buf support. */
  readonly usePtemod: boolean;
}

export interface GntdevDmabufContext {
  readonly domain: string;
  readonly usePtemod: boolean;
}

export type GntdevDmabufEvent =
  /** `gntdev_ioctl_dmabuf_exp_from_refs()`: map the references, export their pages, return an fd. */
  | { readonly type: 'GNTDEV_DMABUF_EXP_FROM_REFS' }
  /** `dmabuf_exp_ops_release()`: the dma-buf's last reference goes; the grants are unmapped. */
  | { readonly type: 'DMA_BUF_RELEASE' };

export const gntdevDmabufMachine = setup({
  types: {
    context: {} as GntdevDmabufContext,
    events: {} as GntdevDmabufEvent,
    input: {} as GntdevDmabufInput,
  },
  guards: {
    /** `gntdev_ioctl_dmabuf_exp_from_refs()` in drivers/xen/gntdev-dmabuf.c: -EINVAL with `use_ptemod`. */
    notUsePtemod: ({ context }) => !context.usePtemod,
  },
}).createMachine({
  id: 'gntdevDmabuf',
  description: "One gntdev dma-buf: foreign grants mapped read-write and exported to the domain's devices.",
  context: ({ input }) => ({ domain: input.domain, usePtemod: input.usePtemod }),
  initial: 'noExport',
  states: {
    noExport: {
      description: 'No dma-buf: the references are not mapped by gntdev',
      on: {
        /** `dmabuf_exp_from_refs()` → `gntdev_map_grant_pages()` → `dmabuf_exp_from_pages()`. */
        GNTDEV_DMABUF_EXP_FROM_REFS: { guard: 'notUsePtemod', target: 'exported' },
      },
    },
    exported: {
      description: "A dma-buf (O_RDWR) over the mapped grants; the domain's devices can attach it",
      on: {
        /** `dmabuf_exp_ops_release()` → `dmabuf_exp_remove_map()`: the grants are unmapped. */
        DMA_BUF_RELEASE: { target: 'noExport' },
      },
    },
  },
});

type GntdevGuard = keyof typeof gntdevDmabufMachine.implementations.guards;

export const gntdevDmabufRefusals: RefusalTable<GntdevGuard, GntdevDmabufContext, GntdevDmabufEvent> = {
  unhandled: {
    /** One export per buffer in the model; a second is not issued, nor a release with none. */
    default: 'NOT_ISSUED',
  },
  guards: { notUsePtemod: 'EINVAL' },
};

/** True iff the dma-buf exists (exported, not yet released). */
export function gntdevDmabufIsExported(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'exported';
}
