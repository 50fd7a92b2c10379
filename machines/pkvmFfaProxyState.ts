/**
 * Pure helpers for the pKVM FF-A proxy: the sizes it checks a host memory descriptor against
 * and a builder for well-formed descriptors, so that malformed ones are a field away.
 *
 * Source: `torvalds/linux: arch/arm64/kvm/hyp/nvhe/ffa.c` (`__do_ffa_mem_xfer`,
 * `do_ffa_mem_frag_tx`, `do_ffa_rxtx_map`), `include/linux/arm_ffa.h` (structure layouts).
 * The model assumes 4 KiB kernel pages, so FF-A pages and host pages coincide.
 */

/** `FFA_PAGE_SIZE` and, in the model, the host `PAGE_SIZE`. */
export const FFA_PAGE_SIZE = 4096;
/** `KVM_FFA_MBOX_NR_PAGES`: the host's RX and TX mailboxes are one page each. */
export const KVM_FFA_MBOX_NR_PAGES = 1;
/** `KVM_FFA_MBOX_NR_PAGES * PAGE_SIZE`: the largest fragment the proxy copies. */
export const MAILBOX_BYTES = KVM_FFA_MBOX_NR_PAGES * FFA_PAGE_SIZE;
/** `sizeof(struct ffa_mem_region)` (FF-A v1.1 layout). */
export const FFA_MEM_REGION_BYTES = 48;
/** `sizeof(struct ffa_mem_region_attributes)`: one endpoint memory access descriptor. */
export const FFA_EMAD_BYTES = 16;
/** `sizeof(struct ffa_composite_mem_region)`. */
export const FFA_COMPOSITE_BYTES = 16;
/** `sizeof(struct ffa_mem_region_addr_range)`: one constituent. */
export const FFA_CONSTITUENT_BYTES = 16;
export const U32_MAX = 0xffff_ffff;
/** The host's FF-A ID at the non-secure physical instance (`HOST_FFA_ID`). */
export const HOST_FFA_ID = 0;

/** The register and descriptor fields `__do_ffa_mem_xfer` reads, as the host wrote them. */
export interface HostMemDescriptor {
  /** a1: total descriptor length. */
  readonly length: number;
  /** a2: length of this fragment in the TX mailbox. */
  readonly fragmentLength: number;
  /** a3 (`addr_mbz`): a dynamic buffer address; must be 0. */
  readonly addressMbz: number;
  /** a4 (`npages_mbz`): a dynamic buffer page count; must be 0. */
  readonly pageCountMbz: number;
  /** `ep_count` in the copied descriptor. */
  readonly epCount: number;
  /** `sender_id` in the copied descriptor. */
  readonly senderId: number;
  /** `composite_off` of the first endpoint memory access descriptor. */
  readonly compositeOffset: number;
}

/**
 * The descriptor a well-behaved host writes for `pages`, one constituent per page, the first
 * `firstFragmentPages` of them in the first fragment (all of them by default), with one endpoint
 * memory access descriptor per receiver (`ffa_setup_and_transmit()` in
 * drivers/firmware/arm_ffa/driver.c writes `nattrs` of them before the composite).
 */
export function hostMemDescriptor(
  pageCount: number,
  firstFragmentPages: number = pageCount,
  epCount = 1,
): HostMemDescriptor {
  const compositeOffset = FFA_MEM_REGION_BYTES + FFA_EMAD_BYTES * epCount;
  const header = compositeOffset + FFA_COMPOSITE_BYTES;
  return {
    length: header + FFA_CONSTITUENT_BYTES * pageCount,
    fragmentLength: header + FFA_CONSTITUENT_BYTES * firstFragmentPages,
    addressMbz: 0,
    pageCountMbz: 0,
    epCount,
    senderId: HOST_FFA_ID,
    compositeOffset,
  };
}

/** `fraglen` of a continuation fragment carrying `pageCount` constituents. */
export function fragmentLengthFor(pageCount: number): number {
  return FFA_CONSTITUENT_BYTES * pageCount;
}
