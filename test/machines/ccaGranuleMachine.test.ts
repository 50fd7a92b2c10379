/**
 * One Arm CCA granule: delegate, DATA_CREATE(_UNKNOWN), RIPAS changes, DATA_DESTROY and undelegate
 * as TF-RMM (tf-rmm-v0.7.0, runtime/rmi/granule.c and runtime/rmi/rtt.c) does them; the RMI_ERROR_*
 * codes it returns; the zeroing on delegate and on DATA_DESTROY; and a DATA_DESTROY without it.
 */
import { describe, expect, it } from 'vitest';
import {
  type CcaGranuleContext,
  type CcaGranuleEvent,
  ccaGranuleFlaws,
  ccaGranuleMachine,
  ccaGranuleRefusals,
  type GranuleZeroedEvent,
  granuleIsNonSecure,
  granuleRealmPath,
} from '../../machines/ccaGranuleMachine.ts';
import { machineDriver } from '../support/machineDriver.ts';

const granule = machineDriver<CcaGranuleContext, CcaGranuleEvent, GranuleZeroedEvent>(
  ccaGranuleMachine,
  ccaGranuleRefusals,
);
const flawed = machineDriver<CcaGranuleContext, CcaGranuleEvent, GranuleZeroedEvent>(
  ccaGranuleMachine.provide(ccaGranuleFlaws.dataDestroyWithoutScrub.provide),
  ccaGranuleRefusals,
);

const delegate: CcaGranuleEvent = { type: 'RMI_GRANULE_DELEGATE' };
const undelegate: CcaGranuleEvent = { type: 'RMI_GRANULE_UNDELEGATE' };
const create = (realm: string): CcaGranuleEvent => ({ type: 'RMI_DATA_CREATE', realm });
const createUnknown = (realm: string): CcaGranuleEvent => ({ type: 'RMI_DATA_CREATE_UNKNOWN', realm });
const destroy = (realm: string): CcaGranuleEvent => ({ type: 'RMI_DATA_DESTROY', realm });
const ipaState = (realm: string, ripas: 'EMPTY' | 'RAM'): CcaGranuleEvent => ({
  type: 'RSI_IPA_STATE_SET',
  realm,
  ripas,
});

const fresh = granule.start({ page: 0 });
const delegated = granule.accept(fresh, delegate);
const data = granule.accept(delegated, create('decrypt'));

describe('lifecycle', () => {
  it('goes NS → DELEGATED → DATA (RIPAS RAM) → DELEGATED → NS', () => {
    expect(granuleIsNonSecure(fresh)).toBe(true);
    expect(delegated.value).toBe('delegated');
    expect(granuleIsNonSecure(delegated)).toBe(false);
    expect(data.context).toMatchObject({ realm: 'decrypt', ripas: 'RAM' });
    expect(granuleRealmPath(data, 'decrypt')).toBe('protected');
    expect(granuleRealmPath(data, 'other')).toBeUndefined();
    const destroyed = granule.accept(data, destroy('decrypt'));
    expect(destroyed.value).toBe('delegated');
    expect(destroyed.context).toMatchObject({ realm: null, ripas: 'DESTROYED' });
    expect(granule.accept(destroyed, undelegate).value).toBe('ns');
  });

  it('zeroes the granule on delegate and on DATA_DESTROY (buffer_granule_memzero)', () => {
    const onDelegate = granule.call(fresh, delegate);
    expect(onDelegate.ok && onDelegate.emitted.map((e) => e.type)).toEqual(['GRANULE_ZEROED']);
    const onDestroy = granule.call(data, destroy('decrypt'));
    expect(onDestroy.ok && onDestroy.emitted.map((e) => e.type)).toEqual(['GRANULE_ZEROED']);
    const onUndelegate = granule.call(granule.accept(data, destroy('decrypt')), undelegate);
    expect(onUndelegate.ok && onUndelegate.emitted).toEqual([]);
  });

  it('DATA_CREATE_UNKNOWN keeps the RIPAS; RTT_INIT_RIPAS sets RAM', () => {
    const unknown = granule.accept(delegated, createUnknown('decrypt'));
    expect(unknown.context.ripas).toBe('EMPTY');
    expect(granuleRealmPath(unknown, 'decrypt')).toBeUndefined();
    const ram = granule.accept(unknown, { type: 'RMI_RTT_INIT_RIPAS', realm: 'decrypt' });
    expect(granuleRealmPath(ram, 'decrypt')).toBe('protected');
  });

  it('RSI_IPA_STATE_SET EMPTY takes the page from the realm; the data stays in the Realm PAS', () => {
    const empty = granule.accept(data, ipaState('decrypt', 'EMPTY'));
    expect(empty.value).toBe('data');
    expect(granuleRealmPath(empty, 'decrypt')).toBeUndefined();
    expect(granuleRealmPath(granule.accept(empty, ipaState('decrypt', 'RAM')), 'decrypt')).toBe('protected');
    expect(granule.accept(empty, destroy('decrypt')).context.ripas).toBe('EMPTY');
  });

  it('an NS granule the host maps at the unprotected IPA is the realm’s only while NS', () => {
    const mapped = granule.accept(fresh, { type: 'RMI_RTT_MAP_UNPROTECTED', realm: 'decrypt' });
    expect(granuleRealmPath(mapped, 'decrypt')).toBe('unprotected');
    expect(granuleRealmPath(granule.accept(mapped, delegate), 'decrypt')).toBeUndefined();
    const unmapped = granule.accept(mapped, { type: 'RMI_RTT_UNMAP_UNPROTECTED', realm: 'decrypt' });
    expect(granuleRealmPath(unmapped, 'decrypt')).toBeUndefined();
  });
});

describe('refusals (RMI status codes)', () => {
  it('undelegate of a DATA granule, delegate of a delegated one: RMI_ERROR_INPUT', () => {
    expect(granule.refusalDifferences(data, [[undelegate, 'RMI_ERROR_INPUT']])).toEqual([]);
    expect(granule.refusalDifferences(delegated, [[delegate, 'RMI_ERROR_INPUT']])).toEqual([]);
    expect(granule.refusalDifferences(fresh, [[undelegate, 'RMI_ERROR_INPUT']])).toEqual([]);
  });

  it('DATA_CREATE of a granule not delegated: RMI_ERROR_INPUT', () => {
    expect(granule.refusalDifferences(fresh, [[create('decrypt'), 'RMI_ERROR_INPUT']])).toEqual([]);
    expect(granule.refusalDifferences(data, [[createUnknown('decrypt'), 'RMI_ERROR_INPUT']])).toEqual([]);
  });

  it('DATA_DESTROY by another realm or of an unassigned IPA: RMI_ERROR_RTT', () => {
    expect(granule.refusalDifferences(data, [[destroy('other'), 'RMI_ERROR_RTT']])).toEqual([]);
    expect(granule.refusalDifferences(delegated, [[destroy('decrypt'), 'RMI_ERROR_RTT']])).toEqual([]);
  });

  it('RIPAS change of a DESTROYED IPA without change_destroyed: RMI_ERROR_RTT', () => {
    const destroyed = granule.accept(data, destroy('decrypt'));
    const again = granule.accept(destroyed, createUnknown('decrypt'));
    expect(again.context.ripas).toBe('DESTROYED');
    expect(granule.refusalDifferences(again, [[ipaState('decrypt', 'RAM'), 'RMI_ERROR_RTT']])).toEqual([]);
  });
});

describe('flaw dataDestroyWithoutScrub', () => {
  it('DATA_DESTROY returns the granule to DELEGATED without zeroing it', () => {
    const flawedData = flawed.accept(flawed.accept(flawed.start({ page: 0 }), delegate), create('decrypt'));
    const result = flawed.call(flawedData, destroy('decrypt'));
    expect(result.ok && result.snap.value).toBe('delegated');
    expect(result.ok && result.emitted).toEqual([]);
  });
});
