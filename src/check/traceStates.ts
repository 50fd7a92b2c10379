/**
 * A counterexample step by step: replays its trace (from the replay token) in the topology's
 * world and records, after boot and after every step, what a reviewer needs to follow the
 * leak: for each page the trace involves, each party's view of it (the host's pKVM state,
 * each guest's and the hypervisor's), the firewall's state, the buffer holding it, who can
 * read and write it and how, and what it may hold (its content label). Each step also says which
 * parties' machines it is delivered to (the callees of a sequence diagram) and its effects in
 * words.
 * The last step is the violating one.
 *
 * Pages involved: those whose content, views, readers, writers or buffer changed at some step, and
 * those the violation names. Pure given the topology: data in, data out.
 */
import { describeLabel } from '../../machines/contentLabel.ts';
import type { DmaBufContext } from '../../machines/dmaBufState.ts';
import type { PkvmPageContext } from '../../machines/pkvmPageState.ts';
import { accessPaths, pageLabel, trustedBy } from '../../properties/sdp/access.ts';
import type { SdpModel } from '../../properties/sdp/sdpModel.ts';
import type { Topology } from '../topology/schema.ts';
import { composeWorld, type SdpWorld } from '../world/compose.ts';
import type { StepDef, WorldState } from '../world/world.ts';
import { decodeReplayToken, ReplayTokenError, topologyDigest } from './replayToken.ts';
import type { TraceStep, ViolationReport } from './report.ts';

/** One party's view of a page: `host` `SHARED_OWNED`, `decrypt` `OWNED`, `firewall` `protected`. */
export interface PageView {
  readonly party: string;
  readonly state: string;
}

/** A party that can read (or write) a page, and the path that lets it (`accessPaths`). */
export interface PageReader {
  readonly party: string;
  readonly kind: 'cpu' | 'dma' | 'secure';
  readonly via: string;
}

export type PageAspect = 'content' | 'views' | 'readers' | 'writers' | 'buffer';

export interface PageAtStep {
  readonly pfn: number;
  /** `region:index`. */
  readonly label: string;
  /** The buffer whose pages include this one, with its dma-buf state and fd holders. */
  readonly buffer?: { readonly name: string; readonly state: string; readonly holders: readonly string[] };
  /** The content label in words: `zero`, `plaintext of movie`. */
  readonly content: string;
  /** Streams whose plaintext the page may hold. */
  readonly plaintext: readonly string[];
  readonly views: readonly PageView[];
  readonly readers: readonly PageReader[];
  readonly writers: readonly PageReader[];
  /** What differs from the state before this step (empty after boot). */
  readonly changed: readonly PageAspect[];
  /** The violation names this page. */
  readonly inViolation: boolean;
}

export interface TraceStepState {
  /** 0 after boot, then the 1-based step index. */
  readonly index: number;
  /** The step taken to reach this state (absent after boot). */
  readonly step?: TraceStep;
  /** Parties whose machines the call is delivered to, other than the caller unless it is the only one. */
  readonly callees: readonly string[];
  /** What the step did to the involved pages and buffers, in words. */
  readonly effects: readonly string[];
  readonly pages: readonly PageAtStep[];
  /** The step after which the property is violated: the last one. */
  readonly violating: boolean;
}

export interface TraceStates {
  readonly topology: string;
  readonly property: string;
  /** A counterexample (its last step violates the property) or a witness (its last step reaches the goal). */
  readonly outcome: 'violation' | 'witness';
  readonly violations: readonly ViolationReport[];
  /** Parties of the sequence diagram, in order of first appearance. */
  readonly participants: readonly string[];
  /** Parties allowed to see the stream's plaintext: its audience and its trusted set. */
  readonly audience: readonly string[];
  /** Whose views the page table shows (pKVM: host, each guest, hyp; a firewall when there is one). */
  readonly viewParties: readonly string[];
  readonly pages: readonly { readonly pfn: number; readonly label: string; readonly region: string }[];
  /** After boot, then after each step. */
  readonly states: readonly TraceStepState[];
}

export interface CounterexampleInput {
  readonly replay: string;
  readonly violations: readonly ViolationReport[];
}

function part<C>(state: WorldState, index: number): { value: string; context: C } {
  return state.parts[index] as { value: string; context: C };
}

/** The party whose machine a component is: who a call to it reaches. */
function componentParty(model: SdpModel, component: number): string | undefined {
  const info = model.components[component]!;
  switch (info.kind) {
    case 'pkvmPage':
    case 'guestVm':
    case 'iommuDomain':
    case 'ffaProxy':
      return 'hyp';
    case 'tzascRegion':
      return 'firmware';
    case 'decryptTrustedApp':
    case 'ffaTransaction':
      return 'secure';
    case 'dmaHeapBuffer':
    case 'protectedPool':
      return 'dma-heap';
    case 'mediaDevice':
      return model.devices.find((device) => device.machine === component)?.name ?? info.label;
    case 'virtioDmabufExport':
    case 'sharedObjectEntry':
    case 'virtioGpuImport':
      return 'vmm';
    case 'vhostBackend':
      return model.backends.find((backend) => backend.component === component)?.name ?? info.label;
    case 'swiotlbBounce':
      return info.id.split(':')[1] ?? 'swiotlb';
    case 'pageContent':
      return undefined;
  }
}

/** Pages a violation's subject names: by label, else the pages of the buffer it names. */
function violationPages(model: SdpModel, violations: readonly ViolationReport[]): Set<number> {
  const out = new Set<number>();
  for (const violation of violations) {
    const named = model.pages.filter((page) =>
      new RegExp(`(^|[^a-z0-9-])${page.label.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')}($|[^0-9])`).test(
        violation.subject,
      ),
    );
    if (named.length > 0) {
      for (const page of named) out.add(page.pfn);
      continue;
    }
    for (const buffer of model.buffers) {
      if (new RegExp(`buffer ${buffer.name}($|[^a-z0-9-])`).test(violation.subject)) {
        for (const pfn of buffer.pages) out.add(pfn);
      }
    }
  }
  return out;
}

interface PageFacts {
  readonly content: string;
  readonly plaintext: readonly string[];
  readonly views: readonly PageView[];
  readonly readers: readonly PageReader[];
  readonly writers: readonly PageReader[];
  readonly buffer?: { readonly name: string; readonly state: string; readonly holders: readonly string[] };
}

function pageFacts(model: SdpModel, state: WorldState, pfn: number): PageFacts {
  const page = model.pages[pfn]!;
  const label = pageLabel(model, state, pfn);
  const views: PageView[] = [];
  if (page.pkvm !== undefined) {
    const snap = part<PkvmPageContext>(state, page.pkvm);
    views.push({ party: 'host', state: snap.value });
    model.guests.forEach((guest, index) => {
      views.push({ party: guest.name, state: snap.context.guests[index] ?? 'NOPAGE' });
    });
    views.push({ party: 'hyp', state: snap.context.hyp });
  }
  if (page.tzasc !== undefined) views.push({ party: 'firewall', state: part(state, page.tzasc).value });
  const holder = model.buffers.find((buffer) => buffer.pages.includes(pfn));
  let buffer: PageFacts['buffer'];
  if (holder) {
    if (holder.dmaBuf === undefined) {
      buffer = { name: holder.name, state: `memory of ${holder.allocatedBy}`, holders: [holder.allocatedBy] };
    } else {
      const snap = part<DmaBufContext>(state, holder.dmaBuf);
      buffer = { name: holder.name, state: snap.value, holders: snap.context.fdHolders };
    }
  }
  return {
    content: describeLabel(label),
    plaintext: label.plaintext,
    views,
    readers: accessPaths(model, state, pfn, 'read').map(({ party, kind, via }) => ({ party, kind, via })),
    writers: accessPaths(model, state, pfn, 'write').map(({ party, kind, via }) => ({ party, kind, via })),
    ...(buffer ? { buffer } : {}),
  };
}

const readerKey = (reader: PageReader) => `${reader.party} (${reader.kind.toUpperCase()})`;

function differences(before: PageFacts, after: PageFacts): PageAspect[] {
  const out: PageAspect[] = [];
  if (before.content !== after.content) out.push('content');
  if (JSON.stringify(before.views) !== JSON.stringify(after.views)) out.push('views');
  if (before.readers.map(readerKey).join() !== after.readers.map(readerKey).join()) out.push('readers');
  if (before.writers.map(readerKey).join() !== after.writers.map(readerKey).join()) out.push('writers');
  if (JSON.stringify(before.buffer) !== JSON.stringify(after.buffer)) out.push('buffer');
  return out;
}

/** Who can read, and who can write, in `after` but not in `before`. */
function gainedBy(before: PageFacts, after: PageFacts): { read: string[]; write: string[] } {
  const gained = (was: readonly PageReader[], is: readonly PageReader[]) =>
    is.map(readerKey).filter((key) => !was.map(readerKey).includes(key));
  return { read: gained(before.readers, after.readers), write: gained(before.writers, after.writers) };
}

/** `carveout:0: now readable and writable by host (CPU)`, or one line per kind of access. */
function accessEffects(label: string, when: string, change: { read: string[]; write: string[] }): string[] {
  if (change.read.length > 0 && change.read.join() === change.write.join()) {
    const both = when === 'now' ? 'readable and writable' : 'readable or writable';
    return [`${label}: ${when} ${both} by ${change.read.join(', ')}`];
  }
  return [
    ...(change.read.length > 0 ? [`${label}: ${when} readable by ${change.read.join(', ')}`] : []),
    ...(change.write.length > 0 ? [`${label}: ${when} writable by ${change.write.join(', ')}`] : []),
  ];
}

function pageEffects(label: string, before: PageFacts, after: PageFacts): string[] {
  const out: string[] = [];
  if (before.content !== after.content) out.push(`${label}: ${before.content} → ${after.content}`);
  for (const view of after.views) {
    const old = before.views.find((v) => v.party === view.party);
    if (old && old.state !== view.state) out.push(`${label}: ${view.party} ${old.state} → ${view.state}`);
  }
  out.push(...accessEffects(label, 'now', gainedBy(before, after)));
  out.push(...accessEffects(label, 'no longer', gainedBy(after, before)));
  return out;
}

function replaySteps(topology: Topology, token: string, world: ReturnType<typeof composeWorld>['world']) {
  const payload = decodeReplayToken(token);
  if (payload.topology !== topology.name) {
    throw new ReplayTokenError(`the token replays topology "${payload.topology}", not "${topology.name}"`);
  }
  const digest = topologyDigest(topology);
  if (payload.digest !== digest) {
    throw new ReplayTokenError(
      `replay token was made for a different version of topology "${payload.topology}" (digest ${payload.digest}, this one is ${digest})`,
    );
  }
  return {
    property: payload.property,
    steps: payload.steps.map((key, i): StepDef => {
      const step = world.findStep(key.call, key.args);
      if (!step) {
        throw new ReplayTokenError(
          `replay token step ${i + 1} (${key.call}) does not exist in this topology`,
        );
      }
      return step;
    }),
  };
}

/** A trace replayed in its topology's world: the state after boot, then after each step. */
export interface ReplayedTrace {
  readonly composed: SdpWorld;
  readonly property: string;
  readonly steps: readonly StepDef[];
  readonly worldStates: readonly WorldState[];
}

function replayed(composed: SdpWorld, property: string, steps: readonly StepDef[]): ReplayedTrace {
  const { world } = composed;
  const worldStates: WorldState[] = [world.initial];
  steps.forEach((step, i) => {
    const next = world.apply(worldStates[i]!, step);
    if (!next)
      throw new ReplayTokenError(`replay token step ${i + 1} ("${step.text}") is refused when replayed`);
    worldStates.push(next);
  });
  return { composed, property, steps, worldStates };
}

/** A counterexample's replay token replayed. */
export function replayCounterexample(topology: Topology, token: string): ReplayedTrace {
  const composed = composeWorld(topology);
  const { property, steps } = replaySteps(topology, token, composed.world);
  return replayed(composed, property, steps);
}

/**
 * A witness replayed from its steps as a report prints them: at each state, the enabled step
 * with the same call, caller and words.
 */
export function replayWitness(
  topology: Topology,
  property: string,
  trace: readonly TraceStep[],
): ReplayedTrace {
  const composed = composeWorld(topology);
  const { world } = composed;
  let state = world.initial;
  const steps = trace.map((wanted) => {
    const step = world
      .enabled(state)
      .find((s) => s.call === wanted.event && s.actor === wanted.actor && s.text === wanted.description);
    if (!step) throw new ReplayTokenError(`witness step ${wanted.index} (${wanted.event}) does not apply`);
    state = world.apply(state, step)!;
    return step;
  });
  return replayed(composed, property, steps);
}

/** The states a counterexample passes through, page by page. */
export function traceStates(topology: Topology, counterexample: CounterexampleInput): TraceStates {
  return describeTrace(
    topology,
    replayCounterexample(topology, counterexample.replay),
    counterexample.violations,
    'violation',
  );
}

/** The states a witness passes through, page by page (no step is violating). */
export function witnessStates(
  topology: Topology,
  property: string,
  steps: readonly TraceStep[],
): TraceStates {
  return describeTrace(topology, replayWitness(topology, property, steps), [], 'witness');
}

/** A replayed trace page by page: the pages it involves after boot and after each step. */
export function describeTrace(
  topology: Topology,
  trace: ReplayedTrace,
  violations: readonly ViolationReport[],
  outcome: TraceStates['outcome'],
): TraceStates {
  const { model } = trace.composed;
  const { property, steps, worldStates } = trace;
  const counterexample = { violations };
  const allFacts = worldStates.map((state) => model.pages.map((page) => pageFacts(model, state, page.pfn)));
  const named = violationPages(model, counterexample.violations);
  const involved = model.pages.filter(
    (page) =>
      named.has(page.pfn) ||
      allFacts.some(
        (facts, i) => i > 0 && differences(allFacts[i - 1]![page.pfn]!, facts[page.pfn]!).length > 0,
      ),
  );

  const participants: string[] = [];
  const meet = (party: string) => {
    if (!participants.includes(party)) participants.push(party);
  };
  const states: TraceStepState[] = worldStates.map((state, i) => {
    const facts = allFacts[i]!;
    const pages = involved.map((page): PageAtStep => {
      const now = facts[page.pfn]!;
      return {
        pfn: page.pfn,
        label: page.label,
        ...(now.buffer ? { buffer: now.buffer } : {}),
        content: now.content,
        plaintext: now.plaintext,
        views: now.views,
        readers: now.readers,
        writers: now.writers,
        changed: i === 0 ? [] : differences(allFacts[i - 1]![page.pfn]!, now),
        inViolation: named.has(page.pfn),
      };
    });
    const violating = outcome === 'violation' && i === steps.length;
    if (i === 0) return { index: 0, callees: [], effects: [], pages, violating };
    const step = steps[i - 1]!;
    const before = worldStates[i - 1]!;
    // The call reaches the machines it is delivered to (the emissions they cause are effects).
    const addressed = [
      ...new Set(
        (step.plan(before) ?? []).map((delivery) => componentParty(model, delivery.component) ?? 'memory'),
      ),
    ];
    const others = addressed.filter((party) => party !== step.actor && party !== 'memory');
    const callees =
      others.length > 0
        ? others
        : addressed.includes(step.actor)
          ? [step.actor]
          : addressed.includes('memory')
            ? ['memory']
            : [];
    meet(step.actor);
    callees.forEach(meet);
    const effects = involved.flatMap((page) =>
      pageEffects(page.label, allFacts[i - 1]![page.pfn]!, facts[page.pfn]!),
    );
    for (const buffer of model.buffers) {
      if (buffer.dmaBuf === undefined) continue;
      const was = part(before, buffer.dmaBuf).value;
      const is = part(state, buffer.dmaBuf).value;
      if (was !== is) effects.unshift(`buffer ${buffer.name}: ${was} → ${is}`);
    }
    return {
      index: i,
      step: { index: i, event: step.call, actor: step.actor, description: step.text },
      callees,
      effects,
      pages,
      violating,
    };
  });

  const viewParties = [
    ...new Set(involved.flatMap((page) => allFacts[0]![page.pfn]!.views.map((view) => view.party))),
  ];
  return {
    topology: topology.name,
    property,
    outcome,
    violations: counterexample.violations,
    audience: [
      ...new Set([
        ...trustedBy(model, topology.pipeline.stream),
        ...(topology.streams.find((s) => s.name === topology.pipeline.stream)?.audience ?? []),
      ]),
    ],
    participants,
    viewParties,
    pages: involved.map((page) => ({ pfn: page.pfn, label: page.label, region: page.region })),
    states,
  };
}
