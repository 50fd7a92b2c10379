/**
 * The decrypt TA against the Widevine CDM rule (`crypto_session.cpp`), the OEMCrypto
 * key-control rule (`oemcrypto_engine_mock.cpp`) and OP-TEE's sdp_basic memory checks
 * (`ta_sdp_basic.c`), with the DUMP variant and the clear-output flaw.
 */
import { describe, expect, it } from 'vitest';
import {
  type DecryptTrustedAppContext,
  type DecryptTrustedAppEmitted,
  type DecryptTrustedAppEvent,
  decryptTrustedAppFlaws,
  decryptTrustedAppMachine,
  decryptTrustedAppRefusals,
  decryptTrustedAppVariants,
  type InvokeDecryptEvent,
  type InvokeDumpEvent,
} from '../../machines/decryptTrustedAppMachine.ts';
import { compareDrivers, machineDriver } from '../support/machineDriver.ts';

type Driver = ReturnType<typeof driverFor>;
function driverFor(machine = decryptTrustedAppMachine) {
  return machineDriver<DecryptTrustedAppContext, DecryptTrustedAppEvent, DecryptTrustedAppEmitted>(
    machine,
    decryptTrustedAppRefusals,
    { input: {} },
  );
}

const ta = driverFor();
const open = { type: 'OPEN_SESSION' } as const;
const close = { type: 'CLOSE_SESSION' } as const;
const loadKeys = (dataPathSecure = true, stream = 'movie') =>
  ({ type: 'LOAD_KEYS', stream, dataPathSecure }) as const;
const decrypt = (extra: Partial<InvokeDecryptEvent> = {}): InvokeDecryptEvent => ({
  type: 'INVOKE_DECRYPT',
  stream: 'movie',
  isSecure: true,
  input: 'bitstream',
  inputPages: [1],
  inputNonSecure: true,
  output: 'frame',
  outputPages: [20, 21],
  outputSecure: true,
  ...extra,
});
const dump = (extra: Partial<InvokeDumpEvent> = {}): InvokeDumpEvent => ({
  type: 'INVOKE_DUMP',
  input: 'frame',
  inputPages: [20],
  inputSecure: true,
  output: 'leak',
  outputPages: [5],
  outputSecure: false,
  ...extra,
});

function ready(driver: Driver, dataPathSecure = true, input: object = {}) {
  return driver.accept(driver.accept(driver.start(input), open), loadKeys(dataPathSecure));
}

describe('session lifecycle', () => {
  it('closed → open → key loaded → closed, dropping the key', () => {
    const opened = ta.accept(ta.start(), open);
    expect(opened.value).toBe('open.awaitingKey');
    const keyed = ta.accept(opened, loadKeys());
    expect(keyed.value).toBe('open.keyLoaded');
    expect(keyed.context.key).toEqual({ stream: 'movie', dataPathSecure: true });
    const closed = ta.accept(keyed, close);
    expect(closed.value).toBe('closed');
    expect(closed.context.key).toBeNull();
  });

  it('issues nothing without a session; refuses a decrypt before LOAD_KEYS (TEE_ERROR_BAD_STATE)', () => {
    expect(
      ta.refusalDifferences(ta.start(), [
        [loadKeys(), 'NOT_ISSUED'],
        [decrypt(), 'NOT_ISSUED'],
        [close, 'NOT_ISSUED'],
        [dump(), 'NOT_ISSUED'],
      ]),
    ).toEqual([]);
    expect(
      ta.refusalDifferences(ta.accept(ta.start(), open), [
        [decrypt(), 'TEE_ERROR_BAD_STATE'],
        [open, 'NOT_ISSUED'],
      ]),
    ).toEqual([]);
    expect(ta.refusalDifferences(ready(ta), [[decrypt({ stream: 'other' }), 'TEE_ERROR_BAD_STATE']])).toEqual(
      [],
    );
  });
});

describe('INVOKE_DECRYPT', () => {
  it('decrypts a secure stream into secure memory on an L1 device and says so', () => {
    const result = ta.acceptEmitting(ready(ta), decrypt());
    expect(result.snap.value).toBe('open.keyLoaded');
    expect(result.emitted).toEqual([
      {
        type: 'PLAINTEXT_WRITTEN',
        stream: 'movie',
        output: 'frame',
        outputPages: [20, 21],
        bufferType: 'secure',
        keyRequiresSecureDataPath: true,
        by: 'INVOKE_DECRYPT',
      },
    ]);
  });

  it('CDM rule: is_secure on a device whose destination type is Clear is SECURE_BUFFER_REQUIRED', () => {
    const l3 = ready(ta, true, { destinationBufferType: 'clear' });
    expect(ta.refusalDifferences(l3, [[decrypt(), 'SECURE_BUFFER_REQUIRED']])).toEqual([]);
  });

  it('key control: a secure-data-path key refuses a Clear buffer, even when the caller skips is_secure', () => {
    expect(
      ta.refusalDifferences(ready(ta), [
        [decrypt({ isSecure: false, outputSecure: false }), 'TEE_ERROR_SECURITY'],
      ]),
    ).toEqual([]);
  });

  it('decrypts a key without the secure-data-path bit into a clear (non-secure) buffer', () => {
    const result = ta.acceptEmitting(ready(ta, false), decrypt({ isSecure: false, outputSecure: false }));
    expect(result.emitted).toMatchObject([{ bufferType: 'clear', keyRequiresSecureDataPath: false }]);
  });

  it('INJECT checks: input READ|NONSECURE, output WRITE|SECURE (or NONSECURE for a clear buffer)', () => {
    expect(
      ta.refusalDifferences(ready(ta), [
        [decrypt({ inputNonSecure: false }), 'TEE_ERROR_ACCESS_DENIED'],
        [decrypt({ outputSecure: false }), 'TEE_ERROR_ACCESS_DENIED'],
      ]),
    ).toEqual([]);
    expect(
      ta.refusalDifferences(ready(ta, false), [
        [decrypt({ isSecure: false, outputSecure: true }), 'TEE_ERROR_ACCESS_DENIED'],
      ]),
    ).toEqual([]);
  });
});

describe('flaw: decryptAcceptsClearOutput', () => {
  const flawed = driverFor(
    decryptTrustedAppMachine.provide(decryptTrustedAppFlaws.decryptAcceptsClearOutput.provide),
  );

  it('writes plaintext of a secure stream into a non-secure buffer the sound TA refuses', () => {
    const handedNonSecure = decrypt({ outputSecure: false });
    expect(ta.code(ready(ta), handedNonSecure)).toBe('TEE_ERROR_ACCESS_DENIED');
    expect(flawed.acceptEmitting(ready(flawed), handedNonSecure).emitted).toMatchObject([
      { type: 'PLAINTEXT_WRITTEN', output: 'frame', keyRequiresSecureDataPath: true },
    ]);
    const clearCall = decrypt({ isSecure: false, outputSecure: false });
    expect(ta.code(ready(ta), clearCall)).toBe('TEE_ERROR_SECURITY');
    expect(flawed.code(ready(flawed), clearCall)).toBe('ACCEPTED');
  });

  it('still enforces the normal-world CDM rule, which is not the TA’s', () => {
    expect(
      flawed.refusalDifferences(ready(flawed, true, { destinationBufferType: 'clear' }), [
        [decrypt(), 'SECURE_BUFFER_REQUIRED'],
      ]),
    ).toEqual([]);
  });
});

describe('variant: sdp_basic DUMP (secure → non-secure copy)', () => {
  const withDump = driverFor(
    decryptTrustedAppMachine.provide(decryptTrustedAppVariants.sdpBasicDump.provide),
  );

  it('is absent from the default TA (unknown command)', () => {
    expect(ta.refusalDifferences(ready(ta), [[dump(), 'TEE_ERROR_BAD_PARAMETERS']])).toEqual([]);
  });

  it('copies a secure buffer into a non-secure one, needing only a session', () => {
    const session = withDump.accept(withDump.start(), open);
    expect(withDump.acceptEmitting(session, dump()).emitted).toEqual([
      {
        type: 'BUFFER_COPIED',
        from: 'frame',
        fromPages: [20],
        to: 'leak',
        toPages: [5],
        by: 'TA_SDP_BASIC_CMD_DUMP',
      },
    ]);
  });

  it('checks the non-secure output first, then the secure input', () => {
    const session = withDump.accept(withDump.start(), open);
    expect(
      withDump.refusalDifferences(session, [
        [dump({ outputSecure: true, inputSecure: false }), 'TEE_ERROR_ACCESS_DENIED'],
        [dump({ inputSecure: false }), 'TEE_ERROR_ACCESS_DENIED'],
      ]),
    ).toEqual([]);
    expect(withDump.call(session, dump({ outputSecure: true, inputSecure: false }))).toMatchObject({
      failedGuard: 'dumpOutputWritableNonSecure',
    });
  });
});

describe('compiled and interpreted drivers agree', () => {
  it('on a session with refusals, decrypts and a reload', () => {
    const script: DecryptTrustedAppEvent[] = [
      decrypt(),
      open,
      decrypt(),
      loadKeys(true),
      decrypt(),
      decrypt({ outputSecure: false }),
      decrypt({ isSecure: false, outputSecure: false }),
      loadKeys(false),
      decrypt({ isSecure: false, outputSecure: false }),
      dump(),
      close,
      open,
    ];
    const sound = compareDrivers(decryptTrustedAppMachine, {}, script);
    const variant = decryptTrustedAppMachine.provide(decryptTrustedAppVariants.sdpBasicDump.provide);
    const dumping = compareDrivers(variant, {}, script);
    expect([sound.disagreements, dumping.disagreements]).toEqual([[], []]);
    expect([sound.accepted, dumping.accepted]).toEqual([7, 8]);
  });
});
