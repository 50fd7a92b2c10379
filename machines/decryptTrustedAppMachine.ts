/**
 * The key-holding decrypt trusted app: an OP-TEE TA running the Widevine CDM's OEMCrypto, as
 * one session slot.
 *
 * States: `closed` → `open.awaitingKey` (OPEN_SESSION) → `open.keyLoaded` (LOAD_KEYS) →
 * `closed` (CLOSE_SESSION, which drops the key).
 *
 * INVOKE_DECRYPT applies, in order:
 * 1. a key for the stream is loaded (the CDM answers NEED_KEY before decrypting);
 * 2. the CDM rule of `CryptoSession::Decrypt()` (`RaphaelCFrajuca/android_vendor_widevine:
 *    libwvdrmengine/cdm/core/src/crypto_session.cpp`): the buffer type is the device's
 *    destination type (input `destinationBufferType`: Secure on an L1 device, Clear on L3)
 *    when `is_secure`, Clear otherwise, and `is_secure` with a Clear type is
 *    SECURE_BUFFER_REQUIRED. This check runs in the normal-world CDM library, so a hostile
 *    host can skip it; the TA's checks below are the boundary;
 * 3. the OEMCrypto key-control rule (`oemcrypto_engine_mock.cpp`, `DecryptCTR`): a key with
 *    `kControlDataPathSecure` refuses a Clear buffer ("Secure key with insecure buffer");
 * 4. the OP-TEE memory checks of `OP-TEE/optee_test: ta/sdp_basic/ta_sdp_basic.c` (INJECT):
 *    `TEE_CheckMemoryAccessRights(READ|NONSECURE)` on the input, and `(WRITE|SECURE)` on a
 *    Secure output (WRITE|NONSECURE on a Clear one).
 * Success emits `PLAINTEXT_WRITTEN` {stream, output, outputPages, bufferType,
 * keyRequiresSecureDataPath, by}: the world writes the stream's plaintext label to the output
 * pages.
 *
 * Facts the world fills: `inputNonSecure`, `outputSecure` (is that memory in the secure
 * address space / a protected carve-out?), `inputSecure` for DUMP.
 *
 * Variant (off by default): the sdp_basic test TA's DUMP command, a secure → non-secure copy
 * (WRITE|NONSECURE on the output, checked first, then READ|SECURE on the input). A real CDM TA
 * must not have it: it copies plaintext to memory the normal world reads (docs/model.md#trust).
 * It emits `BUFFER_COPIED` {from, fromPages, to, toPages, by}: the world copies the input pages'
 * content labels.
 *
 * Flaw `decryptAcceptsClearOutput`: the TA skips the key-control rule and the output memory
 * check, and writes plaintext wherever it is pointed.
 */
import { and, assign, emit, setup } from 'xstate';
import type { MachineFlaw } from './flaws.ts';
import type { RefusalTable } from './refusals.ts';

/** `OEMCrypto_BufferType_Clear` / `_Secure` (Direct is not modelled). */
export type OemCryptoBufferType = 'clear' | 'secure';

export interface DecryptTrustedAppContext {
  /** `CryptoSession::SetDestinationBufferType()`: Secure on an L1 device, Clear on L3. */
  readonly destinationBufferType: OemCryptoBufferType;
  /** The loaded content key, or null. */
  readonly key: { readonly stream: string; readonly dataPathSecure: boolean } | null;
}

export interface DecryptTrustedAppInput {
  readonly destinationBufferType?: OemCryptoBufferType;
}

export interface InvokeDecryptEvent {
  readonly type: 'INVOKE_DECRYPT';
  /** The content stream the encrypted input belongs to. */
  readonly stream: string;
  /** `CdmDecryptionParameters::is_secure`: the app decodes through a secure codec. */
  readonly isSecure: boolean;
  readonly input: string;
  readonly inputPages: readonly number[];
  /** World fact: the input buffer is non-secure memory. */
  readonly inputNonSecure: boolean;
  /** The output buffer's name (a dma-buf, a secure handle), for the world's routing. */
  readonly output: string;
  readonly outputPages: readonly number[];
  /** World fact: the output buffer is secure memory (TEE_MEMORY_ACCESS_SECURE holds). */
  readonly outputSecure: boolean;
}

export interface InvokeDumpEvent {
  readonly type: 'INVOKE_DUMP';
  readonly input: string;
  readonly inputPages: readonly number[];
  /** World fact: the input buffer is secure memory. */
  readonly inputSecure: boolean;
  readonly output: string;
  readonly outputPages: readonly number[];
  /** World fact: the output buffer is secure memory. */
  readonly outputSecure: boolean;
}

export type DecryptTrustedAppEvent =
  | { readonly type: 'OPEN_SESSION' }
  | { readonly type: 'LOAD_KEYS'; readonly stream: string; readonly dataPathSecure: boolean }
  | InvokeDecryptEvent
  | InvokeDumpEvent
  | { readonly type: 'CLOSE_SESSION' };

export type DecryptTrustedAppEmitted =
  | {
      readonly type: 'PLAINTEXT_WRITTEN';
      readonly stream: string;
      readonly output: string;
      readonly outputPages: readonly number[];
      readonly bufferType: OemCryptoBufferType;
      readonly keyRequiresSecureDataPath: boolean;
      readonly by: 'INVOKE_DECRYPT';
    }
  | {
      readonly type: 'BUFFER_COPIED';
      readonly from: string;
      readonly fromPages: readonly number[];
      readonly to: string;
      readonly toPages: readonly number[];
      readonly by: 'TA_SDP_BASIC_CMD_DUMP';
    };

/** The buffer type `CryptoSession::Decrypt()` picks for this call. */
function decryptBufferType(
  context: DecryptTrustedAppContext,
  event: InvokeDecryptEvent,
): OemCryptoBufferType {
  return event.isSecure ? context.destinationBufferType : 'clear';
}

export const decryptTrustedAppMachine = setup({
  types: {
    context: {} as DecryptTrustedAppContext,
    events: {} as DecryptTrustedAppEvent,
    input: {} as DecryptTrustedAppInput,
    emitted: {} as DecryptTrustedAppEmitted,
  },
  guards: {
    /** `CdmSession::Decrypt`: no key loaded for this stream (NEED_KEY). */
    keyLoadedForStream: ({ context, event }) =>
      event.type === 'INVOKE_DECRYPT' && context.key?.stream === event.stream,
    /**
     * `CryptoSession::Decrypt` in crypto_session.cpp: `params.is_secure` with a Clear buffer
     * type returns SECURE_BUFFER_REQUIRED.
     */
    secureDecryptHasSecureBuffer: ({ context, event }) =>
      event.type === 'INVOKE_DECRYPT' && !(event.isSecure && decryptBufferType(context, event) === 'clear'),
    /**
     * OEMCrypto `DecryptCTR` (oemcrypto_engine_mock.cpp): a `kControlDataPathSecure` key with a
     * Clear destination is refused ("Secure key with insecure buffer").
     */
    keyControlAllowsBuffer: ({ context, event }) =>
      event.type === 'INVOKE_DECRYPT' &&
      !(context.key?.dataPathSecure && decryptBufferType(context, event) === 'clear'),
    /** ta_sdp_basic.c INJECT: `TEE_CheckMemoryAccessRights(READ|NONSECURE)` on the input. */
    inputReadableNonSecure: ({ event }) => event.type === 'INVOKE_DECRYPT' && event.inputNonSecure,
    /**
     * ta_sdp_basic.c INJECT: `TEE_CheckMemoryAccessRights(WRITE|SECURE)` on a Secure output;
     * a Clear output must be WRITE|NONSECURE.
     */
    outputWritableAsDeclared: ({ context, event }) =>
      event.type === 'INVOKE_DECRYPT' &&
      event.outputSecure === (decryptBufferType(context, event) === 'secure'),
    /** The TA has the sdp_basic DUMP command (variant; a CDM TA does not). */
    offersDumpCommand: () => false,
    /** ta_sdp_basic.c DUMP: `TEE_CheckMemoryAccessRights(WRITE|NONSECURE)` on the output, first. */
    dumpOutputWritableNonSecure: ({ event }) => event.type === 'INVOKE_DUMP' && !event.outputSecure,
    /** ta_sdp_basic.c DUMP: `TEE_CheckMemoryAccessRights(READ|SECURE)` on the input. */
    dumpInputReadableSecure: ({ event }) => event.type === 'INVOKE_DUMP' && event.inputSecure,
  },
  actions: {
    loadKey: assign(({ event }) =>
      event.type === 'LOAD_KEYS'
        ? { key: { stream: event.stream, dataPathSecure: event.dataPathSecure } }
        : {},
    ),
    dropKey: assign({ key: null }),
    emitPlaintext: emit(({ context, event }) => {
      const decrypt = event as InvokeDecryptEvent;
      return {
        type: 'PLAINTEXT_WRITTEN' as const,
        stream: decrypt.stream,
        output: decrypt.output,
        outputPages: decrypt.outputPages,
        bufferType: decryptBufferType(context, decrypt),
        keyRequiresSecureDataPath: context.key?.dataPathSecure ?? false,
        by: 'INVOKE_DECRYPT' as const,
      };
    }),
    emitCopied: emit(({ event }) => {
      const dump = event as InvokeDumpEvent;
      return {
        type: 'BUFFER_COPIED' as const,
        from: dump.input,
        fromPages: dump.inputPages,
        to: dump.output,
        toPages: dump.outputPages,
        by: 'TA_SDP_BASIC_CMD_DUMP' as const,
      };
    }),
    /**
     * Marks a call taken that changes no context: XState returns the same snapshot for a
     * targetless transition without assign, which `interpretedStepper` reads as a refusal.
     */
    callTaken: assign({}),
  },
}).createMachine({
  id: 'decryptTrustedApp',
  description:
    "The key-holding decrypt trusted app: an OP-TEE TA running the Widevine CDM's OEMCrypto, as one session slot.",
  context: ({ input }) => ({ destinationBufferType: input.destinationBufferType ?? 'secure', key: null }),
  initial: 'closed',
  states: {
    closed: {
      description: 'No session: the client holds no session handle',
      on: {
        /** `TEEC_OpenSession` → `TA_OpenSessionEntryPoint` (and `OEMCrypto_OpenSession`). */
        OPEN_SESSION: { target: 'open' },
      },
    },
    open: {
      description: 'A session is open',
      initial: 'awaitingKey',
      on: {
        /** `OEMCrypto_LoadKeys`: the license's content key and its key control block. */
        LOAD_KEYS: { target: '.keyLoaded', actions: 'loadKey' },
        /** `TEEC_CloseSession`: the session's keys are discarded. */
        CLOSE_SESSION: { target: 'closed', actions: 'dropKey' },
        /** sdp_basic DUMP (variant): copy a secure buffer into a non-secure one. */
        INVOKE_DUMP: {
          guard: and(['offersDumpCommand', 'dumpOutputWritableNonSecure', 'dumpInputReadableSecure']),
          actions: ['emitCopied', 'callTaken'],
        },
      },
      states: {
        awaitingKey: { description: 'No content key loaded yet' },
        keyLoaded: {
          description: 'A content key is loaded: the session can decrypt its stream',
          on: {
            /** The TA's decrypt command (OEMCrypto `DecryptCENC` inside the TA). */
            INVOKE_DECRYPT: {
              guard: and([
                'keyLoadedForStream',
                'secureDecryptHasSecureBuffer',
                'keyControlAllowsBuffer',
                'inputReadableNonSecure',
                'outputWritableAsDeclared',
              ]),
              actions: ['emitPlaintext', 'callTaken'],
            },
          },
        },
      },
    },
  },
});

type DecryptGuard = keyof typeof decryptTrustedAppMachine.implementations.guards;

/**
 * Refusal codes. Codes missing from `refusals.ts` use the closest one: NEED_KEY and a decrypt
 * before LOAD_KEYS → TEE_ERROR_BAD_STATE; the OEMCrypto key-control refusal (a decrypt error
 * in OEMCrypto) → TEE_ERROR_SECURITY; an unknown command id (DUMP absent) →
 * TEE_ERROR_BAD_PARAMETERS. Calls without a session are never issued (no session handle).
 */
export const decryptTrustedAppRefusals: RefusalTable<
  DecryptGuard,
  DecryptTrustedAppContext,
  DecryptTrustedAppEvent
> = {
  unhandled: {
    default: 'NOT_ISSUED',
    INVOKE_DECRYPT: (_context, _event, state) => (state === 'closed' ? 'NOT_ISSUED' : 'TEE_ERROR_BAD_STATE'),
  },
  guards: {
    keyLoadedForStream: 'TEE_ERROR_BAD_STATE',
    secureDecryptHasSecureBuffer: 'SECURE_BUFFER_REQUIRED',
    keyControlAllowsBuffer: 'TEE_ERROR_SECURITY',
    inputReadableNonSecure: 'TEE_ERROR_ACCESS_DENIED',
    outputWritableAsDeclared: 'TEE_ERROR_ACCESS_DENIED',
    offersDumpCommand: 'TEE_ERROR_BAD_PARAMETERS',
    dumpOutputWritableNonSecure: 'TEE_ERROR_ACCESS_DENIED',
    dumpInputReadableSecure: 'TEE_ERROR_ACCESS_DENIED',
  },
};

type DecryptTrustedAppProvide = Parameters<typeof decryptTrustedAppMachine.provide>[0];

/** Named flaws of this machine (see `flaws.ts`). */
export const decryptTrustedAppFlaws = {
  decryptAcceptsClearOutput: {
    summary:
      'The decrypt trusted app writes plaintext into a non-secure buffer it is handed: it skips the ' +
      'OEMCrypto key-control rule (DecryptCTR in oemcrypto_engine_mock.cpp, "Secure key with insecure ' +
      'buffer") and the TEE_CheckMemoryAccessRights(WRITE|SECURE) check on its output that OP-TEE\'s ' +
      'ta/sdp_basic/ta_sdp_basic.c makes.',
    provide: { guards: { keyControlAllowsBuffer: () => true, outputWritableAsDeclared: () => true } },
  },
} as const satisfies Record<string, MachineFlaw<DecryptTrustedAppProvide>>;

/** Real behaviours a topology does not select (yet), each a `provide` of this machine. */
export const decryptTrustedAppVariants = {
  sdpBasicDump: {
    summary:
      'The OP-TEE sdp_basic test TA command DUMP (OP-TEE/optee_test: ta/sdp_basic/ta_sdp_basic.c) copies a ' +
      'secure buffer into a non-secure one: real test code, and a leak path if a production TA had it. Off by default.',
    provide: { guards: { offersDumpCommand: () => true } },
  },
} as const satisfies Record<string, { readonly summary: string; readonly provide: DecryptTrustedAppProvide }>;
