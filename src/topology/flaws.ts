/**
 * The named flaws a topology can switch on. Each stands for a buggy implementation of one
 * check, and each is one switch in the machine file where that check lives: the machine's
 * `<machine>Flaws` export says how it is switched. This list is what topologies may name.
 */
export interface FlawInfo {
  readonly name: string;
  /** What the buggy implementation does, and the real bug or bug class it stands for. */
  readonly summary: string;
}

export const FLAWS: readonly FlawInfo[] = [
  {
    name: 'lendTreatedAsShare',
    summary:
      'The FF-A proxy handles MEM_LEND like MEM_SHARE, so the lender keeps its stage-2 mapping (mainline pKVM nvhe/ffa.c; reference dmabuf-virtio-sdp D.2).',
  },
  {
    name: 'unmapOnLendWithoutIommu',
    summary:
      'MEM_LEND removes the host CPU mapping but leaves the IOMMU mapping, so host DMA masters still reach lent memory (Android __pkvm_host_donate_ffa "does not update the IOMMU"; reference pkvm-ffa §3).',
  },
  {
    name: 'reclaimFailureIgnored',
    summary:
      'A failed reclaim from the secure world is ignored and the pages go back to the allocator (drivers/tee/optee/protmem.c reclaim_protmem; reference D.3).',
  },
  {
    name: 'noScrubOnFree',
    summary: 'Freed protected buffers are not zeroed before reuse (tee_heap static pool; reference D.4).',
  },
  {
    name: 'cpuMmapAllowedOnProtected',
    summary:
      'The exporter lets user space mmap a protected buffer (protection-unaware exporters; reference D.1).',
  },
  {
    name: 'virtioImportDropsProtection',
    summary:
      'virtio-gpu imports a protected dma-buf as an ordinary guest blob and hands its addresses to the VMM (virtgpu_prime.c; reference B3, D.10).',
  },
  {
    name: 'lookupWithoutAccessControl',
    summary:
      'Any vhost-user back-end that knows a UUID gets the buffer (QEMU SHARED_OBJECT_LOOKUP; reference B2, D.8).',
  },
  {
    name: 'removeByNonOwner',
    summary: 'Any back-end may remove any shared-object entry (QEMU before PR #256; reference B2, D.8).',
  },
  {
    name: 'staleEntriesAfterBackendDeath',
    summary:
      "A dead back-end's shared-object entries stay in the table (before virtio_dmabuf_vhost_cleanup; reference D.9).",
  },
  {
    name: 'teardownWithoutPoison',
    summary:
      'Reclaiming a dying guest page gives it to the host without zeroing it (the guarantee hyp_poison_page provides; reference pkvm-ffa §2.4, §5 Scrubbing).',
  },
  {
    name: 'decoderWritesPlaintextToClearOutput',
    summary:
      'The decoder writes the output of protected input into a non-protected buffer (breaks secure-in implies secure-out; reference C).',
  },
  {
    name: 'decryptAcceptsClearOutput',
    summary:
      'The decrypt trusted app writes plaintext into a buffer it has not checked is secure (no TEE_CheckMemoryAccessRights / SECURE_BUFFER_REQUIRED; reference A5, C, D.11).',
  },
];

export const FLAW_NAMES: readonly string[] = FLAWS.map((flaw) => flaw.name);
