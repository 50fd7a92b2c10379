/**
 * A guest VM's life as the pKVM hypervisor tracks it (`struct pkvm_hyp_vm` in the VM table):
 * created, running with its vCPUs loaded or put, dying, destroyed.
 *
 * Source: `torvalds/linux: arch/arm64/kvm/hyp/nvhe/pkvm.c` (mainline) and the Android Common
 * Kernel's copy ([A]); the host side of teardown is `arch/arm64/kvm/pkvm.c`.
 *
 * A loaded vCPU holds a reference on the VM (`pkvm_load_hyp_vcpu()` → `hyp_page_ref_inc()`),
 * which is what makes `__pkvm_start_teardown_vm()` refuse. Between start and finalize the host
 * reclaims every page (`__pkvm_reclaim_dying_guest_page()` for pVM pages, which poisons the
 * guest-owned ones; `__pkvm_host_unshare_guest()` for np-VM pages): those steps are page-machine
 * events, and the VM finalizes once none of its pages is left mapped.
 */
import { assign, emit, setup } from 'xstate';
import type { RefusalTable } from './refusals.ts';
import type { MachineSnapshot } from './snapshot.ts';

export interface GuestVmContext {
  /** `pkvm_hyp_vm_is_protected()`: a protected VM (pVM) whose memory the host cannot access. */
  readonly protected: boolean;
  /** Number of vCPUs initialised with `__pkvm_init_vcpu()`. */
  readonly initialisedVcpus: number;
}

export type GuestVmEvent =
  | { readonly type: 'INIT_VCPU' }
  | { readonly type: 'VCPU_LOAD' }
  | { readonly type: 'VCPU_PUT' }
  | { readonly type: 'START_TEARDOWN_VM' }
  /** `pagesStillMapped`: this VM's pages the host has not reclaimed or unshared yet (filled by the world). */
  | { readonly type: 'FINALIZE_TEARDOWN_VM'; readonly pagesStillMapped: number };

export interface GuestVmInput {
  readonly protected: boolean;
}

export const guestVmMachine = setup({
  types: {
    context: {} as GuestVmContext,
    events: {} as GuestVmEvent,
    input: {} as GuestVmInput,
    emitted: {} as { type: 'VM_DESTROYED' },
  },
  guards: {
    /**
     * `pkvm_load_hyp_vcpu()` in nvhe/pkvm.c returns NULL (the handler loads nothing) unless the
     * vCPU index is below `created_vcpus` and the vCPU is initialised.
     */
    vcpuInitialised: ({ context }) => context.initialisedVcpus > 0,
    /**
     * The host's teardown (`arch/arm64/kvm/pkvm.c`) reclaims every page between
     * `__pkvm_start_teardown_vm()` and `__pkvm_finalize_teardown_vm()`. The hypervisor's finalize
     * does not check this itself: a host that skipped the loop would strand the pages, still
     * annotated with a VM that no longer exists.
     */
    guestPagesReclaimed: ({ event }) => event.type === 'FINALIZE_TEARDOWN_VM' && event.pagesStillMapped === 0,
  },
  actions: {
    countVcpu: assign(({ context }) => ({ initialisedVcpus: context.initialisedVcpus + 1 })),
    /**
     * The VM is gone: the host's VMM resets and frees its virtual devices (QEMU
     * `virtio_gpu_reset()` destroys the resources, removing their shared-object UUIDs).
     */
    announceDestroyed: emit({ type: 'VM_DESTROYED' } as const),
  },
}).createMachine({
  id: 'guestVm',
  description:
    "A guest VM's life as the pKVM hypervisor tracks it: created, running with its vCPUs loaded or put, dying, destroyed.",
  context: ({ input }) => ({ protected: input.protected, initialisedVcpus: 0 }),
  initial: 'created',
  states: {
    created: {
      description: '`__pkvm_init_vm()`: in the VM table, no vCPU initialised yet',
      on: {
        /** `__pkvm_init_vcpu()`: the first vCPU makes the VM runnable. */
        INIT_VCPU: { target: 'running', actions: 'countVcpu' },
        /** `__pkvm_start_teardown_vm()`: no vCPU can be loaded, so nothing holds a reference. */
        START_TEARDOWN_VM: { target: 'dying' },
      },
    },
    running: {
      description: 'Runnable: the host loads and puts its vCPUs',
      initial: 'vcpuPut',
      states: {
        vcpuPut: {
          description: 'No vCPU loaded: nothing holds a reference on the VM',
          on: {
            /** `__pkvm_vcpu_load()` → `pkvm_load_hyp_vcpu()`: takes a reference on the VM. */
            VCPU_LOAD: { guard: 'vcpuInitialised', target: 'vcpuLoaded' },
            /** `__pkvm_start_teardown_vm()`: sets `is_dying`. */
            START_TEARDOWN_VM: { target: '#guestVm.dying' },
          },
        },
        vcpuLoaded: {
          description: 'A vCPU is loaded: the guest runs, issues hypercalls, takes stage-2 faults',
          on: {
            /** `__pkvm_vcpu_put()` → `pkvm_put_hyp_vcpu()`: drops the VM reference. */
            VCPU_PUT: { target: 'vcpuPut' },
          },
        },
      },
      on: {
        /** `__pkvm_init_vcpu()` for a further vCPU. */
        INIT_VCPU: { actions: 'countVcpu' },
      },
    },
    dying: {
      description: '`is_dying` set: vCPUs cannot load; the host reclaims pages one by one',
      on: {
        /** `__pkvm_finalize_teardown_vm()`: flush the VMID, drop the VM table entry, free the stage-2. */
        FINALIZE_TEARDOWN_VM: {
          guard: 'guestPagesReclaimed',
          target: 'destroyed',
          actions: 'announceDestroyed',
        },
      },
    },
    destroyed: {
      description: 'Removed from the VM table; its metadata and page tables returned to the host',
      type: 'final',
    },
  },
});

type VmGuard = keyof typeof guestVmMachine.implementations.guards;

/**
 * Mainline (`nvhe/pkvm.c`): every teardown refusal is -EINVAL, including a loaded vCPU
 * (`get_pkvm_unref_hyp_vm_locked()` finds a non-zero refcount).
 */
export const guestVmRefusals: RefusalTable<VmGuard, GuestVmContext, GuestVmEvent> = {
  unhandled: {
    default: 'EINVAL',
    /** `pkvm_load_hyp_vcpu()` returns NULL for a dying VM or an already loaded vCPU. */
    VCPU_LOAD: 'NO_EFFECT',
    /** `handle___pkvm_vcpu_put()` does nothing when no vCPU is loaded. */
    VCPU_PUT: 'NO_EFFECT',
  },
  guards: {
    vcpuInitialised: 'NO_EFFECT',
    guestPagesReclaimed: 'NOT_ISSUED',
  },
};

/**
 * [A] `nvhe/pkvm.c`: starting teardown with a loaded vCPU gives -EBUSY; finalizing a VM that
 * is not dying gives -EBUSY; an already dying VM gives -EINVAL.
 */
export const androidGuestVmRefusals: typeof guestVmRefusals = {
  ...guestVmRefusals,
  unhandled: {
    ...guestVmRefusals.unhandled,
    START_TEARDOWN_VM: (_context, _event, state) =>
      state === 'destroyed' ? 'ENOENT' : state === 'running.vcpuLoaded' ? 'EBUSY' : 'EINVAL',
    FINALIZE_TEARDOWN_VM: (_context, _event, state) => (state === 'destroyed' ? 'ENOENT' : 'EBUSY'),
  },
};

/** True iff the VM can run: it has a vCPU and teardown has not started (`running.*`). */
export function vmIsRunning(snapshot: MachineSnapshot): boolean {
  return snapshot.value.startsWith('running');
}

/** True iff a vCPU of the VM is loaded on a CPU (`pkvm_load_hyp_vcpu()` returned it). */
export function vcpuIsLoaded(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'running.vcpuLoaded';
}

/** True iff teardown has started (`hyp_vm->is_dying`) and not finished. */
export function vmIsDying(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'dying';
}

/** True iff the VM is gone (`__pkvm_finalize_teardown_vm()` ran). */
export function vmIsDestroyed(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'destroyed';
}
