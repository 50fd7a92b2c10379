/**
 * The steps of the Gunyah family: the owner creates a parcel (MEM_LEND, MEM_SHARE, MEM_DONATE;
 * `gh_rm_mem_lend()`, `gh_rm_mem_share()`), a VM of its access list accepts it (MEM_ACCEPT) and
 * releases it again (MEM_RELEASE); the owner reclaims it (MEM_RECLAIM, refused while a VM has it
 * accepted); and any other VM tries to accept a parcel whose access list does not name it. The
 * calls are the resource manager's (quic/gunyah-resource-manager src/memparcel/memparcel.c), as
 * Linux issues them (`gh_rm_mem_accept()`, `gh_rm_mem_release()`, `gh_rm_mem_reclaim()` in
 * drivers/virt/gunyah/rsc_mgr_rpc.c of the Gunyah series, and Qualcomm mem-buf on top).
 */
import { type StepInput, send } from '../builder.ts';
import { CREATE_CALL, type GunyahFamily, type GunyahParcel } from './gunyahFamily.ts';

function rmCall(
  parcel: GunyahParcel,
  vm: string,
  call: 'MEM_ACCEPT' | 'MEM_RELEASE' | 'MEM_RECLAIM',
  role: StepInput['role'],
  action: string,
  text: string,
): StepInput {
  return {
    action,
    call,
    actor: vm,
    role,
    args: { buffer: parcel.spec.buffer, domain: vm },
    text,
    touches: [parcel.component],
    plan: () => [send(parcel.component, { type: call, vm })],
  };
}

/** Every Gunyah step, in the order the world offers them. */
export function addGunyahSteps(
  add: (step: StepInput) => void,
  gunyah: GunyahFamily,
  context: { readonly trusted: (party: string) => boolean; readonly vms: readonly string[] },
): void {
  for (const parcel of gunyah.parcels) {
    const { buffer, by } = parcel.spec;
    const named = parcel.spec.acl.map((e) => e.vm).filter((vm) => vm !== by);
    const create = CREATE_CALL[parcel.spec.kind];
    add({
      action: 'createParcel',
      call: create,
      actor: by,
      role: 'pipeline',
      args: { buffer, domain: by },
      text: `${by} ${parcel.spec.kind}s buffer ${buffer} to ${named.join(', ')} (${create}, memparcel ${parcel.handle})`,
      touches: [parcel.component],
      plan: () => [send(parcel.component, { type: 'MEM_CREATE' })],
    });
    for (const vm of named) {
      const role = context.trusted(vm) ? 'pipeline' : 'adversary';
      add(
        rmCall(
          parcel,
          vm,
          'MEM_ACCEPT',
          role,
          'acceptParcel',
          `${vm} accepts memparcel ${parcel.handle} of buffer ${buffer} (MEM_ACCEPT)`,
        ),
      );
      add(
        rmCall(
          parcel,
          vm,
          'MEM_RELEASE',
          role,
          'releaseParcel',
          `${vm} releases memparcel ${parcel.handle} of buffer ${buffer} (MEM_RELEASE)`,
        ),
      );
    }
    add(
      rmCall(
        parcel,
        by,
        'MEM_RECLAIM',
        'pipeline',
        'reclaimParcel',
        `${by} reclaims memparcel ${parcel.handle} of buffer ${buffer} (MEM_RECLAIM)`,
      ),
    );
    for (const vm of context.vms)
      if (vm !== by && !named.includes(vm))
        add(
          rmCall(
            parcel,
            vm,
            'MEM_ACCEPT',
            'adversary',
            'acceptForeignParcel',
            `${vm} tries to accept memparcel ${parcel.handle} of buffer ${buffer}, whose access list does not name it`,
          ),
        );
  }
}
