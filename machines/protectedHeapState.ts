/**
 * Pure helpers for the protected heap pool model: the pool's configuration and the context the
 * machine keeps.
 *
 * Sources: `torvalds/linux: drivers/tee/tee_heap.c` (`struct tee_dma_heap`, the static pool),
 * `drivers/tee/optee/protmem.c` (`struct optee_protmem_dyn_pool`), `drivers/tee/optee/smc_abi.c`
 * and `drivers/tee/optee/ffa_abi.c` (`optee_*_protmem_pool_init()`, lend and reclaim).
 */
import type { ReclaimFailurePolicy } from './dmaBufState.ts';

/**
 * `static`: a carveout served by `tee_protmem_static_pool_alloc()`'s gen_pool, protected before
 * Linux sees it. `dynamic`: `optee_protmem_alloc_dyn_pool()`, which takes CMA pages and lends
 * them to the secure world while any buffer uses them.
 */
export type PoolKind = 'static' | 'dynamic';

/**
 * How OP-TEE is reached: `smc` (`smc_abi.c`: the static pool, or the dynamic pool with
 * `OPTEE_SMC_SEC_CAP_DYNAMIC_PROTMEM`, lending by `OPTEE_MSG_CMD_LEND_PROTMEM`) or `ffa`
 * (`ffa_abi.c`: dynamic pool only, lending by FF-A `MEM_LEND`).
 */
export type OpteeAbi = 'smc' | 'ffa';

/**
 * Where the static carveout comes from: `query` (`OPTEE_SMC_GET_PROTMEM_CONFIG` at probe, the
 * only upstream way) or `deviceTree` (a reserved-memory node, as NXP's `linaro,secure-heap`).
 */
export type ConfigSource = 'query' | 'deviceTree';

export interface ProtectedHeapContext {
  /** The dma-heap name (`heap_id_2_name()`): `protected,secure-video` for the OP-TEE pools. */
  readonly heapName: string;
  readonly pool: PoolKind;
  readonly abi: OpteeAbi;
  readonly configSource: ConfigSource;
  readonly reclaimFailurePolicy: ReclaimFailurePolicy;
  /** Static: the carveout's pages. Dynamic: the CMA pages being lent or lent; empty otherwise. */
  readonly pages: readonly number[];
  /** Dynamic: `page_count` (`min_size / PAGE_SIZE` from `OPTEE_MSG_CMD_GET_PROTMEM_CONFIG`). */
  readonly pageCount: number;
  /** Pages handed out to live buffers (`gen_pool_alloc()` ranges). */
  readonly allocated: readonly number[];
  /** Live buffers: the heap `kref` above its initial reference, and the dynamic pool's refcount. */
  readonly buffers: number;
  /** Dynamic: the pages of the allocation waiting for the lend to finish. */
  readonly pendingAlloc: readonly number[];
  /** `tee_dma_heap.shutting_down`, set by `tee_device_put_all_dma_heaps()`. */
  readonly shuttingDown: boolean;
  /** Pages kept out of every allocator after a failed reclaim (quarantine policy only). */
  readonly quarantined: readonly number[];
}

export interface ProtectedHeapInput {
  readonly pool: PoolKind;
  /** Default: `smc` for a static pool, `ffa` for a dynamic one. */
  readonly abi?: OpteeAbi;
  readonly configSource?: ConfigSource;
  readonly heapName?: string;
  readonly reclaimFailurePolicy?: ReclaimFailurePolicy;
}

export function initialProtectedHeapContext(input: ProtectedHeapInput): ProtectedHeapContext {
  return {
    heapName: input.heapName ?? 'protected,secure-video',
    pool: input.pool,
    abi: input.abi ?? (input.pool === 'static' ? 'smc' : 'ffa'),
    configSource: input.configSource ?? 'query',
    reclaimFailurePolicy: input.reclaimFailurePolicy ?? 'upstream',
    pages: [],
    pageCount: 0,
    allocated: [],
    buffers: 0,
    pendingAlloc: [],
    shuttingDown: false,
    quarantined: [],
  };
}
