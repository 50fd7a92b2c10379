/**
 * The Arm CCA parts of the topology format: `hypervisor.kind: cca`, `vms[].realm`, and the `cca`
 * section (the regions of a realm's memory that are its unprotected IPA space, backed by NS
 * granules the host maps). docs/model.md#arm-cca-realms says what they model.
 */
import { z } from 'zod';
import { Name } from './schemaName.ts';

export const CcaHypervisor = z.strictObject({
  kind: z
    .literal('cca')
    .describe(
      'Arm CCA: the KVM host (the host party) runs in the normal world at EL2, the RMM at R-EL2 keeps realms (vms with realm: true) apart from it; memory moves between the Non-secure and the Realm PAS granule by granule (docs/model.md#arm-cca-realms).',
    ),
});

export const Cca = z.strictObject({
  unprotected: z
    .array(Name)
    .default([])
    .describe(
      "Regions owned by a realm that are its unprotected IPA space (the top IPA bit set): NS granules the host maps with RMI_RTT_MAP_UNPROTECTED, which the host and its devices reach. A realm's other regions are its protected memory: delegated granules made DATA granules with RIPAS RAM at boot.",
    ),
});

/** `vms[].realm`. */
export const RealmFlag = z
  .boolean()
  .optional()
  .describe(
    'A realm (hypervisor.kind: cca): its protected memory is DATA granules in the Realm PAS, which the host and non-realm DMA cannot reach.',
  );
