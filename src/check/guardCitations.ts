/**
 * What each machine guard's doc comment cites: the source functions and files it mirrors, and the
 * comment itself, per machine id and guard name. Written by `npx tsx test/support/recordGuardCitations.ts`
 * from the comments in `machines/`; a test fails when it no longer matches them. Do not edit by hand.
 */

export interface GuardCitation {
  readonly functions: readonly string[];
  readonly files: readonly string[];
  readonly doc: string;
}

export const guardCitations: Readonly<Record<string, Readonly<Record<string, GuardCitation>>>> = {
  decryptTrustedApp: {
    keyLoadedForStream: {
      functions: ['CdmSession::Decrypt()'],
      files: [],
      doc: '`CdmSession::Decrypt`: no key loaded for this stream (NEED_KEY).',
    },
    secureDecryptHasSecureBuffer: {
      functions: ['CryptoSession::Decrypt()'],
      files: ['crypto_session.cpp'],
      doc: '`CryptoSession::Decrypt` in crypto_session.cpp: `params.is_secure` with a Clear buffer type returns SECURE_BUFFER_REQUIRED.',
    },
    keyControlAllowsBuffer: {
      functions: [],
      files: ['oemcrypto_engine_mock.cpp'],
      doc: 'OEMCrypto `DecryptCTR` (oemcrypto_engine_mock.cpp): a `kControlDataPathSecure` key with a Clear destination is refused ("Secure key with insecure buffer").',
    },
    inputReadableNonSecure: {
      functions: ['TEE_CheckMemoryAccessRights()'],
      files: ['ta_sdp_basic.c'],
      doc: 'ta_sdp_basic.c INJECT: `TEE_CheckMemoryAccessRights(READ|NONSECURE)` on the input.',
    },
    outputWritableAsDeclared: {
      functions: ['TEE_CheckMemoryAccessRights()'],
      files: ['ta_sdp_basic.c'],
      doc: 'ta_sdp_basic.c INJECT: `TEE_CheckMemoryAccessRights(WRITE|SECURE)` on a Secure output; a Clear output must be WRITE|NONSECURE.',
    },
    offersDumpCommand: {
      functions: [],
      files: [],
      doc: 'The TA has the sdp_basic DUMP command (variant; a CDM TA does not).',
    },
    dumpOutputWritableNonSecure: {
      functions: ['TEE_CheckMemoryAccessRights()'],
      files: ['ta_sdp_basic.c'],
      doc: 'ta_sdp_basic.c DUMP: `TEE_CheckMemoryAccessRights(WRITE|NONSECURE)` on the output, first.',
    },
    dumpInputReadableSecure: {
      functions: ['TEE_CheckMemoryAccessRights()'],
      files: ['ta_sdp_basic.c'],
      doc: 'ta_sdp_basic.c DUMP: `TEE_CheckMemoryAccessRights(READ|SECURE)` on the input.',
    },
  },
  dmaBuf: {
    allocationArgsValid: {
      functions: ['dma_heap_ioctl_allocate()', 'fd_flags()', 'heap_flags()'],
      files: ['dma-heap.c'],
      doc: '`dma_heap_ioctl_allocate()` in dma-heap.c: a non-zero `fd`, or `fd_flags` / `heap_flags` outside `DMA_HEAP_VALID_FD_FLAGS` / `DMA_HEAP_VALID_HEAP_FLAGS`: -EINVAL.',
    },
    allocationLengthNonZero: {
      functions: ['dma_heap_buffer_alloc()', 'PAGE_ALIGN()'],
      files: ['dma-heap.c'],
      doc: '`dma_heap_buffer_alloc()` in dma-heap.c: `PAGE_ALIGN(len)` of 0 gives -EINVAL.',
    },
    heapZeroesOnAllocation: {
      functions: [],
      files: [],
      doc: "Branch: the exporter's allocate zeroes the pages (`EXPORTER_OPS.zeroesOnAllocation`).",
    },
    partyHoldsFd: {
      functions: ['fget()', 'dma_buf_get()'],
      files: ['dma-buf.c'],
      doc: "The call goes through `party`'s fd: `fget()` / `dma_buf_get()` in dma-buf.c fail with -EBADF for an fd the caller does not hold.",
    },
    receiverHoldsNoFd: {
      functions: [],
      files: [],
      doc: 'Model bound: one fd per party and buffer (the kernel would give the receiver a second fd).',
    },
    deviceNotAttached: {
      functions: ['dma_buf_dynamic_attach()', 'tee_heap_attach()', 'restricted_heap_attach()'],
      files: ['dma-buf.c'],
      doc: 'Model bound: one attachment per device. `dma_buf_dynamic_attach()` in dma-buf.c checks no device, and neither does `tee_heap_attach()` nor `restricted_heap_attach()`.',
    },
    attachmentExists: {
      functions: ['dma_buf_map_attachment()', 'WARN_ON()'],
      files: [],
      doc: '`dma_buf_map_attachment()`: `WARN_ON(!attach)` and -EINVAL.',
    },
    attachmentNotMapped: {
      functions: [],
      files: [],
      doc: 'Model bound: one live mapping per attachment.',
    },
    attachmentToUnmapExists: {
      functions: ['dma_buf_unmap_attachment()', 'WARN_ON()'],
      files: [],
      doc: '`dma_buf_unmap_attachment()`: `WARN_ON(!attach)` and return.',
    },
    attachmentIsMapped: {
      functions: ['dma_buf_unmap_attachment()', 'WARN_ON()'],
      files: [],
      doc: '`dma_buf_unmap_attachment()`: `WARN_ON(!sg_table)` and return.',
    },
    attachmentToDetachExists: {
      functions: ['dma_buf_detach()', 'WARN_ON()'],
      files: [],
      doc: '`dma_buf_detach()`: `WARN_ON(!attach)` and return.',
    },
    attachmentIsUnmapped: {
      functions: ['virtgpu_dma_buf_free_obj()', 'dma_buf_detach()'],
      files: [],
      doc: 'Importers unmap before detaching (`virtgpu_dma_buf_free_obj()` does): `dma_buf_detach()` no longer unmaps a cached mapping, so a mapped detach would strand the device mapping.',
    },
    exporterHasMmap: {
      functions: ['dma_buf_mmap_internal()'],
      files: ['dma-buf.c'],
      doc: '`dma_buf_mmap_internal()` in dma-buf.c: no `ops->mmap` gives -EINVAL (tee_heap).',
    },
    mmapWithinBuffer: {
      functions: ['dma_buf_mmap_internal()', 'vm_pgoff()'],
      files: [],
      doc: '`dma_buf_mmap_internal()`: `vm_pgoff` + pages beyond the buffer gives -EINVAL.',
    },
    exporterMmapPermitsCpu: {
      functions: ['restricted_heap_dma_buf_mmap()'],
      files: ['restricted_heap.c'],
      doc: '`restricted_heap_dma_buf_mmap()` in the ChromeOS restricted_heap.c returns -EACCES.',
    },
    vmaSharedWhereRequired: {
      functions: ['cma_heap_mmap()'],
      files: ['cma_heap.c'],
      doc: '`cma_heap_mmap()` in cma_heap.c: -EINVAL unless `VM_SHARED` or `VM_MAYSHARE`.',
    },
    partyHasNoMmap: {
      functions: [],
      files: [],
      doc: 'Model bound: one mapping per party.',
    },
    partyHasMmap: {
      functions: ['munmap()'],
      files: [],
      doc: '`munmap()` of a range the party has not mapped does nothing.',
    },
    partyHoldsReference: {
      functions: ['dma_buf_vmap()'],
      files: [],
      doc: "`dma_buf_vmap()` needs the caller's reference: an fd holder or an attached device's driver.",
    },
    exporterHasVmap: {
      functions: ['dma_buf_vmap()'],
      files: ['dma-buf.c'],
      doc: '`dma_buf_vmap()` in dma-buf.c: no `ops->vmap` gives -EINVAL (tee_heap, restricted_heap).',
    },
    partyHasNoVmap: {
      functions: ['vmapping_counter()'],
      files: [],
      doc: 'Model bound: one vmap per kernel user (the core counts them in `vmapping_counter`).',
    },
    partyHasVmap: {
      functions: ['dma_buf_vunmap()', 'BUG_ON()'],
      files: [],
      doc: '`dma_buf_vunmap()`: `BUG_ON(dmabuf->vmapping_counter == 0)`.',
    },
    syncFlagsValid: {
      functions: ['dma_buf_ioctl()'],
      files: ['read/write'],
      doc: '`dma_buf_ioctl()` for `DMA_BUF_IOCTL_SYNC`: flags outside `DMA_BUF_SYNC_VALID_FLAGS_MASK`, or no read/write direction: -EINVAL.',
    },
    exporterCpuAccessPermits: {
      functions: [
        'dma_buf_begin_cpu_access()',
        'dma_buf_end_cpu_access()',
        'restricted_heap_dma_buf_begin_cpu_access()',
      ],
      files: [],
      doc: "`dma_buf_begin_cpu_access()` / `dma_buf_end_cpu_access()`: the exporter's op result is returned as is (ChromeOS `restricted_heap_dma_buf_begin_cpu_access()`: -EACCES); without an op (tee_heap) the core waits on the fences and returns 0.",
    },
    syncStarts: {
      functions: [],
      files: [],
      doc: 'Branch: `DMA_BUF_SYNC_START` begins CPU access, `_END` ends it.',
    },
    noFileReferenceLeft: {
      functions: ['dma_buf_release()', 'dma_buf_get()'],
      files: [],
      doc: "`dma_buf_release()` runs only when the file's last reference goes: fds, importers' `dma_buf_get()` references, VMAs (`vma->vm_file`).",
    },
    noVmapLeft: {
      functions: ['dma_buf_release()', 'BUG_ON()'],
      files: [],
      doc: '`dma_buf_release()`: `BUG_ON(dmabuf->vmapping_counter)`.',
    },
    exporterUnrestrictsOnFree: {
      functions: ['restricted_heap_memory_free()'],
      files: [],
      doc: 'Branch: `restricted_heap_memory_free()` calls `ops->unrestrict_buf` before `ops->free`.',
    },
    scrubOnFreeIsNone: {
      functions: [],
      files: [],
      doc: 'Branch: no scrub on the free path (every upstream exporter).',
    },
    unrestrictSucceeded: {
      functions: [],
      files: [],
      doc: 'Branch: the secure world confirmed the unrestrict.',
    },
    quarantineOnReclaimFailure: {
      functions: ['ion_hyp_unassign_sg()'],
      files: [],
      doc: 'Branch: a failed unrestrict quarantines the pages (Qualcomm ION `ion_hyp_unassign_sg()` failure returns without freeing; mem-buf `ERR`). Upstream does not check it.',
    },
  },
  ffaTransaction: {
    descriptorWellFormed: {
      functions: ['api_ffa_mem_send()', 'ffa_memory_region_sanity_check()', 'ffa_memory_send_validate()'],
      files: ['src/api.c', 'src/ffa_memory.c'],
      doc: '`api_ffa_mem_send` (TX mailbox, fragment and total lengths) and `ffa_memory_region_sanity_check` in `src/api.c` and `src/ffa_memory.c`: INVALID_PARAMETERS. The fact also stands for the length, composite-offset, constituent-count, NS-bit and memory-type checks of `ffa_memory_send_validate`, which Hafnium makes after `senderIsCaller` (the first-fragment length checks before it): a descriptor failing one of those and forging its sender gets DENIED there, INVALID_PARAMETERS here.',
    },
    clearNotRequestedOnShare: {
      functions: ['api_memory_region_check_flags()'],
      files: [],
      doc: '`api_memory_region_check_flags`: SHARE with CLEAR is INVALID_PARAMETERS.',
    },
    sendFlagsReservedZero: {
      functions: ['api_memory_region_check_flags()'],
      files: [],
      doc: '`api_memory_region_check_flags`: bits 31:2 must be zero (CLEAR and TIME_SLICE pass): INVALID_PARAMETERS.',
    },
    hasReceiver: {
      functions: ['api_ffa_mem_send()'],
      files: [],
      doc: '`api_ffa_mem_send`: `receiver_count == 0` is INVALID_PARAMETERS.',
    },
    donateHasOneReceiver: {
      functions: ['api_ffa_mem_send()'],
      files: [],
      doc: '`api_ffa_mem_send`: DONATE to more than one receiver is INVALID_PARAMETERS.',
    },
    receiversExcludeCaller: {
      functions: ['api_ffa_mem_send()', 'ffa_memory_is_send_valid()'],
      files: [],
      doc: "`api_ffa_mem_send` per receiver, in order: the receiver's VM is the caller's (`to == from`, lend to self) gives INVALID_PARAMETERS, checked before that receiver's `ffa_memory_is_send_valid`. It compares with the caller, not with the descriptor's sender.",
    },
    sendPermittedToReceivers: {
      functions: ['ffa_memory_is_send_valid()'],
      files: ['src/ffa/spmc/ffa_memory.c'],
      doc: "`ffa_memory_is_send_valid` of the SPMC (`src/ffa/spmc/ffa_memory.c`; LEND/DONATE only to SPs, ...): DENIED. Hafnium passes the caller's ID; the model uses the descriptor sender's world, the same whenever `senderIsCaller` holds.",
    },
    senderIsCaller: {
      functions: ['ffa_memory_send_validate()'],
      files: [],
      doc: '`ffa_memory_send_validate`: "The sender must match the caller": DENIED. Hafnium sees every normal-world caller as one endpoint and denies it only a secure-partition sender ID; the model, which has no caller-world fact, refuses any mismatch. With this check strict, the receiver-is-sender check that follows in `ffa_memory_send_validate` (INVALID_PARAMETERS) can no longer fail after `receiversExcludeCaller`, so it is not a separate guard.',
    },
    sendFlagsOnlyClear: {
      functions: ['ffa_memory_send_validate()'],
      files: ['allowed/supported'],
      doc: '`ffa_memory_send_validate`: "No other flags are allowed/supported here" (any flag but CLEAR, so TIME_SLICE): INVALID_PARAMETERS, after the sender check.',
    },
    receiversDistinct: {
      functions: ['ffa_memory_send_validate()'],
      files: [],
      doc: '`ffa_memory_send_validate`: "Repeated receiver": INVALID_PARAMETERS.',
    },
    receiverAccessSpecifiedAsRequired: {
      functions: ['ffa_memory_send_validate()'],
      files: [],
      doc: '`ffa_memory_send_validate`: SHARE and LEND must specify data access, DONATE must not: INVALID_PARAMETERS.',
    },
    sentInOneFragment: {
      functions: ['ffa_memory_send()'],
      files: [],
      doc: 'Routing: the descriptor fitted the TX buffer, so `ffa_memory_send` completes at once.',
    },
    sentInFragments: {
      functions: ['ffa_memory_send()'],
      files: [],
      doc: 'Routing: more fragments follow; `ffa_memory_send` returns FFA_MEM_FRAG_RX.',
    },
    constituentsDoNotOverlap: {
      functions: ['ffa_memory_check_overlap()'],
      files: [],
      doc: '`ffa_memory_check_overlap`: overlapping constituents: INVALID_PARAMETERS.',
    },
    hasConstituents: {
      functions: ['constituents_get_mode()'],
      files: [],
      doc: '`constituents_get_mode`: no constituents: INVALID_PARAMETERS.',
    },
    senderOwnsPagesExclusively: {
      functions: ['constituents_get_mode()', 'ffa_send_check_transition()', 'lend_twice()'],
      files: [],
      doc: '`constituents_get_mode` (one uniform mode, else DENIED) and `ffa_send_check_transition`: the sender must be Owner-EA (no INVALID, UNOWNED or SHARED bit), else DENIED. This is why lending, sharing or donating memory already lent or shared fails (`lend_twice`).',
    },
    clearNeedsWritableSender: {
      functions: ['ffa_send_check_transition()'],
      files: [],
      doc: '`ffa_send_check_transition`: CLEAR without W on the sender: DENIED.',
    },
    grantsWithinSenderPermissions: {
      functions: ['ffa_send_check_transition()'],
      files: [],
      doc: "`ffa_send_check_transition`: a receiver's permissions exceed the sender's: DENIED.",
    },
    sendRequestsClear: {
      functions: [],
      files: [],
      doc: 'Routing: the send carries CLEAR, so completion zeroes the pages.',
    },
    fragmentWellFormed: {
      functions: ['api_ffa_mem_frag_tx()', 'ffa_memory_send_continue()'],
      files: [],
      doc: '`api_ffa_mem_frag_tx` / `ffa_memory_send_continue`: bad fragment length: INVALID_PARAMETERS.',
    },
    fragmentFromSender: {
      functions: ['ffa_memory_send_continue_validate()'],
      files: [],
      doc: '`ffa_memory_send_continue_validate`: the caller is not the sender: INVALID_PARAMETERS.',
    },
    lastFragment: {
      functions: [],
      files: [],
      doc: 'Routing: this fragment completes the descriptor.',
    },
    moreFragments: {
      functions: [],
      files: [],
      doc: 'Routing: more fragments follow.',
    },
    retrieveRequestWellFormed: {
      functions: ['ffa_memory_retrieve_validate()'],
      files: [],
      doc: '`ffa_memory_retrieve_validate` format checks (length, tag, MBZ, NS): INVALID_PARAMETERS. In Hafnium only the length check precedes `retrieveSenderMatches`; the tag, flag and NS checks follow it and the type check. A pending deferred reclaim is checked before all of them (`reclaimPending` refuses the retrieve).',
    },
    retrieveSenderMatches: {
      functions: ['ffa_memory_retrieve_validate()'],
      files: [],
      doc: '`ffa_memory_retrieve_validate`: request sender != region sender: DENIED.',
    },
    retrieveTypeMatches: {
      functions: ['ffa_memory_retrieve_validate()'],
      files: [],
      doc: '`ffa_memory_retrieve_validate`: a transaction type given and different: INVALID_PARAMETERS.',
    },
    retrieverIsReceiver: {
      functions: ['ffa_memory_retrieve_validate()'],
      files: [],
      doc: '`ffa_memory_retrieve_validate`: caller not in the receiver list: INVALID_PARAMETERS.',
    },
    noClearOnSharedRetrieve: {
      functions: ['ffa_memory_retrieve_validate()'],
      files: [],
      doc: '`ffa_memory_retrieve_validate`: SHARE with CLEAR or CLEAR_RELINQUISH: INVALID_PARAMETERS.',
    },
    retrieveClearMatchesSender: {
      functions: ['ffa_memory_retrieve_validate()'],
      files: [],
      doc: '`ffa_memory_retrieve_validate`: CLEAR requested but the sender did not set it: DENIED.',
    },
    retrieveAccessWithinGrant: {
      functions: ['ffa_memory_retrieve_validate_memory_access_list()'],
      files: [],
      doc: '`ffa_memory_retrieve_validate_memory_access_list`: more permissive than granted: DENIED.',
    },
    retrieveClearNeedsWritableGrant: {
      functions: ['ffa_memory_retrieve_validate_memory_access_list()'],
      files: [],
      doc: '`ffa_memory_retrieve_validate_memory_access_list`: RO grant with a clear flag: DENIED.',
    },
    retrieverDoesNotHoldIt: {
      functions: ['ffa_retrieve_check_transition()'],
      files: [],
      doc: '`ffa_retrieve_check_transition`: a current-world (SP) retriever must be !O-NA, so an SP that already holds the mapping gets DENIED; a normal-world retriever is not checked (MAP_ACTION_NONE).',
    },
    retrievalCompletesDonate: {
      functions: ['ffa_memory_retrieve_complete()'],
      files: [],
      doc: 'Routing: a DONATE whose retrieval completes is freed (`ffa_memory_retrieve_complete`).',
    },
    fragRxFromReceiver: {
      functions: ['ffa_memory_retrieve_continue()'],
      files: [],
      doc: '`ffa_memory_retrieve_continue`: the caller is not a borrower: INVALID_PARAMETERS.',
    },
    retrievalInProgress: {
      functions: ['ffa_memory_retrieve_continue()'],
      files: [],
      doc: '`ffa_memory_retrieve_continue`: retrieval not started or already complete: INVALID_PARAMETERS.',
    },
    fragRxCompletesDonate: {
      functions: [],
      files: [],
      doc: 'Routing: this FRAG_RX completes the retrieval of a DONATE, which frees the share state.',
    },
    relinquishRequestWellFormed: {
      functions: ['api_ffa_mem_relinquish()'],
      files: [],
      doc: '`api_ffa_mem_relinquish`: TX unmapped, `endpoint_count != 1`, too long: INVALID_PARAMETERS.',
    },
    relinquishEndpointIsCaller: {
      functions: ['api_ffa_mem_relinquish()'],
      files: [],
      doc: '`api_ffa_mem_relinquish`: `endpoints[0]` is not the caller: INVALID_PARAMETERS.',
    },
    relinquisherIsReceiver: {
      functions: ['ffa_memory_relinquish()'],
      files: [],
      doc: '`ffa_memory_relinquish`: "not a valid borrower": INVALID_PARAMETERS.',
    },
    relinquisherRetrievedAll: {
      functions: ['ffa_memory_relinquish()'],
      files: [],
      doc: '`ffa_memory_relinquish`: `retrieved_fragment_count != fragment_count` ("not yet fully retrieved"), which covers memory never retrieved: INVALID_PARAMETERS.',
    },
    noClearOnSharedRelinquish: {
      functions: ['ffa_memory_relinquish()'],
      files: [],
      doc: '`ffa_memory_relinquish`: a clear on SHARE memory: INVALID_PARAMETERS.',
    },
    relinquishClearNeedsWritableGrant: {
      functions: ['ffa_memory_relinquish()'],
      files: [],
      doc: '`ffa_memory_relinquish`: a clear by a borrower granted RO: DENIED.',
    },
    relinquishClears: {
      functions: [],
      files: [],
      doc: 'Routing: CLEAR and no other borrower holds it, so the pages are zeroed now.',
    },
    lastHolderRelinquishes: {
      functions: [],
      files: [],
      doc: 'Routing: no other borrower holds the memory after this relinquish.',
    },
    reclaimerIsSender: {
      functions: ['ffa_memory_reclaim()'],
      files: [],
      doc: "`ffa_memory_reclaim`: the caller is not the region's sender: INVALID_PARAMETERS.",
    },
    noBorrowerHolds: {
      functions: ['ffa_memory_reclaim()'],
      files: [],
      doc: '`ffa_memory_reclaim`: a borrower with `retrieved_fragment_count != 0` ("not been relinquished by all borrowers"): DENIED. No deferral for a live sender.',
    },
    reclaimClearNeedsWritableSender: {
      functions: ['ffa_retrieve_check_update()', 'sender_orig_mode()'],
      files: [],
      doc: '`ffa_retrieve_check_update` on reclaim: CLEAR without W in `sender_orig_mode`: DENIED.',
    },
    reclaimRequestsClear: {
      functions: [],
      files: [],
      doc: 'Routing: `FFA_MEM_RECLAIM_CLEAR` zeroes the pages on reclaim.',
    },
    abortSweepsShareStates: {
      functions: ['ffa_vm_free_resources()'],
      files: ['src/ffa/spmc/vm.c'],
      doc: '`ffa_vm_free_resources()` (`src/ffa/spmc/vm.c`) sweeps the share states (Hafnium v2.14 and later, input `deferredReclaim`); before that an abort changes no share state: NO_EFFECT.',
    },
    abortingPartitionIsSender: {
      functions: ['ffa_memory_reclaim_from_partition()'],
      files: [],
      doc: '`ffa_memory_reclaim_from_partition()`: only a share state whose `memory_region->sender` is the aborting partition is reclaimed; for any other the call does nothing: NO_EFFECT.',
    },
    abortingPartitionHoldsMemory: {
      functions: ['ffa_memory_relinquish_from_partition()', 'retrieved_fragment_count()'],
      files: [],
      doc: '`ffa_memory_relinquish_from_partition()`: the aborting partition is a borrower (not the sender) with a non-zero `retrieved_fragment_count` (a partial retrieval counts), so its mapping is removed; otherwise the call changes nothing: NO_EFFECT.',
    },
  },
  guestVm: {
    vcpuInitialised: {
      functions: ['pkvm_load_hyp_vcpu()', 'created_vcpus()'],
      files: ['nvhe/pkvm.c'],
      doc: '`pkvm_load_hyp_vcpu()` in nvhe/pkvm.c returns NULL (the handler loads nothing) unless the vCPU index is below `created_vcpus` and the vCPU is initialised.',
    },
    guestPagesReclaimed: {
      functions: ['__pkvm_start_teardown_vm()', '__pkvm_finalize_teardown_vm()'],
      files: ['arch/arm64/kvm/pkvm.c'],
      doc: "The host's teardown (`arch/arm64/kvm/pkvm.c`) reclaims every page between `__pkvm_start_teardown_vm()` and `__pkvm_finalize_teardown_vm()`. The hypervisor's finalize does not check this itself: a host that skipped the loop would strand the pages, still annotated with a VM that no longer exists.",
    },
  },
  iommuDomain: {
    endpointNotInUse: {
      functions: ['smmu_attach_dev()'],
      files: ['nvhe/iommu/arm-smmu-v3.c'],
      doc: '`smmu_attach_dev()` in nvhe/iommu/arm-smmu-v3.c: a stage-2 attach to a stream whose STE is already valid is "Device already attached" (-EBUSY).',
    },
    endpointAttachedHere: {
      functions: ['kvm_iommu_detach_dev()'],
      files: [],
      doc: "The host detaches only endpoints it attached to this domain. `kvm_iommu_detach_dev()` does not check it: it would clear that stream's STE and drop this domain's reference anyway.",
    },
    lastEndpoint: {
      functions: [],
      files: [],
      doc: 'The last endpoint leaves: `refs` back to 1.',
    },
    pagesNotMapped: {
      functions: ['arm_lpae_map()', 'arm_lpae_mapping_exists()'],
      files: [],
      doc: '`arm_lpae_map` → `arm_lpae_mapping_exists()` (hyp io-pgtable): a live leaf at the IOVA is -EEXIST; the pages not mapped are unused again, so nothing changes.',
    },
    mapsEveryPage: {
      functions: [],
      files: [],
      doc: 'The driver mapped the whole run (its page-table pool did not run dry).',
    },
    pagesAllMapped: {
      functions: ['kvm_iommu_unmap_pages()'],
      files: [],
      doc: '`kvm_iommu_unmap_pages()` unmaps only what is mapped; otherwise it returns 0 unmapped.',
    },
    domainHasMappings: {
      functions: ['smmu_free_domain()'],
      files: [],
      doc: '`smmu_free_domain()` → io-pgtable free: leftover leaves get their DMA refcount dropped.',
    },
  },
  mediaDevice: {
    buffersFitRole: {
      functions: ['v4l2_m2m_try_schedule()'],
      files: [],
      doc: 'The buffers fit the role: a decoder or GPU job needs both queues (`v4l2_m2m_try_schedule()` runs a job only when OUTPUT and CAPTURE both hold a buffer); a display plane takes one framebuffer and writes nothing.',
    },
    secureInputImpliesSecureOutput: {
      functions: ['vb2_core_reqbufs()', 'vb2_dc_map_dmabuf()'],
      files: ['drivers/media/common/videobuf2/'],
      doc: "Secure in ⇒ secure out: with enforcement on, a protected input needs a protected output. Mirrors the restricted-queue checks of `vb2_core_reqbufs()` and `vb2_dc_map_dmabuf()` in `drivers/media/common/videobuf2/` (MediaTek secure video series, -EINVAL) and Qualcomm's hardware-enforced output security (US8910307).",
    },
    roleIsMemToMem: {
      functions: ['device_run()'],
      files: [],
      doc: '`device_run` is a memory-to-memory callback: a display controller never gets one.',
    },
    roleIsDisplay: {
      functions: [],
      files: [],
      doc: 'Scanout is what a display controller does; a decoder or GPU never scans out.',
    },
  },
  pageContent: {
    writtenLabelHasPlaintext: {
      functions: [],
      files: [],
      doc: 'The write carries plaintext of some stream: the page moves to `plaintext`.',
    },
    writtenLabelHasCiphertext: {
      functions: [],
      files: [],
      doc: 'The write carries ciphertext of some stream: a zero page moves to `ciphertext`.',
    },
    writeAddsContent: {
      functions: [],
      files: [],
      doc: 'The write records a stream of a kind the label does not list yet.',
    },
  },
  pkvmFfaProxy: {
    majorVersionIsOne: {
      functions: ['do_ffa_version()'],
      files: [],
      doc: '`do_ffa_version`: `FFA_MAJOR_VERSION != 1`: FFA_RET_NOT_SUPPORTED.',
    },
    firmwareAcceptsDowngrade: {
      functions: ['do_ffa_version()', 'hyp_ffa_version()'],
      files: [],
      doc: '`do_ffa_version`: a downgrade below `hyp_ffa_version` is first offered to the SPMD; its NOT_SUPPORTED is returned to the host.',
    },
    postInitSucceeds: {
      functions: ['hyp_ffa_post_init()'],
      files: [],
      doc: '`hyp_ffa_post_init()` fails (FFA_ID_GET, RXTX_MAP features): FFA_RET_NOT_SUPPORTED.',
    },
    versionNotBelowNegotiated: {
      functions: ['do_ffa_version()'],
      files: [],
      doc: '`do_ffa_version` once negotiated: a lower minor than agreed gets FFA_RET_NOT_SUPPORTED.',
    },
    mailboxPageCountMatches: {
      functions: ['do_ffa_rxtx_map()'],
      files: [],
      doc: '`do_ffa_rxtx_map`: `npages != KVM_FFA_MBOX_NR_PAGES * PAGE_SIZE / FFA_PAGE_SIZE`: INVALID_PARAMETERS.',
    },
    mailboxAddressesAligned: {
      functions: ['do_ffa_rxtx_map()'],
      files: [],
      doc: '`do_ffa_rxtx_map`: `!PAGE_ALIGNED(tx) || !PAGE_ALIGNED(rx)`: INVALID_PARAMETERS.',
    },
    mailboxSharedWithHyp: {
      functions: ['do_ffa_rxtx_map()', '__pkvm_host_share_hyp()', 'hyp_pin_shared_mem()'],
      files: [],
      doc: '`do_ffa_rxtx_map`: `__pkvm_host_share_hyp` or `hyp_pin_shared_mem` fails: INVALID_PARAMETERS.',
    },
    unmapIdIsHost: {
      functions: ['do_ffa_rxtx_unmap()'],
      files: [],
      doc: '`do_ffa_rxtx_unmap`: `id != HOST_FFA_ID`: INVALID_PARAMETERS.',
    },
    xferRegistersValid: {
      functions: ['__do_ffa_mem_xfer()'],
      files: [],
      doc: '`__do_ffa_mem_xfer`: `addr_mbz || npages_mbz || fraglen > len || fraglen > mailbox`: INVALID_PARAMETERS.',
    },
    fragmentHoldsHeader: {
      functions: ['__do_ffa_mem_xfer()'],
      files: [],
      doc: '`__do_ffa_mem_xfer`: `fraglen < sizeof(ffa_mem_region) + sizeof(EMAD)`: INVALID_PARAMETERS.',
    },
    descriptorFitsBuffer: {
      functions: ['__do_ffa_mem_xfer()'],
      files: [],
      doc: '`__do_ffa_mem_xfer`: `len > ffa_desc_buf.len`: FFA_RET_NO_MEMORY.',
    },
    compositeOffsetNonZero: {
      functions: ['__do_ffa_mem_xfer()'],
      files: [],
      doc: '`__do_ffa_mem_xfer`: `!offset` (composite offset zero): INVALID_PARAMETERS.',
    },
    singleEndpoint: {
      functions: ['__do_ffa_mem_xfer()'],
      files: [],
      doc: '`__do_ffa_mem_xfer`: `ep_count != 1`: INVALID_PARAMETERS.',
    },
    senderIsHost: {
      functions: ['__do_ffa_mem_xfer()'],
      files: [],
      doc: '`__do_ffa_mem_xfer`: `sender_id != HOST_FFA_ID`: INVALID_PARAMETERS.',
    },
    compositeHeaderInFragment: {
      functions: ['__do_ffa_mem_xfer()', 'check_add_overflow()'],
      files: [],
      doc: '`__do_ffa_mem_xfer`: `check_add_overflow(offset, sizeof(composite))` (fix 103e17aac09c) and `fraglen < offset + sizeof(composite)`: INVALID_PARAMETERS.',
    },
    constituentsWholeEntries: {
      functions: ['__do_ffa_mem_xfer()'],
      files: [],
      doc: '`__do_ffa_mem_xfer`: constituent bytes not a multiple of 16: INVALID_PARAMETERS.',
    },
    hostRangesShareable: {
      functions: [
        'ffa_host_share_ranges()',
        '__pkvm_host_share_ffa()',
        '__pkvm_host_donate_ffa()',
        'linux_errno_to_ffa()',
      ],
      files: [],
      doc: '`ffa_host_share_ranges`: a range not PAGE_ALIGNED in size, or `__pkvm_host_share_ffa` / [A] `__pkvm_host_donate_ffa` failing, unshares what was done and returns FFA_RET_DENIED ([A]: -EACCES through `linux_errno_to_ffa`).',
    },
    handleSlotFree: {
      functions: ['ffa_host_alloc_handle()', 'spm_handles()'],
      files: [],
      doc: '[A] `ffa_host_alloc_handle()` finds a free `spm_handles` entry (always true in mainline).',
    },
    handleTableFull: {
      functions: [],
      files: [],
      doc: '[A] Routing: the handle table is full (-ENOSPC, after the ranges were given away).',
    },
    lendUnmapsHost: {
      functions: ['kvm_ffa_unmap_on_lend()', '__pkvm_host_donate_ffa()'],
      files: [],
      doc: '[A] Routing: LEND with `kvm_ffa_unmap_on_lend` goes through `__pkvm_host_donate_ffa`.',
    },
    fragmentFitsMailbox: {
      functions: ['do_ffa_mem_frag_tx()'],
      files: [],
      doc: '`do_ffa_mem_frag_tx`: `fraglen > KVM_FFA_MBOX_NR_PAGES * PAGE_SIZE`: INVALID_PARAMETERS.',
    },
    fragmentWholeEntries: {
      functions: ['do_ffa_mem_frag_tx()'],
      files: [],
      doc: '`do_ffa_mem_frag_tx`: `fraglen % sizeof(range)`: INVALID_PARAMETERS.',
    },
    fragmentHandleKnown: {
      functions: ['do_ffa_mem_frag_tx()'],
      files: [],
      doc: '[A] `do_ffa_mem_frag_tx`: with unmap-on-lend, an unknown handle: INVALID_PARAMETERS.',
    },
    fragmentRangesShareable: {
      functions: ['do_ffa_mem_frag_tx()'],
      files: [],
      doc: "`do_ffa_mem_frag_tx`: sharing this fragment's ranges fails: the proxy issues FFA_MEM_RECLAIM(handle, 0) to abort and returns DENIED. Hafnium refuses a reclaim of an incomplete send (INVALID_PARAMETERS, only WARNed here), so nothing else changes.",
    },
    spmdAcceptsFragment: {
      functions: [],
      files: [],
      doc: "Routing: the SPMD answered SUCCESS or FFA_MEM_FRAG_RX, so this fragment's ranges stay shared.",
    },
    transferIsLend: {
      functions: [],
      files: [],
      doc: '[A] Routing: a fragment of a lent handle under unmap-on-lend (`entry->is_lend`).',
    },
    reclaimHandleKnown: {
      functions: ['do_ffa_mem_reclaim()'],
      files: [],
      doc: '[A] `do_ffa_mem_reclaim`: with unmap-on-lend, an unknown handle: INVALID_PARAMETERS.',
    },
  },
  pkvmPage: {
    pageIsMemory: {
      functions: ['check_range_allowed_memory()'],
      files: ['mem_protect.c'],
      doc: '`check_range_allowed_memory()` in mem_protect.c: the page is in a memblock region and not `MEMBLOCK_NOMAP`; MMIO or no-map memory gives -EPERM.',
    },
    pageAcceptedForFfa: {
      functions: [
        '__pkvm_host_share_ffa()',
        '__host_check_page_state_range()',
        'check_range_allowed_memory()',
      ],
      files: [],
      doc: 'What `__pkvm_host_share_ffa()` accepts. Mainline calls `__host_check_page_state_range()`, hence `check_range_allowed_memory()`: memory only, -EPERM for no-map and MMIO. ACK android16-6.12 passes `HOST_CHECK_ALLOW_NO_MAP` (`androidPkvmPageMachine`); ACK android15-6.6 does not (`android15PkvmPageMachine`).',
    },
    refcountIsZero: {
      functions: ['___host_check_page_state_range()'],
      files: [],
      doc: '[A] `___host_check_page_state_range()` with `HOST_CHECK_NULL_REFCNT`, set for every `OWNED` check ("OWNED pages may be used for DMA"): -EINVAL while an IOMMU maps the page. Mainline has no DMA refcount, so an `OWNED` page always passes.',
    },
    hypPageIsNoPage: {
      functions: ['__hyp_check_page_state_range()'],
      files: [],
      doc: '`__hyp_check_page_state_range(..., PKVM_NOPAGE)`: -EPERM.',
    },
    hypPageIsSharedBorrowed: {
      functions: ['__hyp_check_page_state_range()'],
      files: [],
      doc: '`__hyp_check_page_state_range(..., PKVM_PAGE_SHARED_BORROWED)`: -EPERM.',
    },
    hypPageIsOwned: {
      functions: ['__hyp_check_page_state_range()', '__pkvm_hyp_donate_host()'],
      files: [],
      doc: '`__hyp_check_page_state_range(..., PKVM_PAGE_OWNED)` in `__pkvm_hyp_donate_host()`: -EPERM.',
    },
    hypPageNotPinned: {
      functions: ['__pkvm_host_unshare_hyp()', 'hyp_page_count()'],
      files: [],
      doc: '`__pkvm_host_unshare_hyp()`: `hyp_page_count()` non-zero gives -EBUSY, checked after both states.',
    },
    hypPageIsPinned: {
      functions: ['hyp_unpin_shared_mem()', 'hyp_page_ref_dec()'],
      files: [],
      doc: '`hyp_unpin_shared_mem()` → `hyp_page_ref_dec()` BUG()s on a zero refcount.',
    },
    loadedVcpuIsProtected: {
      functions: ['handle___pkvm_host_donate_guest()'],
      files: ['nvhe/hyp-main.c'],
      doc: '`handle___pkvm_host_donate_guest()` in nvhe/hyp-main.c: -EINVAL unless a vCPU is loaded and its VM is protected (only pVMs receive donations).',
    },
    loadedVcpuIsNotProtected: {
      functions: ['handle___pkvm_host_share_guest()'],
      files: ['nvhe/hyp-main.c'],
      doc: '`handle___pkvm_host_share_guest()` in nvhe/hyp-main.c: -EINVAL unless a vCPU is loaded and its VM is not protected (the host shares into non-protected VMs only).',
    },
    vmIsNotProtected: {
      functions: ['handle___pkvm_host_unshare_guest()', 'get_np_pkvm_hyp_vm()'],
      files: [],
      doc: '`handle___pkvm_host_unshare_guest()` → `get_np_pkvm_hyp_vm()`: NULL for a pVM, -EINVAL.',
    },
    guestPageIsNoPage: {
      functions: ['__guest_check_page_state_range()'],
      files: [],
      doc: '`__guest_check_page_state_range(..., PKVM_NOPAGE)`: -EPERM (a POISON PTE is not NOPAGE either).',
    },
    sharedOnlyWithGuests: {
      functions: ['__pkvm_host_share_guest()'],
      files: [],
      doc: '`__pkvm_host_share_guest()`: a `SHARED_OWNED` page may gain a guest only if it is already shared with guests ("Only host to np-guest multi-sharing is tolerated"); count 0 means it is shared with hyp or FF-A: -EPERM.',
    },
    shareGuestCountBelowMax: {
      functions: ['__pkvm_host_share_guest()'],
      files: [],
      doc: '`__pkvm_host_share_guest()`: `host_share_guest_count == U32_MAX` gives -EBUSY.',
    },
    guestPteNotPoisoned: {
      functions: ['get_valid_guest_pte()'],
      files: [],
      doc: '`get_valid_guest_pte()`: a poisoned guest PTE gives -EHWPOISON.',
    },
    dyingGuestPteNotPoisoned: {
      functions: [
        '__pkvm_host_reclaim_page_guest()',
        'get_valid_guest_pte()',
        '__pkvm_host_force_reclaim_page_guest()',
      ],
      files: [],
      doc: '`__pkvm_host_reclaim_page_guest()`: `get_valid_guest_pte()` gives -EHWPOISON for a PTE `__pkvm_host_force_reclaim_page_guest()` poisoned, which the function returns as 0 ("the page was forcefully reclaimed already"): the call succeeds and changes nothing.',
    },
    guestPteIsMapped: {
      functions: ['get_valid_guest_pte()', '__check_host_shared_guest()'],
      files: [],
      doc: '`get_valid_guest_pte()` / `__check_host_shared_guest()`: an invalid guest PTE gives -ENOENT.',
    },
    guestPageIsSharedBorrowed: {
      functions: ['__check_host_shared_guest()'],
      files: [],
      doc: '`__check_host_shared_guest()`: guest state must be `SHARED_BORROWED`, else -EPERM.',
    },
    guestPageIsOwned: {
      functions: ['__pkvm_guest_share_host()'],
      files: [],
      doc: 'Guest state `OWNED` (`__pkvm_guest_share_host()`, reclaim, relinquish): -EPERM.',
    },
    guestPageIsSharedOwned: {
      functions: ['__pkvm_guest_unshare_host()'],
      files: [],
      doc: 'Guest state `SHARED_OWNED` (`__pkvm_guest_unshare_host()`, reclaim of a shared page): -EPERM.',
    },
    shareGuestCountPositive: {
      functions: ['__check_host_shared_guest()', 'host_share_guest_count()'],
      files: [],
      doc: '`__check_host_shared_guest()`: a zero `host_share_guest_count` WARNs and gives -EINVAL.',
    },
    lastGuestShare: {
      functions: ['__pkvm_host_unshare_guest()'],
      files: [],
      doc: '`__pkvm_host_unshare_guest()`: the host gets the page back when the count drops to 0.',
    },
    vmIsDying: {
      functions: ['__pkvm_reclaim_dying_guest_page()'],
      files: ['nvhe/pkvm.c'],
      doc: '`__pkvm_reclaim_dying_guest_page()` in nvhe/pkvm.c: -EINVAL unless `hyp_vm->is_dying`.',
    },
    sharedGuestPageIsHostBorrowed: {
      functions: [
        '__pkvm_guest_share_ffa_page()',
        '__pkvm_host_reclaim_page()',
        '__pkvm_host_reclaim_page_guest()',
      ],
      files: [],
      doc: 'The reclaim of a dying guest\'s page, case guest `SHARED_OWNED`: the host must be `SHARED_BORROWED`, i.e. the guest shared the page with the host, not with the secure world. The only way the model reaches guest `SHARED_OWNED` with the host `NOPAGE` is [A] `__pkvm_guest_share_ffa_page()`, so the check reads `sharedWithFfa`. - [A] android16-6.12 `__pkvm_host_reclaim_page()`: "Presumably a page shared via FF-A, will be handled separately": -EBUSY (`androidPkvmPageRefusals`). - Mainline `__pkvm_host_reclaim_page_guest()` and android15-6.6 `__pkvm_host_reclaim_page()` only WARN_ON() and hand the page to the host unzeroed; neither tree lets a guest share a page with FF-A, so the model refuses with KERNEL_BUG.',
    },
    pageIsDmaMapped: {
      functions: ['__pkvm_host_unuse_dma()', 'hyp_page_ref_dec()'],
      files: [],
      doc: '[A] `__pkvm_host_unuse_dma()` → `hyp_page_ref_dec()` BUG()s on a zero refcount.',
    },
    relinquishFromProtectedVm: {
      functions: ['__pkvm_guest_relinquish_to_host()'],
      files: [],
      doc: '[A] 6.12 `__pkvm_guest_relinquish_to_host()`: a non-protected vCPU gets 0 at once and nothing changes (older ACK released np-VM `SHARED_BORROWED` pages instead).',
    },
    pageNotDmaPinned: {
      functions: ['__pkvm_guest_relinquish_to_host()', 'hyp_page_count()'],
      files: [],
      doc: '[A] `__pkvm_guest_relinquish_to_host()`: `hyp_page_count()` non-zero (DMA pin) gives -EBUSY.',
    },
    annotatedGuestPageIsOwned: {
      functions: ['__pkvm_host_force_reclaim_page_guest()', 'get_valid_guest_pte()'],
      files: [],
      doc: '`__pkvm_host_force_reclaim_page_guest()`: the guest named by the host annotation must hold the page `OWNED` (else -EPERM), after `get_valid_guest_pte()` (-EHWPOISON, -ENOENT).',
    },
    pageSharedWithFfa: {
      functions: ['do_ffa_mem_reclaim()', 'ffa_host_unshare_ranges()', '__pkvm_host_unshare_ffa()'],
      files: ['nvhe/ffa.c'],
      doc: 'The pKVM FF-A proxy unshares only the constituents the SPMC returns for a reclaimed handle (`do_ffa_mem_reclaim()` → `ffa_host_unshare_ranges()` in nvhe/ffa.c), so `__pkvm_host_unshare_ffa()` only ever sees pages it shared with the secure world.',
    },
  },
  protectedHeap: {
    configIsQueried: {
      functions: ['optee_protmem_pool_init()', 'optee_protmem_alloc_dyn_pool()'],
      files: [],
      doc: '`optee_protmem_pool_init()` (SMC) / `optee_protmem_alloc_dyn_pool()`: the config is queried.',
    },
    configIsFromDeviceTree: {
      functions: [],
      files: [],
      doc: 'Device-tree variant: the carveout comes from a reserved-memory node.',
    },
    configSucceeded: {
      functions: [],
      files: [],
      doc: 'Branch: the query succeeded and the pool could be created.',
    },
    poolIsStatic: {
      functions: ['tee_protmem_static_pool_alloc()', 'optee_protmem_alloc_dyn_pool()'],
      files: [],
      doc: 'Branch: `tee_protmem_static_pool_alloc()` rather than `optee_protmem_alloc_dyn_pool()`.',
    },
    heapIdNotBound: {
      functions: ['tee_device_register_dma_heap()'],
      files: [],
      doc: '`tee_device_register_dma_heap()`: `h->teedev` already set for this id gives -EBUSY.',
    },
    requestedPagesFree: {
      functions: ['protmem_pool_op_static_alloc()', 'protmem_pool_op_dyn_alloc()', 'gen_pool_alloc()'],
      files: [],
      doc: '`protmem_pool_op_static_alloc()` / `protmem_pool_op_dyn_alloc()`: `gen_pool_alloc()` fails, -ENOMEM.',
    },
    dmaMemAllocated: {
      functions: ['init_dyn_protmem()', 'tee_shm_alloc_dma_mem()'],
      files: [],
      doc: '`init_dyn_protmem()` → `tee_shm_alloc_dma_mem(page_count)`: -ENOMEM when CMA has no room.',
    },
    dmaMemNotQuarantined: {
      functions: ['tee_shm_alloc_dma_mem()'],
      files: [],
      doc: 'Quarantined pages never went back to CMA, so `tee_shm_alloc_dma_mem()` cannot return them: the world does not offer them.',
    },
    requestedPagesInDmaMem: {
      functions: ['protmem_pool_op_dyn_alloc()', 'gen_pool_alloc()'],
      files: [],
      doc: '`protmem_pool_op_dyn_alloc()`: `gen_pool_alloc()` inside the new range, else -ENOMEM.',
    },
    pagesAreAllocated: {
      functions: ['gen_pool_free()'],
      files: [],
      doc: '`gen_pool_free()` of a range the pool did not hand out BUG()s (genalloc).',
    },
    lastBuffer: {
      functions: ['put_dyn_protmem()'],
      files: [],
      doc: 'Branch: this free drops the last buffer (`put_dyn_protmem()` / the heap kref reach 0).',
    },
    heapShuttingDown: {
      functions: ['tee_device_put_all_dma_heaps()'],
      files: [],
      doc: 'Branch: `tee_device_put_all_dma_heaps()` already dropped the initial heap reference.',
    },
    heapNotShuttingDown: {
      functions: ['tee_device_put_all_dma_heaps()', 'shutting_down()'],
      files: [],
      doc: '`tee_device_put_all_dma_heaps()` skips a heap already `shutting_down`.',
    },
    noBufferLeft: {
      functions: [],
      files: [],
      doc: 'Branch: no buffer holds a heap reference, so dropping the initial one releases the heap.',
    },
    lendSucceeded: {
      functions: ['lend_protmem()'],
      files: [],
      doc: 'Branch: `lend_protmem()` returned 0.',
    },
    lendRollbackReclaimFailed: {
      functions: ['optee_ffa_lend_protmem()', 'memory_reclaim()', 'init_dyn_protmem()'],
      files: [],
      doc: 'Branch: `optee_ffa_lend_protmem()` error path: `MEM_LEND` had succeeded, the unchecked `memory_reclaim(handle, 0)` failed, and `init_dyn_protmem()` frees the pages anyway.',
    },
    reclaimFailedInSecureWorld: {
      functions: ['reclaim_protmem()', 'release_dyn_protmem()'],
      files: [],
      doc: 'Branch: `reclaim_protmem()` failed; `release_dyn_protmem()` ignores its result.',
    },
    quarantineOnReclaimFailure: {
      functions: [],
      files: [],
      doc: 'Branch: the quarantine policy keeps pages the secure world did not give back.',
    },
  },
  sharedObjectEntry: {
    dmabufFdIsValid: {
      functions: ['virtio_add_dmabuf()'],
      files: ['virtio-dmabuf.c'],
      doc: '`virtio_add_dmabuf()` in virtio-dmabuf.c: a negative fd returns false before the table is touched.',
    },
    entryIsVhostDevice: {
      functions: ['vhost_user_backend_handle_shared_object_remove()'],
      files: ['vhost-user.c'],
      doc: '`vhost_user_backend_handle_shared_object_remove()` in vhost-user.c: only a `TYPE_VHOST_DEV` entry may be removed over vhost-user; the default branch returns 1.',
    },
    requesterOwnsEntry: {
      functions: [],
      files: [],
      doc: 'Same handler: `dev != owner` returns 1 ("Not allowed to remove non-owned entries").',
    },
    requesterMayLookUp: {
      functions: ['vhost_user_backend_handle_shared_object_lookup()'],
      files: ['vhost-user.c'],
      doc: '`vhost_user_backend_handle_shared_object_lookup()` in vhost-user.c checks nothing about the requester: always true. `sharedObjectEntryWithAccessControlMachine` replaces it.',
    },
    ownerChannelWritable: {
      functions: ['vhost_user_get_shared_object()', 'vhost_user_write()'],
      files: [],
      doc: '`vhost_user_get_shared_object()`: `vhost_user_write()` to the owner fails on a closed channel (-EIO).',
    },
    ownerReplyIsGetSharedObject: {
      functions: ['vhost_user_get_shared_object()'],
      files: [],
      doc: '`vhost_user_get_shared_object()`: a reply of another type gives -EPROTO ("Received unexpected msg type").',
    },
    ownerReplyCarriesFd: {
      functions: ['vhost_user_get_shared_object()'],
      files: [],
      doc: '`vhost_user_get_shared_object()`: no fd in the reply gives -EIO ("Failed to get dmabuf fd").',
    },
    entryOwnedByDev: {
      functions: ['virtio_dmabuf_resource_is_owned()', 'virtio_dmabuf_vhost_cleanup()'],
      files: ['virtio-dmabuf.c'],
      doc: '`virtio_dmabuf_resource_is_owned()` in virtio-dmabuf.c, the predicate of `virtio_dmabuf_vhost_cleanup(dev)`: `type == TYPE_VHOST_DEV && value.dev == dev`.',
    },
  },
  swiotlbBounce: {
    bouncePageSharedWithHost: {
      functions: ['rmem_swiotlb_device_init()', 'set_memory_decrypted()'],
      files: [],
      doc: '`rmem_swiotlb_device_init()` shares the pool (`set_memory_decrypted()` → MEM_SHARE) before a device can map through it; the kernel does not check the result (see the variant).',
    },
    mapCopiesOriginal: {
      functions: ['swiotlb_tbl_map_single()', 'swiotlb_bounce()'],
      files: [],
      doc: '`swiotlb_tbl_map_single()`: `swiotlb_bounce(..., DMA_TO_DEVICE)` runs unconditionally, for every direction. The pre-2022 variant copies only for TO_DEVICE and BIDIRECTIONAL.',
    },
    dirIncludesToDevice: {
      functions: ['swiotlb_sync_single_for_device()'],
      files: [],
      doc: '`swiotlb_sync_single_for_device()`: bounces to the slot for TO_DEVICE and BIDIRECTIONAL.',
    },
    dirIncludesFromDevice: {
      functions: ['swiotlb_sync_single_for_cpu()', 'swiotlb_tbl_unmap_single()'],
      files: [],
      doc: '`swiotlb_sync_single_for_cpu()` and `swiotlb_tbl_unmap_single()`: copy back for FROM_DEVICE and BIDIRECTIONAL.',
    },
  },
  tzascRegion: {
    filtersExist: {
      functions: ['tzc400_configure_region()', 'assert()'],
      files: [],
      doc: '`tzc400_configure_region`: `assert((filters >> tzc400.num_filters) == 0)`; a failed assertion panics the firmware.',
    },
    regionEnabledOnAFilter: {
      functions: [],
      files: [],
      doc: "Routing: F_EN has at least one filter, so the region's own attributes apply.",
    },
    gateKeepersClosed: {
      functions: ['tzc400_enable_filters()'],
      files: [],
      doc: '`tzc400_enable_filters`: a filter whose gate keeper is already open makes TF-A panic ("Filter %d Gatekeeper already enabled").',
    },
  },
  vhostBackend: {
    backendChannelSetUp: {
      functions: ['vhost_setup_backend_channel()'],
      files: ['vhost-user.c'],
      doc: '`vhost_setup_backend_channel()` in vhost-user.c returns early without `VHOST_USER_PROTOCOL_F_BACKEND_REQ`: there is no channel to send back-end messages on.',
    },
    sharedObjectMessagesAccepted: {
      functions: ['backend_read()'],
      files: ['vhost-user.c'],
      doc: '`backend_read()` in vhost-user.c dispatches the shared-object messages without checking `VHOST_USER_PROTOCOL_F_SHARED_OBJECT`: always true in QEMU (see the spec variant).',
    },
  },
  virtioDmabufExport: {
    objectIsCrossDeviceBlob: {
      functions: [],
      files: ['virtgpu_ioctl.c'],
      doc: 'The create-blob ioctl (`virtgpu_ioctl.c`) assigns a UUID only to blobs created with `VIRTGPU_BLOB_FLAG_USE_CROSS_DEVICE`; non-blob objects get theirs from the export.',
    },
    deviceHasResourceAssignUuid: {
      functions: ['verify_blob()'],
      files: ['virtgpu_ioctl.c'],
      doc: '`verify_blob()` in virtgpu_ioctl.c: a cross-device blob without the UUID feature is -EINVAL.',
    },
    assignUuidNotSent: {
      functions: [],
      files: [],
      doc: 'The create-blob ioctl runs once per object: one ASSIGN_UUID per object in this model.',
    },
    objectNotExported: {
      functions: ['drm_gem_prime_handle_to_dmabuf()', 'virtgpu_gem_prime_export()'],
      files: ['drm_prime.c'],
      doc: '`drm_gem_prime_handle_to_dmabuf()` (drm_prime.c) reuses the cached `obj->dma_buf`: a second export returns the same dma-buf without calling `virtgpu_gem_prime_export()`.',
    },
    exportOpsHaveGetUuid: {
      functions: ['virtio_dma_buf_export()', 'get_uuid()'],
      files: ['virtio_dma_buf.c'],
      doc: '`virtio_dma_buf_export()` in virtio_dma_buf.c: no `get_uuid` op gives -EINVAL.',
    },
    exportOpsAttachIsVirtio: {
      functions: ['virtio_dma_buf_export()'],
      files: [],
      doc: '`virtio_dma_buf_export()`: `ops->attach != virtio_dma_buf_attach` gives -EINVAL (checked only without `CONFIG_CFI_CLANG && CONFIG_MODULES`, see `cfiVirtioDmabufExportMachine`).',
    },
    objectIsNotBlob: {
      functions: ['virtgpu_gem_prime_export()', 'host3d_blob()', 'guest_blob()'],
      files: [],
      doc: '`virtgpu_gem_prime_export()`: `!blob` (neither `host3d_blob` nor `guest_blob`).',
    },
    blobWithoutCrossDevice: {
      functions: ['virtgpu_gem_prime_export()'],
      files: [],
      doc: '`virtgpu_gem_prime_export()`: a blob without `VIRTGPU_BLOB_FLAG_USE_CROSS_DEVICE` gets `STATE_ERR`.',
    },
    assignUuidSent: {
      functions: ['virtio_gpu_cmd_resource_uuid_cb()'],
      files: ['virtgpu_vq.c'],
      doc: '`virtio_gpu_cmd_resource_uuid_cb()` in virtgpu_vq.c runs only for a queued ASSIGN_UUID.',
    },
    responseIsOkResourceUuid: {
      functions: ['virtio_gpu_cmd_resource_uuid_cb()'],
      files: [],
      doc: '`virtio_gpu_cmd_resource_uuid_cb()`: OK only for `VIRTIO_GPU_RESP_OK_RESOURCE_UUID`.',
    },
    objectExported: {
      functions: ['virtio_dma_buf_get_uuid()'],
      files: [],
      doc: '`virtio_dma_buf_get_uuid()` needs a dma-buf: the guest has none before the export.',
    },
    isVirtioDmaBuf: {
      functions: ['virtio_dma_buf_get_uuid()', 'is_virtio_dma_buf()', 'virtio_dma_buf_attach()'],
      files: ['virtio_dma_buf.c'],
      doc: '`virtio_dma_buf_get_uuid()` in virtio_dma_buf.c: `!is_virtio_dma_buf(dmabuf)` gives -EINVAL (`is_virtio_dma_buf()` compares `ops->attach` with `virtio_dma_buf_attach`).',
    },
  },
  virtioGpuImport: {
    notExportedBySameDevice: {
      functions: ['virtgpu_gem_prime_import()'],
      files: [],
      doc: '`virtgpu_gem_prime_import()`: a buffer this device exported is not imported (gem ref instead).',
    },
    exportedBySameDevice: {
      functions: [],
      files: [],
      doc: '',
    },
    deviceHasResourceBlob: {
      functions: [
        'virtgpu_gem_prime_import()',
        'has_resource_blob()',
        'drm_gem_prime_import()',
        'virtgpu_gem_prime_import_sg_table()',
      ],
      files: [],
      doc: '`virtgpu_gem_prime_import()`: without `has_resource_blob` it falls back to `drm_gem_prime_import()`, which ends in `virtgpu_gem_prime_import_sg_table()`: -ENODEV.',
    },
    importedBufferNotProtected: {
      functions: ['virtgpu_gem_prime_import()'],
      files: [],
      doc: 'No such check exists in `virtgpu_gem_prime_import()`: the import never looks at whether the foreign buffer is protected. Always true here; the `refusesProtectedImport` variant replaces it.',
    },
    exporterAcceptsAttach: {
      functions: ['dma_buf_dynamic_attach()'],
      files: ['dma-buf.c'],
      doc: '`dma_buf_dynamic_attach()` in dma-buf.c: an exporter `attach` error is returned; the documented code for "backing storage not accessible to the device" is -EBUSY.',
    },
    kernelFencesSignalled: {
      functions: ['virtgpu_dma_buf_import_sgt()'],
      files: [],
      doc: '`virtgpu_dma_buf_import_sgt()`: an uninterruptible wait with `MAX_SCHEDULE_TIMEOUT` blocks until the kernel fences signal (-ETIMEDOUT cannot happen).',
    },
    exporterMapSucceeds: {
      functions: ['dma_buf_map_attachment()', 'map_dma_buf()'],
      files: [],
      doc: "`dma_buf_map_attachment()`: the exporter's `map_dma_buf` error (NULL is -ENOMEM) is returned.",
    },
  },
};
