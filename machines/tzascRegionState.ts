/**
 * Pure helpers for a TZC-400 region: the attribute encodings of TF-A and the access decision
 * the world asks for every read and write by the non-secure CPU, a DMA master or the secure
 * world.
 *
 * Sources: `ARM-software/arm-trusted-firmware: include/drivers/arm/tzc_common.h` (action,
 * secure attribute and NSAID encodings, and the comment "The memory requested is returned as
 * zero. But we can also raise an event"), `drivers/arm/tzc/tzc400.c`,
 * `drivers/arm/tzc/tzc_common_private.h` (region attribute register: secure bits and F_EN).
 *
 * The filter sits at the memory controller: a CPU cache hit never reaches it, so lines the
 * non-secure CPU cached before the region was protected stay readable until evicted. Cache
 * effects are not modelled yet, here or in the world: every access is decided by
 * `tzascAllows` as if it reached the filter, so lines cached before protection are not
 * represented, and a non-secure CPU read the filter refuses is never served stale from a cache.
 */

/** `TZC_REGION_S_*`: secure read and write enables of a region. */
export type TzcSecAttr = 'TZC_REGION_S_NONE' | 'TZC_REGION_S_RD' | 'TZC_REGION_S_WR' | 'TZC_REGION_S_RDWR';

/** `TZC_ACTION_*`: what a violating access raises besides reading as zero. */
export type TzcAction = 'TZC_ACTION_NONE' | 'TZC_ACTION_ERR' | 'TZC_ACTION_INT' | 'TZC_ACTION_ERR_INT';

/** `TZC_REGION_ACCESS_ID_MASK`: NSAIDs are 4 bits. */
const TZC_REGION_ACCESS_ID_MASK = 0xf;
const TZC_REGION_ACCESS_RD_EN_SHIFT = 0;
const TZC_REGION_ACCESS_WR_EN_SHIFT = 16;

/** `TZC_REGION_ACCESS_RD(nsaid)`: the id_access bit letting that NSAID read. */
export function tzcRegionAccessRd(nsaid: number): number {
  return ((1 << (nsaid & TZC_REGION_ACCESS_ID_MASK)) << TZC_REGION_ACCESS_RD_EN_SHIFT) >>> 0;
}

/** `TZC_REGION_ACCESS_WR(nsaid)`. */
export function tzcRegionAccessWr(nsaid: number): number {
  return ((1 << (nsaid & TZC_REGION_ACCESS_ID_MASK)) << TZC_REGION_ACCESS_WR_EN_SHIFT) >>> 0;
}

/** `TZC_REGION_ACCESS_RDWR(nsaid)`. */
export function tzcRegionAccessRdwr(nsaid: number): number {
  return (tzcRegionAccessRd(nsaid) | tzcRegionAccessWr(nsaid)) >>> 0;
}

/** Every NSAID may read and write: what a non-secure DRAM region usually grants. */
export const TZC_NSAID_ALL_RDWR = 0xffff_ffff;

/** A region's access attributes: the secure enables and the `nsaid_permissions` register. */
export interface TzcRegionAttributes {
  readonly secAttr: TzcSecAttr;
  readonly nsaidPermissions: number;
}

/** Who issues a transaction into the region. */
export interface TzascMaster {
  /** How reports name it: `ns-cpu`, `vpu`, `display`, `secure-world`. */
  readonly name: string;
  /** The transaction is secure (NS = 0): checked against the secure enables. */
  readonly secure: boolean;
  /** The non-secure access ID the interconnect stamps on its transactions (ignored if secure). */
  readonly nsaid: number;
  /** The TZC filter (DRAM port) its transactions go through; 0 by default. */
  readonly filter?: number;
}

export type TzascAccess = 'read' | 'write';

/** The region state `tzascAllows` reads (the machine's context has these fields). */
export interface TzascView {
  /** The carve-out's own region attributes while it is enabled on a filter. */
  readonly secAttr: TzcSecAttr;
  readonly nsaidPermissions: number;
  /** F_EN bitmap of the carve-out's region; 0 while it is not programmed. */
  readonly filters: number;
  /** Attributes of the lower-priority region that covers the carve-out otherwise. */
  readonly open: TzcRegionAttributes;
  /** Filters whose gate keeper is open (`tzc400_enable_filters` done). */
  readonly gateKeeperOpen: number;
  readonly action: TzcAction;
}

function secureAllows(secAttr: TzcSecAttr, access: TzascAccess): boolean {
  if (secAttr === 'TZC_REGION_S_RDWR') return true;
  return access === 'read' ? secAttr === 'TZC_REGION_S_RD' : secAttr === 'TZC_REGION_S_WR';
}

/** The attributes that apply to a transaction through `filter`. */
function tzascEffectiveAttributes(view: TzascView, filter = 0): TzcRegionAttributes {
  return (view.filters & (1 << filter)) !== 0
    ? { secAttr: view.secAttr, nsaidPermissions: view.nsaidPermissions }
    : view.open;
}

/**
 * True iff the filter lets `master` perform `access` in the carve-out. A secure transaction
 * needs the region's secure enable; a non-secure one needs its NSAID's read or write enable.
 * With the gate keeper of the master's filter closed, the filter accepts no transaction
 * (modelled as not allowed).
 */
export function tzascAllows(view: TzascView, master: TzascMaster, access: TzascAccess): boolean {
  const filter = master.filter ?? 0;
  if ((view.gateKeeperOpen & (1 << filter)) === 0) return false;
  const attributes = tzascEffectiveAttributes(view, filter);
  if (master.secure) return secureAllows(attributes.secAttr, access);
  const bit = access === 'read' ? tzcRegionAccessRd(master.nsaid) : tzcRegionAccessWr(master.nsaid);
  return (attributes.nsaidPermissions & bit) >>> 0 !== 0;
}

/**
 * What a refused access does: the read returns zeros (`tzc_common.h`), a write is dropped;
 * `TZC_ACTION_ERR` also raises a synchronous external abort and `TZC_ACTION_INT` an interrupt.
 */
export function tzascDeniedEffect(view: Pick<TzascView, 'action'>): {
  readonly readsReturnZero: true;
  readonly writesIgnored: true;
  readonly externalAbort: boolean;
  readonly interrupt: boolean;
} {
  return {
    readsReturnZero: true,
    writesIgnored: true,
    externalAbort: view.action === 'TZC_ACTION_ERR' || view.action === 'TZC_ACTION_ERR_INT',
    interrupt: view.action === 'TZC_ACTION_INT' || view.action === 'TZC_ACTION_ERR_INT',
  };
}
