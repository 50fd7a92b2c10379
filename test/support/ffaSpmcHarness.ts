/**
 * A small stand-in for the world around Hafnium's share states in unit tests: several handle
 * slots, who owns each page, and the sender facts the world fills (`senderExclusiveOwner`), so
 * Hafnium's memory_sharing.c scenarios (lend twice, donate twice, relend after return) can be
 * replayed across slots.
 */
import type { FfaReceiver, FfaShareFunc } from '../../machines/ffaMemoryState.ts';
import {
  type FfaMemSendEvent,
  type FfaTransactionContext,
  type FfaTransactionEmitted,
  type FfaTransactionEvent,
  type FfaTransactionInput,
  ffaTransactionMachine,
  ffaTransactionRefusals,
} from '../../machines/ffaTransactionMachine.ts';
import type { ErrorCode } from '../../machines/refusals.ts';
import type { MachineSnapshot } from '../../src/engine/stepper.ts';
import { type CallResult, machineDriver } from './machineDriver.ts';

export const transaction = machineDriver<FfaTransactionContext, FfaTransactionEvent, FfaTransactionEmitted>(
  ffaTransactionMachine,
  ffaTransactionRefusals,
  { input: { handle: 0 } satisfies FfaTransactionInput },
);

/** A secure partition receiver with the access a send of `call` normally grants. */
export function sp(
  id: string,
  call: FfaShareFunc = 'FFA_MEM_LEND',
  access?: FfaReceiver['access'],
): FfaReceiver {
  return { id, secure: true, access: access ?? (call === 'FFA_MEM_DONATE' ? 'NOT_SPECIFIED' : 'RW') };
}

export interface SendOptions {
  readonly sender?: string;
  readonly caller?: string;
  readonly senderSecure?: boolean;
  readonly receivers?: readonly (string | FfaReceiver)[];
  readonly pages?: readonly number[];
  readonly flags?: number;
  readonly fragments?: number;
  readonly descriptorValid?: boolean;
  readonly senderExclusiveOwner?: boolean;
  readonly senderWritable?: boolean;
}

/** A well-formed send from the host (normal world) to secure partitions unless told otherwise. */
export function sendEvent(call: FfaShareFunc, options: SendOptions = {}): FfaMemSendEvent {
  const sender = options.sender ?? 'host';
  return {
    type: call,
    caller: options.caller ?? sender,
    sender,
    senderSecure: options.senderSecure ?? false,
    receivers: (options.receivers ?? ['sp1']).map((r) => (typeof r === 'string' ? sp(r, call) : r)),
    pages: options.pages ?? [0, 1],
    flags: options.flags ?? 0,
    fragments: options.fragments ?? 1,
    descriptorValid: options.descriptorValid ?? true,
    senderExclusiveOwner: options.senderExclusiveOwner ?? true,
    senderWritable: options.senderWritable ?? true,
  };
}

export function retrieveEvent(
  caller: string,
  options: {
    sender?: string;
    flags?: number;
    access?: FfaReceiver['access'];
    transactionType?: FfaShareFunc;
  } = {},
): FfaTransactionEvent {
  return {
    type: 'FFA_MEM_RETRIEVE_REQ',
    caller,
    sender: options.sender ?? 'host',
    transactionType: options.transactionType ?? null,
    flags: options.flags ?? 0,
    access: options.access ?? 'RW',
    requestValid: true,
  };
}

export function relinquishEvent(caller: string, options: { endpoint?: string; flags?: number } = {}) {
  return {
    type: 'FFA_MEM_RELINQUISH' as const,
    caller,
    endpoint: options.endpoint ?? caller,
    flags: options.flags ?? 0,
    requestValid: true,
  };
}

export function reclaimEvent(caller = 'host', flags = 0): FfaTransactionEvent {
  return { type: 'FFA_MEM_RECLAIM', caller, flags };
}

type Slot = MachineSnapshot<FfaTransactionContext>;

/** Several share states plus page ownership, as the SPMC sees the pages of its endpoints. */
export class SpmcHarness {
  readonly slots: Slot[];
  private readonly owners = new Map<number, string>();

  constructor(
    slotCount = 4,
    private readonly defaultOwner = 'host',
    input: Omit<FfaTransactionInput, 'handle'> = {},
  ) {
    this.slots = Array.from({ length: slotCount }, (_, handle) => transaction.start({ handle, ...input }));
  }

  owner(page: number): string {
    return this.owners.get(page) ?? this.defaultOwner;
  }

  /** The pages some completed transaction currently holds (the sender is no longer Owner-EA). */
  private heldPages(): Set<number> {
    const held = new Set<number>();
    for (const slot of this.slots) {
      if (slot.value === 'free' || slot.value === 'sending') continue;
      for (const page of slot.context.pages) held.add(page);
    }
    return held;
  }

  /** `senderExclusiveOwner` as the SPMC's stage-2 view of the sender would give it. */
  exclusive(sender: string, pages: readonly number[]): boolean {
    const held = this.heldPages();
    return pages.every((page) => this.owner(page) === sender && !held.has(page));
  }

  /** Sends through the first free slot (`allocate_share_state`); returns the handle used. */
  send(
    call: FfaShareFunc,
    options: SendOptions = {},
  ): { handle: number; result: CallResult<FfaTransactionContext, FfaTransactionEmitted> } {
    const handle = this.slots.findIndex((slot) => slot.value === 'free');
    if (handle < 0) throw new Error('no free share state (FFA_RET_NO_MEMORY)');
    const sender = options.sender ?? this.defaultOwner;
    const pages = options.pages ?? [0, 1];
    const event = sendEvent(call, {
      ...options,
      sender,
      pages,
      senderExclusiveOwner: options.senderExclusiveOwner ?? this.exclusive(sender, pages),
    });
    return { handle, result: this.apply(handle, event) };
  }

  /** Delivers an event to one slot and applies ownership changes (DONATE retrieved). */
  apply(
    handle: number,
    event: FfaTransactionEvent,
  ): CallResult<FfaTransactionContext, FfaTransactionEmitted> {
    const result = transaction.call(this.slots[handle]!, event);
    if (!result.ok) return result;
    this.slots[handle] = result.snap;
    for (const emitted of result.emitted) {
      if (emitted.type === 'FFA_MEM_RETRIEVED' && emitted.call === 'FFA_MEM_DONATE') {
        for (const page of emitted.pages) this.owners.set(page, emitted.receiver);
      }
    }
    return result;
  }

  /** The code of a call (or ACCEPTED), applying it when accepted. */
  code(handle: number, event: FfaTransactionEvent): ErrorCode | 'ACCEPTED' {
    const result = this.apply(handle, event);
    return result.ok ? 'ACCEPTED' : result.code;
  }

  sendCode(call: FfaShareFunc, options: SendOptions = {}): ErrorCode | 'ACCEPTED' {
    const { result } = this.send(call, options);
    return result.ok ? 'ACCEPTED' : result.code;
  }
}
