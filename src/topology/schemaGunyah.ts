/**
 * The Gunyah parts of the topology format: `hypervisor.kind: gunyah`, and the `gunyah` section
 * (the memory parcels the owners create at boot, each with its access list).
 * docs/model.md#gunyah-memory-parcels says what they model.
 */
import { z } from 'zod';
import { Name } from './schemaName.ts';

export const GunyahHypervisor = z.strictObject({
  kind: z
    .literal('gunyah')
    .describe(
      'Gunyah: the host party is HLOS, Linux in the primary VM, which owns most memory; vms are secondary VMs; buffers cross VMs as memory parcels through the resource manager (docs/model.md#gunyah-memory-parcels).',
    ),
});

export const Gunyah = z.strictObject({
  parcels: z
    .array(
      z.strictObject({
        buffer: Name.describe('The buffer whose pages the parcel holds.'),
        by: z
          .string()
          .describe('The owner VM that creates the parcel: a VM that owns the pages, or host (HLOS).'),
        kind: z
          .enum(['lend', 'share', 'donate'])
          .describe(
            'MEM_LEND (the owner loses access until it reclaims), MEM_SHARE (the owner keeps access and is in the ACL), MEM_DONATE (the acceptor becomes the owner).',
          ),
        acl: z
          .array(
            z.strictObject({
              vm: z.string().describe('A VM that may accept the parcel: a VM, or host (HLOS).'),
              rights: z
                .enum(['r', 'rw'])
                .describe('MEM_RIGHTS_R or MEM_RIGHTS_RW: how the VM maps the parcel once it accepts.'),
            }),
          )
          .min(1)
          .describe('The access list (acl_entry_t): who may accept the parcel, and with what rights.'),
      }),
    )
    .default([])
    .describe(
      'Memory parcels the owners create at boot (MEM_LEND, MEM_SHARE, MEM_DONATE to the resource manager).',
    ),
});
