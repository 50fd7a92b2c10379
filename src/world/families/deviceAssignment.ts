/**
 * Devices assigned to protected VMs (Android pKVM device assignment): one assignment machine
 * per assigned device, the boot calls that hand it from the host through the hypervisor to its
 * VM, the VM's own IOMMU domain (pvIOMMU), and what the VM's teardown does to both.
 *
 * Sources, read in `GrapheneOS/kernel_common-6.12` and
 * `abidhasansojib/android_kernel_common-6.12.30-android16` (android16-6.12):
 * `arch/arm64/kvm/hyp/nvhe/device/device.c` for the assignment and
 * `arch/arm64/kvm/hyp/nvhe/iommu/pviommu.c` for the guest's domain calls
 * (`kvm_handle_pviommu_hvc()` and the `pkvm_guest_iommu_*()` handlers); the teardown is
 * `pkvm_devices_teardown()` and `pkvm_pviommu_teardown()` → `kvm_iommu_teardown_guest_domains()`.
 */
import {
  type AssignedDeviceEvent,
  assignedDeviceMachine,
  assignedDeviceRefusals,
  deviceAssignedTo,
} from '../../../machines/assignedDeviceMachine.ts';
import { grantsAccess } from '../../../machines/pkvmPageState.ts';
import type { DeviceSpec, Topology } from '../../topology/schema.ts';
import type { BootStep } from '../boot.ts';
import { type Component, type StepInput, send, snapshotOf, type WorldBuilder } from '../builder.ts';
import { withFlaws } from '../flawSwitches.ts';
import type { Delivery } from '../world.ts';
import type { Device, Domain } from './deviceFamily.ts';
import type { DmaHeapFamily, HeapBuffer } from './dmaHeapFamily.ts';
import type { PkvmFamily } from './pkvmFamily.ts';

export type Assignment = Component<typeof assignedDeviceMachine>;

/** The assignment machine of a device the topology assigns to a VM. */
export function addAssignment(
  builder: WorldBuilder,
  device: DeviceSpec,
  flaws: readonly string[],
): Assignment {
  return builder.addComponent({
    id: `assignment:${device.name}`,
    kind: 'assignedDevice',
    label: `assignment of ${device.name}`,
    machine: withFlaws(assignedDeviceMachine, 'assignedDevice', flaws),
    input: undefined,
    refusals: assignedDeviceRefusals,
  });
}

/** A device assigned to a VM, with the machines its assignment needs. */
type Assigned = Device & { readonly assignment: Assignment; readonly domain: Domain; readonly vm: number };

function assignedDevices(devices: readonly Device[], topology: Topology): Assigned[] {
  return devices.flatMap((device) =>
    device.assignment !== undefined && device.domain !== undefined && device.assignedTo !== undefined
      ? [{ ...device, vm: topology.vms.findIndex((vm) => vm.name === device.assignedTo) } as Assigned]
      : [],
  );
}

/** The topology says the host's driver is still bound to the device when it is assigned. */
function hostDriverBound(device: Device, topology: Topology): boolean {
  return topology.devices.find((spec) => spec.name === device.name)?.hostDriverBound === true;
}

/**
 * The boot of assigned devices: when the host's driver is still bound, its IOMMU driver has
 * the device attached to a host DMA domain (`kvm_iommu_attach_dev()` →
 * `pkvm_devices_get_context()`, raising `dev->refcount`), and then
 * the host hands every assigned device's MMIO to the hypervisor
 * (`pkvm_device_hyp_assign_mmio()`); then each VM allocates its IOMMU domain, claims the device
 * (`pkvm_device_request_dma()`, which assigns the device's whole group on the group's first
 * claim) and attaches it to the domain.
 */
export function assignmentBoot(devices: readonly Device[], topology: Topology): BootStep[] {
  const assigned = assignedDevices(devices, topology);
  const steps: BootStep[] = assigned.flatMap((device) => [
    ...(hostDriverBound(device, topology)
      ? [
          {
            actor: 'host',
            call: 'kvm_iommu_attach_dev()',
            subject: `device ${device.name}`,
            text: `host's driver for ${device.name} attaches it to a host DMA domain (pkvm_devices_get_context())`,
            deliveries: [send(device.assignment, { type: 'HOST_ATTACH_DOMAIN' })],
          },
        ]
      : []),
    {
      actor: 'host',
      call: 'pkvm_device_hyp_assign_mmio()',
      subject: `device ${device.name}`,
      text: `host hands the MMIO of ${device.name} to the hypervisor`,
      deliveries: [send(device.assignment, { type: 'HOST_ASSIGN_MMIO' })],
    },
  ]);
  const claimedGroups = new Set<string>();
  for (const device of assigned) {
    const guest = `guest ${device.assignedTo}`;
    const mates = devices.filter(
      (d) => d.name !== device.name && d.group !== undefined && d.group === device.group,
    );
    const firstOfGroup = device.group === undefined || !claimedGroups.has(device.group);
    if (device.group !== undefined) claimedGroups.add(device.group);
    const request: AssignedDeviceEvent = {
      type: 'GUEST_REQUEST_DMA',
      vm: device.vm,
      groupOwnedByHyp: mates.every((mate) => mate.assignedTo !== undefined),
    };
    // A mate the host kept is not the hypervisor's: the faithful claim is refused before it.
    const groupAssign: Delivery[] = firstOfGroup
      ? mates.flatMap((mate) =>
          mate.assignment === undefined
            ? []
            : [send(mate.assignment, { type: 'GROUP_ASSIGN', vm: device.vm })],
        )
      : [];
    steps.push(
      {
        actor: guest,
        call: 'pkvm_guest_iommu_alloc_domain()',
        subject: `the IOMMU domain of ${device.name}`,
        text: `${device.assignedTo} allocates an IOMMU domain for ${device.name} (KVM_PVIOMMU_OP_ALLOC_DOMAIN)`,
        deliveries: [send(device.domain, { type: 'IOMMU_ALLOC_DOMAIN' })],
      },
      {
        actor: guest,
        call: 'pkvm_device_request_dma()',
        subject: `device ${device.name}`,
        text: `${device.assignedTo} claims ${device.name}${mates.length > 0 ? ' and its IOMMU group' : ''}`,
        deliveries: [send(device.assignment, request), ...groupAssign],
      },
      {
        actor: guest,
        call: 'pkvm_guest_iommu_attach_dev()',
        subject: `device ${device.name}`,
        text: `${device.assignedTo} attaches ${device.name} to its IOMMU domain (KVM_PVIOMMU_OP_ATTACH_DEV)`,
        deliveries: [
          send(device.domain, { type: 'IOMMU_ATTACH_DEV', endpoint: device.nsaid, endpointInUse: false }),
        ],
      },
    );
  }
  return steps;
}

/**
 * The VM's teardown gives its devices back: `pkvm_devices_teardown()` resets each, clears
 * `dev->ctxt` and makes the host the MMIO's owner again; `kvm_iommu_teardown_guest_domains()`
 * force-frees the VM's domains. The reset stops the device.
 */
export function routeAssignmentTeardown(
  builder: WorldBuilder,
  devices: readonly Device[],
  topology: Topology,
  pkvm: PkvmFamily,
): void {
  const assigned = assignedDevices(devices, topology);
  topology.vms.forEach((_vm, vm) => {
    const own = assigned.filter((device) => device.vm === vm);
    if (own.length === 0) return;
    const targets = own.flatMap((d) => [
      d.assignment,
      d.domain,
      ...(d.machine !== undefined ? [d.machine] : []),
    ]);
    builder.onEmit(pkvm.guests[vm]!, 'VM_DESTROYED', targets, () =>
      own.flatMap((device) => [
        send(device.assignment, { type: 'VM_TEARDOWN', vm }),
        send(device.domain, { type: 'IOMMU_DETACH_DEV', endpoint: device.nsaid }, { optional: true }),
        send(device.domain, { type: 'IOMMU_FREE_DOMAIN' }, { optional: true }),
        ...(device.machine !== undefined
          ? [send(device.machine, { type: 'VIDIOC_STREAMOFF' }, { optional: true })]
          : []),
      ]),
    );
  });
}

export interface AssignmentStepContext {
  readonly devices: readonly Device[];
  readonly heaps: DmaHeapFamily;
  readonly pkvm: PkvmFamily;
  readonly topology: Topology;
}

/**
 * `KVM_PVIOMMU_OP_MAP_PAGES` (`pkvm_guest_iommu_map()`): the VM maps a buffer of its own memory
 * into the IOMMU domain of a device assigned to it. The hypervisor resolves each IPA through
 * the guest's stage-2 and holds the page for DMA while it maps it
 * (`pkvm_get_guest_pa_request_use_dma()`, then `__pkvm_unuse_dma()`), so only pages the VM
 * maps can be mapped for its device, and no refcount stays raised.
 */
export function pviommuMapPages(
  context: AssignmentStepContext,
  device: Assigned,
  buffer: HeapBuffer,
): StepInput {
  const { pkvm } = context;
  const pages = buffer.pages.map((pfn) => pkvm.pages[pfn]!);
  return {
    action: 'pviommuMapPages',
    call: 'KVM_PVIOMMU_OP_MAP_PAGES',
    actor: device.assignedTo!,
    role: 'pipeline',
    args: { device: device.name, buffer: buffer.name },
    text: `${device.assignedTo} maps ${buffer.name} into the IOMMU domain of ${device.name}`,
    touches: [device.assignment, device.domain, pkvm.guests[device.vm]!, ...pages],
    plan: (state) => {
      if (!deviceAssignedTo(snapshotOf(state, device.assignment), device.vm)) return undefined;
      if (!pkvm.runs(state, device.vm)) return undefined;
      const { mapped } = snapshotOf(state, device.domain).context;
      if (buffer.pages.some((pfn) => mapped.includes(pfn))) return undefined;
      for (const page of pages) {
        if (!grantsAccess(snapshotOf(state, page).context.guests[device.vm] ?? 'NOPAGE')) return undefined;
      }
      return [send(device.domain, { type: 'IOMMU_MAP_PAGES', pages: buffer.pages })];
    },
  };
}

/** The map steps: each assigned device, each buffer of its VM's own memory. */
export function addAssignmentSteps(add: (step: StepInput) => void, context: AssignmentStepContext): void {
  for (const device of assignedDevices(context.devices, context.topology)) {
    for (const buffer of context.heaps.buffers) {
      if (buffer.dmaBuf === undefined && buffer.allocatedBy === device.assignedTo)
        add(pviommuMapPages(context, device, buffer));
    }
  }
}
