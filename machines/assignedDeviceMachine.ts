/**
 * One device that pKVM can assign to a protected VM, as the Android Common Kernel's hypervisor
 * tracks it (`struct pkvm_device`): its MMIO resources belong to the host, then to the
 * hypervisor, then the device belongs to one VM (`dev->ctxt`), until that VM is torn down.
 *
 * Source: `arch/arm64/kvm/hyp/nvhe/device/device.c`, read in `GrapheneOS/kernel_common-6.12`
 * (android16-6.12): `pkvm_device_hyp_assign_mmio()`, `pkvm_device_reclaim_mmio()`,
 * `__pkvm_group_assign()`, `__pkvm_device_assign()`, `pkvm_device_reset()`,
 * `pkvm_device_request_dma()`, `pkvm_devices_teardown()`, `pkvm_devices_get_context()` and
 * `pkvm_devices_put_context()`. The guest's side of the DMA
 * (its own IOMMU domain) is the pvIOMMU in `arch/arm64/kvm/hyp/nvhe/iommu/pviommu.c`, which the
 * world drives on the device's `iommuDomainMachine`.
 *
 * The hypervisor's rule: a device reaches a guest only through the hypervisor. The host first
 * donates the device's whole MMIO to the hypervisor, so there is a moment when neither the host
 * nor the guest can touch it; the guest's first MMIO mapping or DMA request then assigns every
 * device of its IOMMU group at once, resetting each and blocking its DMA
 * (`kvm_iommu_dev_block_dma()`), because devices in one group cannot be told apart by the IOMMU.
 *
 * Modelling choices:
 * - One MMIO resource per device; `-ENODEV` for an unknown resource cannot occur.
 * - The reset handler is registered (`pkvm_device_register_reset()`), so `pkvm_device_reset()`
 *   does not fail with -ENODEV.
 * - `dev->refcount` counts the device's endpoints attached to a host IOMMU domain
 *   (`pkvm_devices_get_context()` with no VM, from the host's `kvm_iommu_attach_dev()`): the
 *   host's driver is still bound. It is 0 or 1 here (one endpoint per device, attached at most once; the host's detach,
 *   `pkvm_devices_put_context()`, is not a step: a driver bound at boot stays bound). While it is set,
 *   `pkvm_device_hyp_assign_mmio()` is -EBUSY and `__pkvm_group_assign()` is -EPERM.
 * - The VM is named by its index, as the page machine's guest views are.
 *
 * Event fields the world fills: `GUEST_REQUEST_DMA.groupOwnedByHyp` (every other device of the
 * group is in the hypervisor's hands: `hyp_check_range_owned()` on each, inside
 * `__pkvm_group_assign()`).
 */
import { and, assign, setup } from 'xstate';
import type { MachineFlaw } from './flaws.ts';
import type { RefusalTable } from './refusals.ts';
import type { MachineSnapshot } from './snapshot.ts';

export interface AssignedDeviceContext {
  /** `dev->ctxt`: the VM index the device is assigned to, or null. */
  readonly vm: number | null;
  /** `dev->refcount`: the device's endpoint is attached to a host IOMMU domain (0 or 1). */
  readonly refcount: number;
}

export type AssignedDeviceEvent =
  /** `kvm_iommu_attach_dev()` from the host → `pkvm_devices_get_context(..., NULL)`: `dev->refcount++`. */
  | { readonly type: 'HOST_ATTACH_DOMAIN' }
  /** `pkvm_device_hyp_assign_mmio()`: the host donates the device's MMIO to the hypervisor. */
  | { readonly type: 'HOST_ASSIGN_MMIO' }
  /** `pkvm_device_reclaim_mmio()`: the host takes the MMIO back before any VM claimed it. */
  | { readonly type: 'HOST_RECLAIM_MMIO' }
  /** `pkvm_device_request_dma()` (or a first `pkvm_host_map_guest_mmio()`) from a guest vCPU. */
  | { readonly type: 'GUEST_REQUEST_DMA'; readonly vm: number; readonly groupOwnedByHyp: boolean }
  /** The same `__pkvm_group_assign()` reaching another device of the requesting device's group. */
  | { readonly type: 'GROUP_ASSIGN'; readonly vm: number }
  /** `pkvm_devices_teardown()`, from the VM's teardown. */
  | { readonly type: 'VM_TEARDOWN'; readonly vm: number };

export const assignedDeviceMachine = setup({
  types: {
    context: {} as AssignedDeviceContext,
    events: {} as AssignedDeviceEvent,
  },
  guards: {
    /**
     * `__pkvm_group_assign()`: every device of the group must already be the hypervisor's
     * (`hyp_check_range_owned()` in `__pkvm_device_assign()`) and not assigned elsewhere
     * (`dev->ctxt || dev->refcount` is -EPERM); otherwise none is assigned.
     */
    groupOwnedByHyp: ({ event }) => event.type === 'GUEST_REQUEST_DMA' && event.groupOwnedByHyp,
    /**
     * `pkvm_device_hyp_assign_mmio()`: `dev->ctxt || dev->refcount` is -EBUSY; no endpoint of
     * the device is attached to a host IOMMU domain.
     */
    detachedFromHost: ({ context }) => context.refcount === 0,
    /** `__pkvm_group_assign()`: `dev->ctxt || dev->refcount` is -EPERM, for each device of the group. */
    noHostEndpoint: ({ context }) => context.refcount === 0,
    /** `pkvm_device_request_dma()`: `dev->ctxt != vm` is -EPERM; the same VM asking again succeeds. */
    assignedToRequester: ({ context, event }) =>
      (event.type === 'GUEST_REQUEST_DMA' || event.type === 'VM_TEARDOWN') && context.vm === event.vm,
  },
  actions: {
    /** `__pkvm_device_assign()`: `pkvm_device_reset(dev, true)` blocks DMA, then `dev->ctxt = vm`. */
    assignToVm: assign(({ event }) =>
      event.type === 'GUEST_REQUEST_DMA' || event.type === 'GROUP_ASSIGN' ? { vm: event.vm } : {},
    ),
    /** `pkvm_devices_teardown()`: reset, `dev->ctxt = NULL`, MMIO owned by the host again. */
    releaseFromVm: assign({ vm: null }),
    /** `pkvm_devices_get_context()`: `hyp_refcount_inc(dev->refcount)`. */
    holdForHost: assign({ refcount: 1 }),
  },
}).createMachine({
  id: 'assignedDevice',
  description:
    'A device pKVM can assign to a protected VM: owned by the host, handed to the hypervisor, assigned to one VM with its IOMMU group, returned to the host at teardown.',
  context: { vm: null, refcount: 0 },
  initial: 'hostOwned',
  states: {
    hostOwned: {
      description: 'The host owns the MMIO and programs the device',
      on: {
        /**
         * `pkvm_device_hyp_assign_mmio()` → `___pkvm_host_donate_hyp_prot(..., PAGE_HYP_DEVICE)`,
         * refused with -EBUSY while `dev->refcount` is set.
         */
        HOST_ASSIGN_MMIO: { guard: 'detachedFromHost', target: 'hypOwned' },
        /** `pkvm_devices_get_context()`: `dev->ctxt` is NULL, as the host's is. */
        HOST_ATTACH_DOMAIN: { actions: 'holdForHost' },
      },
    },
    hypOwned: {
      description: 'The hypervisor owns the MMIO: neither the host nor any guest can touch the device',
      on: {
        /** `pkvm_device_reclaim_mmio()` → `__pkvm_hyp_donate_host()`: `dev->ctxt` is NULL. */
        HOST_RECLAIM_MMIO: { target: 'hostOwned' },
        GUEST_REQUEST_DMA: {
          guard: and(['groupOwnedByHyp', 'noHostEndpoint']),
          target: 'assigned',
          actions: 'assignToVm',
        },
        /** Another device of the group was requested: `__pkvm_group_assign()` assigns this one too. */
        GROUP_ASSIGN: { guard: 'noHostEndpoint', target: 'assigned', actions: 'assignToVm' },
        /** `pkvm_devices_get_context()`: no VM holds it yet. */
        HOST_ATTACH_DOMAIN: { actions: 'holdForHost' },
      },
    },
    assigned: {
      description: 'Assigned to one VM (`dev->ctxt`): only that VM programs it, its DMA is the VM’s',
      on: {
        /** Asking again from the owning VM succeeds and changes nothing. */
        GUEST_REQUEST_DMA: { guard: 'assignedToRequester' },
        VM_TEARDOWN: { guard: 'assignedToRequester', target: 'hostOwned', actions: 'releaseFromVm' },
      },
    },
  },
});

type AssignedDeviceProvide = Parameters<typeof assignedDeviceMachine.provide>[0];

/** Named flaws of this machine (see `flaws.ts`). */
export const assignedDeviceFlaws = {
  partialGroupAssignment: {
    summary:
      'The hypervisor assigns a device although another device of its IOMMU group was never ' +
      'handed to it: __pkvm_group_assign() in arch/arm64/kvm/hyp/nvhe/device/device.c without ' +
      'its hyp_check_range_owned() walk over the group. The host keeps programming the other ' +
      "device, which shares the group's stream translation, so its DMA goes through the " +
      "guest's own IOMMU domain.",
    provide: { guards: { groupOwnedByHyp: () => true } },
  },
} as const satisfies Record<string, MachineFlaw<AssignedDeviceProvide>>;

type AssignedDeviceGuard = keyof typeof assignedDeviceMachine.implementations.guards;

/**
 * Refusal codes: `pkvm_device_hyp_assign_mmio()` of a device a VM holds is -EBUSY, as is
 * `pkvm_device_reclaim_mmio()` while `dev->ctxt` is set; `pkvm_device_request_dma()` answers
 * SMCCC_RET_INVALID_PARAMETER to the guest for every failure of `__pkvm_group_assign()` (-EPERM
 * inside); `pkvm_device_reclaim_mmio()` of MMIO the host still owns fails in
 * `__pkvm_hyp_donate_host()` (-EPERM).
 */
export const assignedDeviceRefusals: RefusalTable<
  AssignedDeviceGuard,
  AssignedDeviceContext,
  AssignedDeviceEvent
> = {
  unhandled: {
    default: 'EPERM',
    HOST_ASSIGN_MMIO: (_context, _event, state) => (state === 'assigned' ? 'EBUSY' : 'EPERM'),
    /** `pkvm_devices_get_context()` of a device a VM holds: `dev->ctxt != vm` is -EPERM. */
    HOST_ATTACH_DOMAIN: 'EPERM',
    HOST_RECLAIM_MMIO: (_context, _event, state) => (state === 'assigned' ? 'EBUSY' : 'EPERM'),
    GROUP_ASSIGN: 'EPERM',
    VM_TEARDOWN: 'NO_EFFECT',
  },
  guards: {
    groupOwnedByHyp: 'EPERM',
    assignedToRequester: 'EPERM',
    detachedFromHost: 'EBUSY',
    noHostEndpoint: 'EPERM',
  },
};

/** True iff the device is assigned to the VM (`dev->ctxt == vm`). */
export function deviceAssignedTo(snapshot: MachineSnapshot<AssignedDeviceContext>, vm: number): boolean {
  return snapshot.value === 'assigned' && snapshot.context.vm === vm;
}

/** True iff some VM holds the device (`dev->ctxt` set). */
export function deviceIsAssigned(snapshot: MachineSnapshot<AssignedDeviceContext>): boolean {
  return snapshot.value === 'assigned';
}

/** True iff the hypervisor owns the device's MMIO and no VM holds it yet. */
export function deviceHeldByHyp(snapshot: MachineSnapshot<AssignedDeviceContext>): boolean {
  return snapshot.value === 'hypOwned';
}
