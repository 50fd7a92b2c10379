/**
 * One 4 KB granule of physical memory under Arm CCA, as the Realm Management Monitor (RMM, at
 * R-EL2) tracks it, together with the one realm IPA it backs: undelegated (Non-secure PAS, the
 * host's), delegated (Realm PAS, no realm's), or a DATA granule of a realm (Realm PAS, mapped at
 * a protected IPA whose RIPAS is RAM, EMPTY or DESTROYED). An NS granule can also be mapped into
 * a realm's unprotected IPA space (the top IPA bit set) by the host. One machine per page keeps
 * the state space small; the RTTs, RECs and the realm's own lifecycle are not modelled.
 *
 * Sources (read for this model):
 * - `TF-RMM/tf-rmm` tag tf-rmm-v0.7.0 (21cdfd2a2d36, RMM 1.0 ABI): `runtime/rmi/granule.c`
 *   (`smc_granule_delegate()`, `smc_granule_undelegate()`), `runtime/rmi/rtt.c`
 *   (`data_create()`, `smc_data_create()`, `smc_data_create_unknown()`, `smc_data_destroy()`,
 *   `map_unmap_ns()` behind `smc_rtt_map_unprotected()` / `smc_rtt_unmap_unprotected()`,
 *   `update_ripas()` behind `smc_rtt_set_ripas()`), `runtime/rsi/memory.c`
 *   (`handle_rsi_ipa_state_set()`), `lib/smc/include/smc-rmi.h` (the `RMI_ERROR_*` codes);
 * - the same repository at 9a7f8ef46378 (main, RMM 2.0 ABI), where `smc_granule_undelegate()`
 *   scrubs (`buffer_granule_sanitize()`) and `smc_granule_delegate()` no longer does;
 * - the RMM specification, Arm DEN0137 1.0: its sections on granule states, the realm IPA space
 *   (protected and unprotected IPA), RIPAS, and the RMI command descriptions.
 *
 * Where data is scrubbed: at tf-rmm-v0.7.0 `smc_granule_delegate()` and `smc_data_destroy()`
 * zero the granule (`buffer_granule_memzero()`) and `smc_granule_undelegate()` does not, since a
 * delegated granule is zero already; main moved the scrub to undelegate. Either way a realm's
 * data never reaches the Non-secure PAS unscrubbed. The model follows tf-rmm-v0.7.0; the flaw
 * `dataDestroyWithoutScrub` is a DATA_DESTROY that forgets the zeroing, with that release's
 * undelegate.
 *
 * Modelling choices: DATA_CREATE's REALM_NEW check (`validate_data_create()`, RMI_ERROR_REALM)
 * is the world's boot order, not a guard; `RSI_IPA_STATE_SET` and the host's
 * `RMI_RTT_SET_RIPAS` that completes it are one event; `change_destroyed` is never set.
 */
import { and, assign, emit, setup } from 'xstate';
import type { MachineFlaw } from './flaws.ts';
import type { RefusalTable } from './refusals.ts';
import type { MachineSnapshot } from './snapshot.ts';

/** RIPAS of the protected IPA the granule backs (DEN0137: Realm IPA state). */
export type Ripas = 'EMPTY' | 'RAM' | 'DESTROYED';

export interface CcaGranuleInput {
  /** The page, as the world numbers it. */
  readonly page: number;
}

export interface CcaGranuleContext {
  readonly page: number;
  /** The realm whose DATA granule it is (its RD), or null. */
  readonly realm: string | null;
  /** RIPAS of the realm IPA the granule backs; null while no realm maps it protected. */
  readonly ripas: Ripas | null;
  /** The realm whose unprotected IPA maps this NS granule (RMI_RTT_MAP_UNPROTECTED), or null. */
  readonly unprotectedMappedBy: string | null;
}

export type CcaGranuleEvent =
  /** RMI_GRANULE_DELEGATE (`smc_granule_delegate()`): NS → Realm PAS through EL3's GPT. */
  | { readonly type: 'RMI_GRANULE_DELEGATE' }
  /** RMI_GRANULE_UNDELEGATE (`smc_granule_undelegate()`): Realm PAS → NS. */
  | { readonly type: 'RMI_GRANULE_UNDELEGATE' }
  /** RMI_DATA_CREATE (`smc_data_create()`): copy an NS source in, measure it, RIPAS RAM. */
  | { readonly type: 'RMI_DATA_CREATE'; readonly realm: string }
  /** RMI_DATA_CREATE_UNKNOWN (`smc_data_create_unknown()`): map the granule, RIPAS unchanged. */
  | { readonly type: 'RMI_DATA_CREATE_UNKNOWN'; readonly realm: string }
  /** RMI_DATA_DESTROY (`smc_data_destroy()`): unmap the DATA granule, back to DELEGATED. */
  | { readonly type: 'RMI_DATA_DESTROY'; readonly realm: string }
  /** RMI_RTT_INIT_RIPAS (`smc_rtt_init_ripas()`), while the realm is NEW: RIPAS RAM. */
  | { readonly type: 'RMI_RTT_INIT_RIPAS'; readonly realm: string }
  /** RSI_IPA_STATE_SET by the realm, completed by the host's RMI_RTT_SET_RIPAS. */
  | { readonly type: 'RSI_IPA_STATE_SET'; readonly realm: string; readonly ripas: 'EMPTY' | 'RAM' }
  /** RMI_RTT_MAP_UNPROTECTED: the host maps this granule at the realm's unprotected IPA. */
  | { readonly type: 'RMI_RTT_MAP_UNPROTECTED'; readonly realm: string }
  /** RMI_RTT_UNMAP_UNPROTECTED: the host removes that mapping. */
  | { readonly type: 'RMI_RTT_UNMAP_UNPROTECTED'; readonly realm: string };

/** Emitted when the RMM zeroes the granule (`buffer_granule_memzero()`). */
export interface GranuleZeroedEvent {
  readonly type: 'GRANULE_ZEROED';
  readonly by: string;
}

const realmOf = (event: CcaGranuleEvent) => ('realm' in event ? event.realm : undefined);

export const ccaGranuleMachine = setup({
  types: {
    context: {} as CcaGranuleContext,
    events: {} as CcaGranuleEvent,
    input: {} as CcaGranuleInput,
    emitted: {} as GranuleZeroedEvent,
  },
  guards: {
    /**
     * `smc_data_destroy()` in runtime/rmi/rtt.c: the walk of this realm's RTT must find the
     * IPA ASSIGNED to the granule; another realm's RD finds it unassigned (RMI_ERROR_RTT).
     */
    realmOwnsGranule: ({ context, event }) => realmOf(event) === context.realm,
    /**
     * `smc_data_destroy()` in runtime/rmi/rtt.c: `buffer_granule_memzero()` before the
     * transition to DELEGATED. The flaw `dataDestroyWithoutScrub` skips it.
     */
    zeroesDestroyedData: () => true,
    /**
     * `update_ripas()` in runtime/rmi/rtt.c: a DESTROYED entry changes only with
     * change_destroyed, which the model never sets (-EINVAL, RMI_ERROR_RTT).
     */
    ripasNotDestroyed: ({ context }) => context.ripas !== 'DESTROYED',
    /**
     * `map_unmap_ns()` in runtime/rmi/rtt.c: UNMAP_NS needs an ASSIGNED_NS entry at the realm's
     * unprotected IPA (RMI_ERROR_RTT).
     */
    unprotectedMappedByRealm: ({ context, event }) =>
      context.unprotectedMappedBy !== null && context.unprotectedMappedBy === realmOf(event),
  },
  actions: {
    /** `buffer_granule_memzero(g, SLOT_DELEGATED)`. */
    zeroGranule: emit({ type: 'GRANULE_ZEROED', by: 'buffer_granule_memzero' } as const),
    /** `data_create()` with a source: `s2tte_create_assigned_ram()`. */
    assignRam: assign(({ event }) => ({ realm: realmOf(event) ?? null, ripas: 'RAM' as const })),
    /** `data_create()` without a source: `s2tte_create_assigned_unchanged()`. */
    assignUnchanged: assign(({ context, event }) => ({
      realm: realmOf(event) ?? null,
      ripas: context.ripas ?? ('EMPTY' as const),
    })),
    /** `smc_data_destroy()`: RAM → UNASSIGNED_DESTROYED, EMPTY → UNASSIGNED_EMPTY. */
    unassign: assign(({ context }) => ({
      realm: null,
      ripas: context.ripas === 'EMPTY' ? ('EMPTY' as const) : ('DESTROYED' as const),
    })),
    setRipasRam: assign({ ripas: 'RAM' as const }),
    setRipas: assign(({ event }) => (event.type === 'RSI_IPA_STATE_SET' ? { ripas: event.ripas } : {})),
    mapUnprotected: assign(({ event }) => ({ unprotectedMappedBy: realmOf(event) ?? null })),
    unmapUnprotected: assign({ unprotectedMappedBy: null }),
  },
}).createMachine({
  id: 'ccaGranule',
  description:
    'One granule under Arm CCA: undelegated (NS), delegated, or a DATA granule of a realm, with the RIPAS of the IPA it backs.',
  context: ({ input }) => ({ page: input.page, realm: null, ripas: null, unprotectedMappedBy: null }),
  initial: 'ns',
  on: {
    /**
     * `map_unmap_ns()`: the host's S2TTE is checked for its attributes only
     * (`host_ns_s2tte_is_valid()`), never the granule's state; a realm access through it to a
     * granule not in the NS PAS faults at the GPT.
     */
    RMI_RTT_MAP_UNPROTECTED: { actions: 'mapUnprotected' },
    RMI_RTT_UNMAP_UNPROTECTED: { guard: 'unprotectedMappedByRealm', actions: 'unmapUnprotected' },
  },
  states: {
    ns: {
      description: 'GRANULE_STATE_NS: Non-secure PAS, the host owns it',
      on: {
        /** `smc_granule_delegate()`: EL3 moves it to the Realm PAS; v0.7.0 zeroes it. */
        RMI_GRANULE_DELEGATE: { target: 'delegated', actions: 'zeroGranule' },
      },
    },
    delegated: {
      description: 'GRANULE_STATE_DELEGATED: Realm PAS, assigned to no realm',
      on: {
        /** `smc_granule_undelegate()`: back to the NS PAS (v0.7.0: no scrub, it is zero). */
        RMI_GRANULE_UNDELEGATE: { target: 'ns' },
        RMI_DATA_CREATE: { target: 'data', actions: 'assignRam' },
        RMI_DATA_CREATE_UNKNOWN: { target: 'data', actions: 'assignUnchanged' },
      },
    },
    data: {
      description: 'GRANULE_STATE_DATA: Realm PAS, a protected page of one realm',
      on: {
        RMI_DATA_DESTROY: [
          {
            guard: and(['realmOwnsGranule', 'zeroesDestroyedData']),
            target: 'delegated',
            actions: ['unassign', 'zeroGranule'],
          },
          { guard: 'realmOwnsGranule', target: 'delegated', actions: 'unassign' },
        ],
        RMI_RTT_INIT_RIPAS: { guard: 'realmOwnsGranule', actions: 'setRipasRam' },
        /** `handle_rsi_ipa_state_set()` then `smc_rtt_set_ripas()` → `update_ripas()`. */
        RSI_IPA_STATE_SET: { guard: and(['realmOwnsGranule', 'ripasNotDestroyed']), actions: 'setRipas' },
      },
    },
  },
});

type GranuleGuard = keyof typeof ccaGranuleMachine.implementations.guards;

export const ccaGranuleRefusals: RefusalTable<GranuleGuard, CcaGranuleContext, CcaGranuleEvent> = {
  unhandled: {
    default: 'NOT_ISSUED',
    /** `granule_lock_on_state_match(g, GRANULE_STATE_NS)` fails. */
    RMI_GRANULE_DELEGATE: 'RMI_ERROR_INPUT',
    /** `granule_lock_on_state_match(g, GRANULE_STATE_DELEGATED)` fails: a DATA granule stays. */
    RMI_GRANULE_UNDELEGATE: 'RMI_ERROR_INPUT',
    /** `find_lock_two_granules(data_addr, GRANULE_STATE_DELEGATED, ...)` fails. */
    RMI_DATA_CREATE: 'RMI_ERROR_INPUT',
    RMI_DATA_CREATE_UNKNOWN: 'RMI_ERROR_INPUT',
    /** The IPA is not ASSIGNED: `pack_return_code(RMI_ERROR_RTT, level)`. */
    RMI_DATA_DESTROY: 'RMI_ERROR_RTT',
    RMI_RTT_INIT_RIPAS: 'RMI_ERROR_RTT',
    RSI_IPA_STATE_SET: 'RMI_ERROR_RTT',
  },
  guards: {
    realmOwnsGranule: 'RMI_ERROR_RTT',
    zeroesDestroyedData: 'NOT_ISSUED',
    ripasNotDestroyed: 'RMI_ERROR_RTT',
    unprotectedMappedByRealm: 'RMI_ERROR_RTT',
  },
};

type CcaGranuleProvide = Parameters<typeof ccaGranuleMachine.provide>[0];

/** Named flaws of this machine (see `flaws.ts`). */
export const ccaGranuleFlaws = {
  dataDestroyWithoutScrub: {
    summary:
      "RMI_DATA_DESTROY returns a realm's DATA granule to DELEGATED without zeroing it, and " +
      'RMI_GRANULE_UNDELEGATE (which at tf-rmm-v0.7.0 relies on that zeroing) hands it to the ' +
      'host with the realm data in it: smc_data_destroy() in TF-RMM runtime/rmi/rtt.c without its ' +
      'buffer_granule_memzero().',
    provide: { guards: { zeroesDestroyedData: () => false } },
  },
} as const satisfies Record<string, MachineFlaw<CcaGranuleProvide>>;

/** True iff the granule is in the Non-secure PAS: the host's CPU and its devices reach it. */
export function granuleIsNonSecure(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'ns';
}

/** True iff `realm` reaches the granule: its RIPAS RAM DATA granule, or an NS one it maps unprotected. */
export function granuleRealmPath(
  snapshot: MachineSnapshot<CcaGranuleContext>,
  realm: string,
): 'protected' | 'unprotected' | undefined {
  const { context } = snapshot;
  if (snapshot.value === 'data' && context.realm === realm && context.ripas === 'RAM') return 'protected';
  if (snapshot.value === 'ns' && context.unprotectedMappedBy === realm) return 'unprotected';
  return undefined;
}

/** The granule's state in RMM words, for reports: `DATA of decrypt, RIPAS RAM`. */
export function granuleStateText(snapshot: MachineSnapshot<CcaGranuleContext>): string {
  if (snapshot.value === 'ns') return 'NS';
  if (snapshot.value === 'delegated') return 'DELEGATED';
  return `DATA of ${snapshot.context.realm}, RIPAS ${snapshot.context.ripas}`;
}
