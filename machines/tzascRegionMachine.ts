/**
 * A firmware-protected carve-out: one TZC-400 region programmed by TF-A
 * (`ARM-software/arm-trusted-firmware: drivers/arm/tzc/tzc400.c`).
 *
 * States: `open` (the region is not enabled on any filter, so the lower-priority region that
 * covers the carve-out decides: typically the non-secure DRAM region, which every NSAID may read
 * and write) and `protected` (enabled on at least one filter with its own secure enables and
 * per-NSAID read/write enables). The machine starts `open` with the gate keepers open, as after
 * boot; configuring the region is a step, so a topology can protect memory the host already
 * mapped. `tzc400_configure_region()` has no lock: the region can be reprogrammed, and
 * programming it with no filter enabled (F_EN = 0) returns it to `open`. TF-A only warns, in
 * `tzc400_enable_filters()`, that changing the programmer's view of an active filter is
 * unpredictable; it does not prevent it, and neither does the model.
 *
 * `tzascAllows(context, master, access)` (in `tzascRegionState.ts`) answers whether a read or
 * write by the non-secure CPU, a DMA master or the secure world reaches the memory;
 * `tzascDeniedEffect(context)` says what a refused one does (reads as zero; abort if
 * `TZC_ACTION_ERR`).
 *
 * Events are TF-A's calls; their fields are the call's arguments (the region's base and top
 * are fixed by the input pages). Emitted:
 * - `TZASC_REGION_CONFIGURED` {region, pages, protected, secAttr, nsaidPermissions, filters}
 * - `TZASC_GATE_KEEPERS_CHANGED` {region, pages, open}: filters enabled or disabled.
 * No fact from other machines is needed.
 */
import { and, assign, emit, setup } from 'xstate';
import type { RefusalTable } from './refusals.ts';
import {
  TZC_NSAID_ALL_RDWR,
  type TzascView,
  type TzcAction,
  type TzcRegionAttributes,
  type TzcSecAttr,
} from './tzascRegionState.ts';

export interface TzascRegionContext extends TzascView {
  /** Region number (1 to 8 on a TZC-400; 0 is the background region). */
  readonly region: number;
  /** The carve-out's pages. */
  readonly pages: readonly number[];
  /** `tzc400.num_filters` from BUILD_CONFIG. */
  readonly numFilters: number;
}

export interface TzascRegionInput {
  readonly region: number;
  readonly pages: readonly number[];
  readonly numFilters?: number;
  /** The covering region's attributes; default: no secure access, every NSAID read/write. */
  readonly open?: TzcRegionAttributes;
  /** Platform boot choice of `tzc400_set_action()`; default `TZC_ACTION_ERR`. */
  readonly action?: TzcAction;
}

export type TzascRegionEvent =
  | {
      readonly type: 'TZC400_CONFIGURE_REGION';
      /** Bitmap of filters the region is enabled on (bit 0 = filter 0). */
      readonly filters: number;
      readonly secAttr: TzcSecAttr;
      /** `nsaid_permissions`: `TZC_REGION_ACCESS_RD/WR(nsaid)` bits. */
      readonly nsaidPermissions: number;
    }
  | { readonly type: 'TZC400_SET_ACTION'; readonly action: TzcAction }
  | { readonly type: 'TZC400_DISABLE_FILTERS' }
  | { readonly type: 'TZC400_ENABLE_FILTERS' };

export type TzascRegionEmitted =
  | {
      readonly type: 'TZASC_REGION_CONFIGURED';
      readonly region: number;
      readonly pages: readonly number[];
      readonly protected: boolean;
      readonly secAttr: TzcSecAttr;
      readonly nsaidPermissions: number;
      readonly filters: number;
    }
  | {
      readonly type: 'TZASC_GATE_KEEPERS_CHANGED';
      readonly region: number;
      readonly pages: readonly number[];
      readonly open: boolean;
    };

function allFilters(numFilters: number): number {
  return (1 << numFilters) - 1;
}

export const tzascRegionMachine = setup({
  types: {
    context: {} as TzascRegionContext,
    events: {} as TzascRegionEvent,
    input: {} as TzascRegionInput,
    emitted: {} as TzascRegionEmitted,
  },
  guards: {
    /**
     * `tzc400_configure_region`: `assert((filters >> tzc400.num_filters) == 0)`; a failed
     * assertion panics the firmware.
     */
    filtersExist: ({ context, event }) =>
      event.type === 'TZC400_CONFIGURE_REGION' && event.filters >>> context.numFilters === 0,
    /** Routing: F_EN has at least one filter, so the region's own attributes apply. */
    regionEnabledOnAFilter: ({ event }) => event.type === 'TZC400_CONFIGURE_REGION' && event.filters !== 0,
    /**
     * `tzc400_enable_filters`: a filter whose gate keeper is already open makes TF-A panic
     * ("Filter %d Gatekeeper already enabled").
     */
    gateKeepersClosed: ({ context }) => context.gateKeeperOpen === 0,
  },
  actions: {
    /** `_tzc400_configure_region`: base, top, attributes (secure bits | F_EN), id_access. */
    programRegion: assign(({ event }) =>
      event.type === 'TZC400_CONFIGURE_REGION'
        ? { filters: event.filters, secAttr: event.secAttr, nsaidPermissions: event.nsaidPermissions }
        : {},
    ),
    emitConfigured: emit(({ context }) => ({
      type: 'TZASC_REGION_CONFIGURED' as const,
      region: context.region,
      pages: context.pages,
      protected: context.filters !== 0,
      secAttr: context.secAttr,
      nsaidPermissions: context.nsaidPermissions,
      filters: context.filters,
    })),
    /** `tzc400_set_action` → `_tzc400_write_action`. */
    setAction: assign(({ event }) => (event.type === 'TZC400_SET_ACTION' ? { action: event.action } : {})),
    /** `tzc400_disable_filters`: every gate keeper closed. */
    closeGateKeepers: assign({ gateKeeperOpen: 0 }),
    /** `tzc400_enable_filters`: every gate keeper opened. */
    openGateKeepers: assign(({ context }) => ({ gateKeeperOpen: allFilters(context.numFilters) })),
    emitGateKeepers: emit(({ context }) => ({
      type: 'TZASC_GATE_KEEPERS_CHANGED' as const,
      region: context.region,
      pages: context.pages,
      open: context.gateKeeperOpen !== 0,
    })),
  },
}).createMachine({
  id: 'tzascRegion',
  description: 'A firmware-protected carve-out: one TZC-400 region programmed by TF-A.',
  context: ({ input }) => {
    const numFilters = input.numFilters ?? 1;
    return {
      region: input.region,
      pages: input.pages,
      numFilters,
      open: input.open ?? { secAttr: 'TZC_REGION_S_NONE', nsaidPermissions: TZC_NSAID_ALL_RDWR },
      filters: 0,
      secAttr: 'TZC_REGION_S_NONE',
      nsaidPermissions: 0,
      gateKeeperOpen: allFilters(numFilters),
      action: input.action ?? 'TZC_ACTION_ERR',
    };
  },
  initial: 'open',
  on: {
    /** `tzc400_set_action`: changes the reaction to violations, any time. */
    TZC400_SET_ACTION: { actions: 'setAction' },
    /** `tzc400_disable_filters`: no state check ("Gatekeepers are disabled after reset"). */
    TZC400_DISABLE_FILTERS: { actions: ['closeGateKeepers', 'emitGateKeepers'] },
    /** `tzc400_enable_filters`: panics if a gate keeper is already open. */
    TZC400_ENABLE_FILTERS: { guard: 'gateKeepersClosed', actions: ['openGateKeepers', 'emitGateKeepers'] },
    /** `tzc400_configure_region` with F_EN = 0: the region no longer applies; the carve-out is open. */
    TZC400_CONFIGURE_REGION: [
      {
        guard: and(['filtersExist', 'regionEnabledOnAFilter']),
        target: '.protected',
        actions: ['programRegion', 'emitConfigured'],
      },
      { guard: 'filtersExist', target: '.open', actions: ['programRegion', 'emitConfigured'] },
    ],
  },
  states: {
    open: {
      description: 'Region not enabled on any filter: the covering (non-secure DRAM) region decides',
    },
    protected: {
      description: 'Region enabled: its secure enables and per-NSAID enables decide',
    },
  },
});

type TzascGuard = keyof typeof tzascRegionMachine.implementations.guards;

/**
 * TF-A checks its arguments with `assert()` and `panic()`: the firmware stops rather than
 * returning an error. `KERNEL_BUG` is the closest code in `refusals.ts` for that.
 */
export const tzascRegionRefusals: RefusalTable<TzascGuard, TzascRegionContext, TzascRegionEvent> = {
  unhandled: { default: 'KERNEL_BUG' },
  guards: {
    filtersExist: 'KERNEL_BUG',
    regionEnabledOnAFilter: 'NOT_ISSUED',
    gateKeepersClosed: 'KERNEL_BUG',
  },
};
