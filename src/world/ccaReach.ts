/**
 * Reach under Arm CCA, from each granule's state as the RMM tracks it and the Granule Protection
 * Table (GPT) enforces it (RMM specification DEN0137 1.0, granule states and realm IPA space; TF-RMM tf-rmm-v0.7.0
 * `runtime/rmi/granule.c`): an NS granule is the host's, its CPU's and its devices' (the SMMU
 * checks the GPT too); a realm reaches its DATA granules whose RIPAS is RAM through its protected
 * IPA, and NS granules the host mapped at its unprotected IPA (`RMI_RTT_MAP_UNPROTECTED`). A
 * delegated granule no realm owns is nobody's: every access to the Realm PAS from the normal
 * world faults. The RMM itself (R-EL2) maps realm granules only for its own commands, and is
 * trusted like EL2 elsewhere.
 *
 * A device a realm drives (`controlledBy: <realm>`, `iommu: domain`) stands for a device
 * assigned to the realm with RMM 1.1 device assignment (TF-RMM main `runtime/rmi/vdev.c`,
 * `runtime/rmi/psmmu.c`): the SMMU translates its DMA with the realm's stage 2, so it reaches
 * what the realm reaches.
 */

import {
  type CcaGranuleContext,
  granuleIsNonSecure,
  granuleRealmPath,
  granuleStateText,
} from '../../machines/ccaGranuleMachine.ts';
import type { MachineSnapshot } from '../../machines/snapshot.ts';
import type { WorldSnapshot } from '../../properties/model.ts';

/** What CCA reach is computed from. */
export interface CcaReachLayout {
  /** The granule machine of each page, by pfn; undefined for the host's own memory. */
  readonly granules: readonly (number | undefined)[];
  readonly realms: ReadonlySet<string>;
}

const granuleOf = (cca: CcaReachLayout, state: WorldSnapshot, pfn: number) => {
  const component = cca.granules[pfn];
  return component === undefined ? undefined : (state.parts[component] as MachineSnapshot<CcaGranuleContext>);
};

/** Why `domain`'s CPU (host or a realm) reaches the page under CCA, or undefined. */
export function ccaCpuPath(
  cca: CcaReachLayout,
  state: WorldSnapshot,
  pfn: number,
  domain: string,
): string | undefined {
  const snap = granuleOf(cca, state, pfn);
  if (snap === undefined) return domain === 'host' ? 'CPU, host memory in the Non-secure PAS' : undefined;
  if (domain === 'host')
    return granuleIsNonSecure(snap) ? 'CPU, an NS granule (GPT: Non-secure PAS)' : undefined;
  const path = granuleRealmPath(snap, domain);
  if (path === 'protected') return `CPU through ${domain}'s protected IPA (DATA granule, RIPAS RAM)`;
  if (path === 'unprotected') return `CPU through ${domain}'s unprotected IPA (RMI_RTT_MAP_UNPROTECTED)`;
  return undefined;
}

/** Why a device programmed by `controller` reaches the page by DMA under CCA, or undefined. */
export function ccaDmaPath(
  cca: CcaReachLayout,
  state: WorldSnapshot,
  pfn: number,
  controller: string,
): string | undefined {
  if (cca.realms.has(controller)) {
    const via = ccaCpuPath(cca, state, pfn, controller);
    return via === undefined
      ? undefined
      : `DMA of a device assigned to ${controller}, with its stage 2 (${via})`;
  }
  const snap = granuleOf(cca, state, pfn);
  if (snap === undefined || granuleIsNonSecure(snap))
    return 'DMA to the Non-secure PAS (the SMMU checks the GPT)';
  return undefined;
}

/** Why a device cannot reach the page by DMA, in words. */
export function ccaDmaRefusal(
  cca: CcaReachLayout,
  state: WorldSnapshot,
  pfn: number,
  controller: string,
): string {
  const snap = granuleOf(cca, state, pfn);
  const granule = snap === undefined ? 'host memory' : `granule ${granuleStateText(snap)}`;
  return cca.realms.has(controller)
    ? `${controller}'s stage 2 does not map the page (${granule})`
    : `the page is in the Realm PAS (${granule}): a non-realm access faults at the GPT`;
}

/** The granule component a page's CCA reach reads. */
export function ccaReads(cca: CcaReachLayout, pfn: number): number[] {
  const component = cca.granules[pfn];
  return component === undefined ? [] : [component];
}
