/**
 * The guests' part of a Secure Data Path design's boot: the host creates each guest's vCPU, hands
 * it the regions it owns, and the guest shares back what the design says it shares.
 */
import type { Topology } from '../../topology/schema.ts';
import type { BootStep } from '../boot.ts';
import { send } from '../builder.ts';
import type { Layout } from '../layout.ts';
import type { PkvmFamily } from './pkvmFamily.ts';

/**
 * The boot of each guest in a Secure Data Path design: the host creates its vCPU and loads it,
 * gives it the regions it owns (`__pkvm_host_donate_guest()` to a protected VM,
 * `__pkvm_host_share_guest()` to a non-protected one), a protected guest shares back the pages
 * the design says it does (MEM_SHARE, a swiotlb pool), and the vCPU is put.
 */
export function guestBootSteps(family: PkvmFamily, topology: Topology, layout: Layout): BootStep[] {
  const steps: BootStep[] = [];
  const regions = topology.memory.map((region) => ({
    owner: region.owner,
    sharedWithHost: region.sharedWithHost,
    // A region the host backs on the guest's fault is donated after boot (`faultDonation()`).
    atBoot: region.donatedAt !== 'fault',
    pages: layout.regionPages.get(region.name)!.map((pfn) => layout.pages[pfn]!),
  }));
  topology.vms.forEach((vm, index) => {
    const component = family.guests[index]!;
    const facts = { vm: index, vmProtected: vm.protected, vcpuLoaded: true, vmDying: false };
    const host = (
      call: string,
      subject: string,
      text: string,
      deliveries: BootStep['deliveries'],
    ): BootStep => ({
      actor: 'host',
      call,
      subject,
      text,
      deliveries,
    });
    steps.push(
      host('__pkvm_init_vcpu()', `guest ${vm.name}`, `host initialises a vCPU of guest ${vm.name}`, [
        send(component, { type: 'INIT_VCPU' }),
      ]),
      host('pkvm_load_hyp_vcpu()', `guest ${vm.name}`, `host loads a vCPU of guest ${vm.name}`, [
        send(component, { type: 'VCPU_LOAD' }),
      ]),
    );
    for (const region of regions.filter((r) => r.owner === vm.name && r.atBoot)) {
      for (const { pfn, label } of region.pages) {
        const page = family.pages[pfn]!;
        steps.push(
          vm.protected
            ? host(
                '__pkvm_host_donate_guest()',
                `page ${label}`,
                `host donates page ${label} to guest ${vm.name}`,
                [send(page, { ...facts, type: 'HOST_DONATE_GUEST' })],
              )
            : host(
                '__pkvm_host_share_guest()',
                `page ${label}`,
                `host shares page ${label} with guest ${vm.name}`,
                [send(page, { ...facts, type: 'HOST_SHARE_GUEST' })],
              ),
        );
        if (region.sharedWithHost && vm.protected) {
          steps.push({
            actor: `guest ${vm.name}`,
            call: '__pkvm_guest_share_host()',
            subject: `page ${label}`,
            text: `guest ${vm.name} shares page ${label} with the host (MEM_SHARE)`,
            deliveries: [send(page, { ...facts, type: 'GUEST_SHARE_HOST' })],
          });
        }
      }
    }
    steps.push(
      host('pkvm_put_hyp_vcpu()', `guest ${vm.name}`, `host puts the vCPU of guest ${vm.name}`, [
        send(component, { type: 'VCPU_PUT' }),
      ]),
    );
  });
  return steps;
}
