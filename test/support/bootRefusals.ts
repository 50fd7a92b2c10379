/**
 * The boot refusals a design that validates can meet, as `<call> <code>`: each is a finding
 * about the design (the verdict `unbootable`), not a crash. `test/world/bootRefusals.test.ts`
 * says why each is a finding and the others are invalid designs; the fuzzer checks it meets no
 * other.
 */
export const UNBOOTABLE_REFUSALS: ReadonlySet<string> = new Set([
  /** A protected VM given a no-map range: `check_range_allowed_memory()` returns -EPERM. */
  '__pkvm_host_donate_guest() EPERM',
  /** A non-protected VM given a no-map range, likewise. */
  '__pkvm_host_share_guest() EPERM',
  /**
   * A device claimed by a protected VM while a device of its IOMMU group is not the
   * hypervisor's: `__pkvm_group_assign()` returns -EPERM (the host kept it, or another VM has it).
   */
  'pkvm_device_request_dma() EPERM',
  /**
   * A device assigned while the host's driver still has it attached to a host IOMMU domain:
   * `pkvm_device_hyp_assign_mmio()` returns -EBUSY (`dev->refcount` is set).
   */
  'pkvm_device_hyp_assign_mmio() EBUSY',
  /**
   * A dynamic heap whose endpoint list names more than one endpoint, under pKVM: the FF-A
   * proxy's `__do_ffa_mem_xfer()` refuses the first allocation's lend (`ep_count != 1`:
   * FFA_RET_INVALID_PARAMETERS), so the allocation fails.
   */
  'DMA_HEAP_IOCTL_ALLOC FFA_RET_INVALID_PARAMETERS',
]);
