/**
 * The pKVM world routes host, hyp and guest calls to page and VM machines: guest hypercalls
 * need a loaded vCPU, host calls carry the VM facts the handler reads, teardown reclaims and
 * poisons before it finalizes.
 */
import { describe, expect, it } from 'vitest';
import type { StepArgs } from '../../src/world/world.ts';
import { ownershipWorld } from '../support/pkvmWorlds.ts';

function runner(kernel: 'upstream' | 'android') {
  const world = ownershipWorld(kernel);
  let state = world.initial;
  const step = (call: string, args: StepArgs) => {
    const def = world.findStep(call, args);
    if (!def) throw new Error(`no step ${call} ${JSON.stringify(args)}`);
    return def;
  };
  return {
    world,
    get state() {
      return state;
    },
    do(call: string, args: StepArgs = {}) {
      const def = step(call, args);
      const next = world.apply(state, def);
      if (!next) throw new Error(`${def.text} refused: ${JSON.stringify(world.explain(state, def))}`);
      state = next;
    },
    refusal(call: string, args: StepArgs = {}) {
      const result = world.explain(state, step(call, args));
      return result?.kind === 'refused' ? result.code : result?.kind;
    },
    page(pfn: number) {
      return state.parts[world.byKind.pkvmPage![pfn]!]!;
    },
    vm(name: string) {
      return state.parts[world.components.find((c) => c.id === `vm:${name}`)!.index]!;
    },
  };
}

describe('pKVM world', () => {
  it('describes every step in domain words', () => {
    const { world } = runner('upstream');
    expect(world.findStep('HOST_DONATE_GUEST', { page: 1, vm: 'decrypt' })!.text).toBe(
      'host donates page 1 to guest decrypt',
    );
    expect(world.findStep('GUEST_SHARE_HOST', { page: 0, vm: 'decrypt' })!.text).toBe(
      'guest decrypt shares page 0 with the host (MEM_SHARE)',
    );
    expect(world.findStep('GUEST_RELINQUISH_TO_HOST')).toBeUndefined();
    expect(runner('android').world.findStep('GUEST_RELINQUISH_TO_HOST')).toBeDefined();
  });

  it('fills the handler facts from the VM machine: no donation without a loaded pVM vCPU', () => {
    const r = runner('upstream');
    expect(r.refusal('HOST_DONATE_GUEST', { page: 0, vm: 'decrypt' })).toBe('EINVAL');
    r.do('INIT_VCPU', { vm: 'decrypt' });
    r.do('VCPU_LOAD', { vm: 'decrypt' });
    r.do('HOST_DONATE_GUEST', { page: 0, vm: 'decrypt' });
    expect(r.page(0).value).toBe('NOPAGE.ownedByGuest');
    expect(r.refusal('HOST_SHARE_GUEST', { page: 1, vm: 'decrypt' })).toBe('EINVAL');
  });

  it('issues guest hypercalls only from a running vCPU', () => {
    const r = runner('upstream');
    r.do('INIT_VCPU', { vm: 'decrypt' });
    r.do('VCPU_LOAD', { vm: 'decrypt' });
    r.do('HOST_DONATE_GUEST', { page: 0, vm: 'decrypt' });
    r.do('VCPU_PUT', { vm: 'decrypt' });
    expect(r.refusal('GUEST_SHARE_HOST', { page: 0, vm: 'decrypt' })).toBe('notIssued');
    r.do('VCPU_LOAD', { vm: 'decrypt' });
    r.do('GUEST_SHARE_HOST', { page: 0, vm: 'decrypt' });
    expect(r.page(0).value).toBe('SHARED_BORROWED');
  });

  it('tears a pVM down: refused while loaded, reclaim with poisoning, then finalize', () => {
    const r = runner('android');
    r.do('INIT_VCPU', { vm: 'decrypt' });
    r.do('VCPU_LOAD', { vm: 'decrypt' });
    r.do('HOST_DONATE_GUEST', { page: 0, vm: 'decrypt' });
    r.do('HOST_DONATE_GUEST', { page: 1, vm: 'decrypt' });
    r.do('GUEST_SHARE_HOST', { page: 1, vm: 'decrypt' });
    expect(r.refusal('START_TEARDOWN_VM', { vm: 'decrypt' })).toBe('EBUSY');
    r.do('VCPU_PUT', { vm: 'decrypt' });
    r.do('START_TEARDOWN_VM', { vm: 'decrypt' });
    expect(r.refusal('FINALIZE_TEARDOWN_VM', { vm: 'decrypt' })).toBe('NOT_ISSUED');
    r.do('RECLAIM_DYING_GUEST_PAGE', { page: 0, vm: 'decrypt' });
    expect(r.refusal('FINALIZE_TEARDOWN_VM', { vm: 'decrypt' })).toBe('NOT_ISSUED');
    r.do('RECLAIM_DYING_GUEST_PAGE', { page: 1, vm: 'decrypt' });
    r.do('FINALIZE_TEARDOWN_VM', { vm: 'decrypt' });
    expect(r.vm('decrypt').value).toBe('destroyed');
    expect([r.page(0).value, r.page(1).value]).toEqual(['OWNED', 'OWNED']);
  });

  it('bounds hyp pins so exploration stays finite', () => {
    const r = runner('upstream');
    r.do('HOST_SHARE_HYP', { page: 0 });
    r.do('HYP_PIN_SHARED_MEM', { page: 0 });
    r.do('HYP_PIN_SHARED_MEM', { page: 0 });
    expect(r.refusal('HYP_PIN_SHARED_MEM', { page: 0 })).toBe('notIssued');
    expect(r.refusal('HOST_UNSHARE_HYP', { page: 0 })).toBe('EBUSY');
  });

  it('gives equal states one fingerprint whatever the path', () => {
    const a = runner('upstream');
    a.do('HOST_SHARE_HYP', { page: 0 });
    a.do('HOST_SHARE_HYP', { page: 1 });
    const b = runner('upstream');
    b.do('HOST_SHARE_HYP', { page: 1 });
    b.do('HOST_SHARE_HYP', { page: 0 });
    expect(a.world.fingerprint(a.state)).not.toBe(a.world.fingerprint(a.world.initial));
    // Same world object needed for interned ids: replay b's path on a's world.
    const w = a.world;
    const s1 = w.apply(
      w.apply(w.initial, w.findStep('HOST_SHARE_HYP', { page: 1 })!)!,
      w.findStep('HOST_SHARE_HYP', { page: 0 })!,
    )!;
    expect(w.fingerprint(s1)).toBe(w.fingerprint(a.state));
  });
});
