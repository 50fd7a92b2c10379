/**
 * The decrypt family: the ciphertext arriving, and the stage that decrypts it. Either the
 * key-holding trusted app in the secure world, which the host (its client) asks to decrypt
 * from any buffer into any buffer it holds and which refuses a clear output for secure content,
 * or a guest VM running the CDM, which decrypts its own input into its own output.
 */
import {
  decryptTrustedAppMachine,
  decryptTrustedAppRefusals,
} from '../../../machines/decryptTrustedAppMachine.ts';
import type { Topology } from '../../topology/schema.ts';
import type { BootStep } from '../boot.ts';
import { type Component, type StepInput, send, type WorldBuilder } from '../builder.ts';
import { withFlaws } from '../flawSwitches.ts';
import type { Holdings } from '../holdings.ts';
import type { WorldReach } from '../reach.ts';
import { firstUnmet, holdsBuffer, type Precondition, unmetOf } from '../unmetPrecondition.ts';
import type { WorldState } from '../world.ts';
import type { DmaHeapFamily, HeapBuffer } from './dmaHeapFamily.ts';
import type { FfaFamily } from './ffaFamily.ts';
import type { PageContentFamily } from './pageContentFamily.ts';

export type TrustedApp = Component<typeof decryptTrustedAppMachine>;

export interface DecryptFamily {
  /** The decrypt trusted app, when the design has a TEE. */
  readonly ta?: TrustedApp;
  readonly boot: readonly BootStep[];
}

export function addDecryptFamily(
  builder: WorldBuilder,
  topology: Topology,
  content: PageContentFamily,
): DecryptFamily {
  if (!topology.secureWorld.tee) return { boot: [] };
  const stream = topology.pipeline.stream;
  const ta = builder.addComponent({
    id: 'ta:decrypt',
    kind: 'decryptTrustedApp',
    label: 'decrypt trusted app',
    machine: withFlaws(decryptTrustedAppMachine, 'decryptTrustedApp', topology.flaws),
    input: {},
    refusals: decryptTrustedAppRefusals,
  });
  builder.onEmit(ta, 'PLAINTEXT_WRITTEN', content.contents, (event) =>
    content.writePlaintext(event.outputPages, event.stream, 'decrypt trusted app'),
  );
  return {
    ta,
    boot: [
      {
        actor: 'host',
        call: 'TEE_IOC_OPEN_SESSION',
        subject: 'the decrypt trusted app',
        text: 'host opens a session with the decrypt trusted app',
        deliveries: [send(ta, { type: 'OPEN_SESSION' })],
      },
      {
        actor: 'host',
        call: 'LOAD_KEYS',
        subject: `the keys of stream ${stream}`,
        text: `host has the trusted app load the keys of ${stream} for a secure data path`,
        deliveries: [send(ta, { type: 'LOAD_KEYS', stream, dataPathSecure: true })],
      },
    ],
  };
}

export interface DecryptStepContext {
  readonly heaps: DmaHeapFamily;
  readonly content: PageContentFamily;
  readonly ffa: FfaFamily;
  readonly holdings: Holdings;
  readonly reach: WorldReach;
  /** The firewall region protecting each page, if any. */
  readonly firewalled: (pfn: number) => boolean;
  readonly stream: string;
  /** The secure world's apps (docs/model.md#parties-and-trust); without it, the one app `secure`. */
  readonly secureApps?: readonly string[];
}

/**
 * "Secure memory" as the trusted app checks it (`TEE_CheckMemoryAccessRights()` with
 * `TEE_MEMORY_ACCESS_SECURE`): OP-TEE knows its own view only. A page is secure to it when a
 * configured firewall region keeps the normal world's CPU out, when the SPMC moved it to the
 * secure PAS, or when it was lent or donated to the secure world and retrieved, because a LEND
 * means exclusive access to OP-TEE whether or not the hypervisor unmapped the lender.
 */
function secureToTrustedApp(
  context: DecryptStepContext,
  state: WorldState,
  pages: readonly number[],
  app: string,
): boolean {
  return pages.every((pfn) => {
    if (context.reach.inSecurePas(state, pfn)) return true;
    if (context.firewalled(pfn)) {
      const paths = context.reach.paths(state, pfn, 'read');
      const secure = paths.some((p) => p.party === app);
      const normalCpu = paths.some((p) => p.kind === 'cpu' && p.party !== 'hyp');
      if (secure && !normalCpu) return true;
    }
    return context.ffa.lentToSecure(state, pfn);
  });
}

/**
 * The ciphertext arrives in the pipeline's input buffer: its holder writes it, through its own
 * CPU view of the pages (a guest whose page the host force-reclaimed cannot).
 */
export function writeCiphertext(context: DecryptStepContext, input: HeapBuffer): StepInput {
  const { holdings, content, reach, stream } = context;
  const writer = input.allocatedBy;
  const preconditions: Precondition[] = [
    holdsBuffer(holdings, writer, input),
    {
      holds: (state) => reach.reaches(state, writer, input.pages, 'write', 'cpu'),
      says: () => `${writer}'s CPU cannot write the pages of buffer ${input.name}`,
    },
  ];
  return {
    action: 'writeCiphertext',
    call: 'WRITE_CIPHERTEXT',
    actor: writer,
    role: 'pipeline',
    args: { buffer: input.name },
    text: `${writer} writes ciphertext of ${stream} into buffer ${input.name}`,
    touches: () => [
      ...holdings.holdsReads(input),
      ...input.pages.flatMap((pfn) => [content.contents[pfn]!, ...reach.reads(pfn)]),
    ],
    plan: (state) =>
      firstUnmet(preconditions, state) < 0 ? content.writeCiphertext(input.pages, stream) : undefined,
    unmet: unmetOf(preconditions),
  };
}

/**
 * `INVOKE_DECRYPT`: the host, the trusted app's client (`TEE_IOC_INVOKE`), asks it to decrypt
 * the stream from one buffer it holds into another. The app decides with its own view of which
 * memory is secure (see `secureToTrustedApp`): the pages the TEE maps into it.
 */
export function invokeDecrypt(
  context: DecryptStepContext,
  ta: TrustedApp,
  input: HeapBuffer,
  output: HeapBuffer,
  legitimate: boolean,
  app = 'secure',
): StepInput {
  const { holdings, content, reach, stream } = context;
  const named = app === 'secure' ? 'the trusted app' : `the trusted app ${app}`;
  return {
    action: 'invokeDecrypt',
    call: 'INVOKE_DECRYPT',
    actor: 'host',
    role: legitimate ? 'pipeline' : 'adversary',
    args: { input: input.name, output: output.name },
    text: `host asks ${named} to decrypt ${stream} from ${input.name} into ${output.name}`,
    touches: () => [
      ta,
      ...holdings.holdsReads(input),
      ...holdings.holdsReads(output),
      ...input.pages.map((pfn) => content.contents[pfn]!),
      ...output.pages.flatMap((pfn) => [content.contents[pfn]!, ...reach.reads(pfn)]),
      ...input.pages.flatMap((pfn) => reach.reads(pfn)),
    ],
    plan: (state) => {
      if (!holdings.holds(state, 'host', input) || !holdings.holds(state, 'host', output)) return undefined;
      if (!content.label(state, input.pages).ciphertext.includes(stream)) return undefined;
      return [
        send(ta, {
          type: 'INVOKE_DECRYPT',
          stream,
          isSecure: true,
          input: input.name,
          inputPages: input.pages,
          inputNonSecure: !secureToTrustedApp(context, state, input.pages, app),
          output: output.name,
          outputPages: output.pages,
          outputSecure: secureToTrustedApp(context, state, output.pages, app),
        }),
      ];
    },
  };
}

/**
 * The CDM in a guest decrypts its own input into its own output, with its own CPU: only while
 * it runs, holds both buffers, and its stage-2 still maps every page it reads and writes.
 */
export function cdmDecrypt(
  context: DecryptStepContext,
  by: string,
  input: HeapBuffer,
  output: HeapBuffer,
): StepInput {
  const { holdings, content, reach, stream } = context;
  const preconditions: Precondition[] = [
    { holds: (state) => holdings.runs(state, by), says: () => `guest ${by} is not running` },
    holdsBuffer(holdings, by, input),
    holdsBuffer(holdings, by, output),
    {
      holds: (state) => reach.reaches(state, by, input.pages, 'read', 'cpu'),
      says: () => `${by}'s stage-2 no longer maps the pages of buffer ${input.name}`,
    },
    {
      holds: (state) => content.label(state, input.pages).ciphertext.includes(stream),
      says: () => `buffer ${input.name} holds no ciphertext of ${stream}`,
    },
    {
      holds: (state) =>
        output.pages.every((pfn) => reach.paths(state, pfn, 'write').some((p) => p.party === by)),
      says: () => `${by} cannot write the pages of buffer ${output.name}`,
    },
  ];
  return {
    action: 'cdmDecrypt',
    call: 'CDM_DECRYPT',
    actor: by,
    role: 'pipeline',
    args: { input: input.name, output: output.name },
    text: `${by} decrypts ${stream} from ${input.name} into ${output.name}`,
    touches: () => [
      ...holdings.holdsReads(input),
      ...holdings.holdsReads(output),
      ...holdings.runsReads(by),
      ...input.pages.flatMap((pfn) => [content.contents[pfn]!, ...reach.reads(pfn)]),
      ...output.pages.flatMap((pfn) => [content.contents[pfn]!, ...reach.reads(pfn)]),
    ],
    plan: (state) =>
      firstUnmet(preconditions, state) < 0 ? content.writePlaintext(output.pages, stream, by) : undefined,
    unmet: unmetOf(preconditions),
  };
}

/** The decrypt steps: the ciphertext's arrival, then the trusted app's decrypts or the guest CDM's. */
export function addDecryptSteps(
  add: (step: StepInput) => void,
  context: DecryptStepContext,
  decrypt: DecryptFamily,
  pipeline: Topology['pipeline'],
): void {
  const { heaps } = context;
  add(writeCiphertext(context, heaps.bufferByName.get(pipeline.input)!));
  const app = pipeline.decrypt.by;
  if ((context.secureApps ?? ['secure']).includes(app) && decrypt.ta !== undefined) {
    for (const input of heaps.buffers) {
      for (const output of heaps.buffers) {
        if (input === output) continue;
        const legitimate = input.name === pipeline.input && output.name === pipeline.decrypt.output;
        add(invokeDecrypt(context, decrypt.ta, input, output, legitimate, app));
      }
    }
  } else {
    const input = heaps.bufferByName.get(pipeline.input)!;
    const output = heaps.bufferByName.get(pipeline.decrypt.output)!;
    add(cdmDecrypt(context, pipeline.decrypt.by, input, output));
  }
}
