/**
 * The `hypervisor` section of a topology: nothing at EL2, pKVM in one of its variants (mainline
 * or the Android Common Kernel, its IOMMU mode, what the FF-A proxy does on a lend, the host's
 * calls after boot), Xen (`schemaXen.ts`), Arm CCA (`schemaCca.ts`), or Gunyah (`schemaGunyah.ts`).
 */
import { z } from 'zod';
import { CcaHypervisor } from './schemaCca.ts';
import { GunyahHypervisor } from './schemaGunyah.ts';
import { XenHypervisor } from './schemaXen.ts';

/** An ownership hypercall the host may issue after boot (docs/model.md#host-hypercalls-after-boot). */
const HostCall = z
  .enum(['donateGuest', 'shareGuest', 'shareHyp', 'donateHyp', 'iommuMap'])
  .describe(
    'donateGuest: __pkvm_host_donate_guest() to a protected VM; shareGuest: __pkvm_host_share_guest() and __pkvm_host_unshare_guest() with a non-protected VM; shareHyp: __pkvm_host_share_hyp() and __pkvm_host_unshare_hyp(); donateHyp: __pkvm_host_donate_hyp(); iommuMap: kvm_iommu_map_pages() and kvm_iommu_unmap_pages() into the domain of a device the host controls (Android, iommu: dmaDomains).',
  );

export const Hypervisor = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('none').describe('No hypervisor: the host OS runs directly in the normal world.'),
  }),
  z.strictObject({
    kind: z
      .literal('pkvm')
      .describe('pKVM: the protected KVM hypervisor at EL2 (docs/model.md#pkvm-ownership).'),
    kernel: z
      .enum(['upstream', 'android'])
      .describe(
        'Which pKVM: mainline Linux, or the Android Common Kernel where they differ (docs/model.md#pkvm-ownership).',
      ),
    iommu: z
      .enum(['none', 'identity', 'dmaDomains'])
      .describe(
        'DMA isolation (docs/model.md#dma): none (mainline: a host-programmed master reaches all memory), identity (Android: an IOMMU domain mirroring the host stage-2), dmaDomains (Android: explicit per-device domains with a DMA refcount).',
      ),
    ffaLend: z
      .enum(['share', 'unmapOnLend', 'unmapAll'])
      .default('share')
      .describe(
        'What the FF-A proxy does to the host on MEM_LEND (docs/model.md#ffa): share (mainline, and Android by default: the host keeps its mapping), unmapOnLend (Android kvm_ffa_unmap_on_lend: CPU mapping removed, IOMMU left alone), unmapAll (CPU and IOMMU mappings removed: the fix neither kernel has).',
      ),
    hostCalls: z
      .array(HostCall)
      .optional()
      .describe(
        'Ownership hypercalls the untrusted host may try after boot, on every modelled page (docs/model.md#host-hypercalls-after-boot). Left out, the host makes none of them.',
      ),
  }),
  XenHypervisor,
  CcaHypervisor,
  GunyahHypervisor,
]);
