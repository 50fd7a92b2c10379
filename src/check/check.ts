/**
 * Checks one topology: composes its world, explores it (exhaustively or at random), and
 * returns the per-property result as data (`CheckReport`), the same object `--json` prints.
 *
 * Reachability of the legitimate pipeline is searched separately, over the steps of the
 * legitimate parties and the environment only, so that the witness is a clean pipeline run
 * and a design that cannot display a frame is reported as vacuous rather than safe.
 */
import type { Invariant } from '../../properties/model.ts';
import { PROPERTY_NAMES, pipelineReachable, sdpInvariants } from '../../properties/sdp/index.ts';
import { breadthFirstSearch } from '../engine/bfs.ts';
import { minimizeTrace } from '../engine/minimizeTrace.ts';
import { randomSearch } from '../engine/randomSearch.ts';
import type { LoadedTopology } from '../topology/load.ts';
import type { Topology } from '../topology/schema.ts';
import { composeWorld, type SdpWorld } from '../world/sdpWorld.ts';
import type { StepDef, World, WorldState } from '../world/world.ts';
import { InvariantChecker } from './invariantChecker.ts';
import { encodeReplayToken, type ReplayPayload, ReplayTokenError, topologyDigest } from './replayToken.ts';
import type { CheckOptions, CheckReport, PropertyResult, TraceStep, ViolationReport } from './report.ts';

export interface CheckHooks {
  readonly onProgress?: (progress: { done: number; total: number; phase: string }) => void;
}

export class UnknownPropertyError extends Error {
  readonly code = 'UNKNOWN_PROPERTY';
}

/** The steps (of a world) in the report's words. */
export function traceSteps(steps: readonly StepDef[]): TraceStep[] {
  return steps.map((step, i) => ({
    index: i + 1,
    event: step.call,
    actor: step.actor,
    description: step.text,
  }));
}

/** The assumptions a design makes, as a reviewer should read them next to its verdict. */
export function assumptionsOf(topology: Topology): string[] {
  const h = topology.hypervisor;
  const out: string[] = [];
  if (h.kind === 'none') out.push('no hypervisor: the host kernel can map all normal-world memory');
  else {
    out.push(`pKVM, ${h.kernel === 'android' ? 'Android Common Kernel' : 'mainline'} rules`);
    out.push(
      {
        none: 'no IOMMU isolation: a host-programmed DMA master reaches all memory',
        identity: 'IOMMU identity domain mirroring the host stage-2',
        dmaDomains: 'explicit IOMMU DMA domains with a DMA refcount',
      }[h.iommu],
    );
    out.push(
      {
        share: 'FF-A MEM_LEND keeps the host mapping (treated as a share)',
        unmapOnLend: 'FF-A MEM_LEND unmaps the host CPU but not the IOMMU',
        unmapAll: 'FF-A MEM_LEND unmaps the host CPU and the IOMMU',
      }[h.ffaLend],
    );
  }
  const s = topology.secureWorld;
  out.push(s.tee ? 'OP-TEE decrypt trusted app' : 'no TEE');
  if (s.spmc === 'hafnium') {
    out.push(
      `Hafnium SPMC${s.protectsLentMemory ? ' moving lent memory to the secure PAS' : ' leaving lent memory non-secure'}`,
    );
  }
  for (const region of topology.memory.filter((r) => r.protection === 'tzasc')) {
    out.push(`firewall on ${region.name} configured at ${region.tzasc?.configuredAt ?? 'boot'}`);
  }
  if (topology.virtio.exports.length > 0) {
    out.push(
      `shared-object lookups ${topology.virtio.sharedObjects.accessControl ? 'checked against an allow-list' : 'without access control (QEMU today)'}`,
    );
  }
  out.push(
    topology.flaws.length ? `flaws switched on: ${topology.flaws.join(', ')}` : 'no flaws switched on',
  );
  return out;
}

function selectInvariants(names: readonly string[]): { invariants: Invariant[]; reachability: boolean } {
  // `invariants` is narrowed again once the world is composed.
  for (const name of names) {
    if (!PROPERTY_NAMES.includes(name)) {
      throw new UnknownPropertyError(
        `unknown property "${name}"; properties are ${PROPERTY_NAMES.join(', ')}`,
      );
    }
  }
  if (names.length === 0) return { invariants: [...sdpInvariants], reachability: true };
  return {
    invariants: sdpInvariants.filter((p) => names.includes(p.name)),
    reachability: names.includes(pipelineReachable.name),
  };
}

function replayState(world: World, steps: readonly StepDef[]): WorldState {
  let state = world.initial;
  for (const step of steps) state = world.apply(state, step) ?? state;
  return state;
}

function violationReports(checker: InvariantChecker, state: WorldState, property: string): ViolationReport[] {
  return checker
    .violations(state)
    .filter((v) => v.property === property)
    .map((v) => ({
      subject: v.subject,
      ...(v.parties ? { parties: v.parties } : {}),
      expected: v.expected,
      actual: v.actual,
    }));
}

/** Finds a shortest legitimate run that displays a frame: pipeline and environment steps only. */
function searchPipeline(sdp: SdpWorld, maxDepth: number, maxStates: number): readonly StepDef[] | undefined {
  const legit = sdp.world.steps.filter((step) => step.role === 'pipeline' || step.role === 'environment');
  const result = breadthFirstSearch(
    {
      initial: sdp.world.initial,
      steps: legit,
      apply: (s, step) => sdp.world.apply(s, step),
      fingerprint: (s) => sdp.world.fingerprint(s),
    },
    { maxDepth: Math.max(maxDepth, 16), maxStates, properties: [], violated: () => [], goal: sdp.displayed },
  );
  return result.witness;
}

export function check(
  loaded: LoadedTopology,
  options: CheckOptions & { replay?: ReplayPayload },
  hooks: CheckHooks = {},
): CheckReport {
  const started = performance.now();
  const topology = loaded.topology;
  const selected = selectInvariants(options.replay ? [options.replay.property] : options.properties);
  const sdp = composeWorld(topology);
  const { world } = sdp;
  // Component invariants about machines the design does not have (pKVM pages without a
  // hypervisor) are left out rather than reported as trivially holding.
  selected.invariants = selected.invariants.filter(
    (invariant) => !invariant.component || (world.byKind[invariant.component.kind]?.length ?? 0) > 0,
  );
  const checker = new InvariantChecker(world, selected.invariants, sdp.model);
  const names = selected.invariants.map((p) => p.name);
  const violated = (state: WorldState) => {
    if (checker.holds(state)) return [];
    return [...new Set(checker.violations(state).map((v) => v.property))];
  };
  const digest = topologyDigest(topology);
  const token = (property: string, steps: readonly StepDef[]) =>
    encodeReplayToken({
      topology: topology.name,
      digest,
      property,
      steps: steps.map((step) => ({ call: step.call, args: step.args })),
    });

  const counterexamples = new Map<string, { steps: readonly StepDef[]; shrinks?: number }>();
  let witness: readonly StepDef[] | undefined;
  let statistics: CheckReport['statistics'];

  if (options.replay) {
    const replay = options.replay;
    if (replay.digest !== digest) {
      throw new ReplayTokenError(
        `replay token was made for a different version of topology "${replay.topology}" (digest ${replay.digest}, this file is ${digest})`,
      );
    }
    const steps = replay.steps.map((key, i) => {
      const step = world.findStep(key.call, key.args);
      if (!step)
        throw new ReplayTokenError(
          `replay token step ${i + 1} (${key.call}) does not exist in this topology`,
        );
      return step;
    });
    let state = world.initial;
    steps.forEach((step, i) => {
      const next = world.apply(state, step);
      if (!next) {
        throw new ReplayTokenError(`replay token step ${i + 1} ("${step.text}") is refused when replayed`);
      }
      state = next;
    });
    if (violated(state).includes(replay.property)) counterexamples.set(replay.property, { steps });
    statistics = {
      steps: steps.length,
      distinctStates: steps.length + 1,
      depth: steps.length,
      boundReached: false,
      durationMs: Math.round(performance.now() - started),
    };
  } else if (options.mode === 'exhaustive') {
    const result = breadthFirstSearch(world, {
      maxDepth: options.maxDepth,
      maxStates: options.maxStates,
      properties: names,
      violated,
      goal: sdp.displayed,
      ...(hooks.onProgress
        ? {
            onProgress: (p) =>
              hooks.onProgress!({ done: p.states, total: options.maxStates, phase: `depth ${p.depth}` }),
          }
        : {}),
    });
    for (const [name, steps] of result.counterexamples) counterexamples.set(name, { steps });
    witness = result.witness;
    statistics = {
      steps: result.transitions,
      distinctStates: result.distinctStates,
      depth: result.depth,
      boundReached: result.boundReached,
      durationMs: 0,
    };
  } else {
    const result = randomSearch(world, {
      runs: options.runs,
      maxDepth: options.maxDepth,
      seed: options.seed,
      properties: names,
      violated,
      goal: sdp.displayed,
      // The legitimate pipeline moves three times as often, so runs reach decrypted frames.
      weight: (step) => (step.role === 'pipeline' ? 3 : 1),
      ...(hooks.onProgress
        ? { onProgress: (p) => hooks.onProgress!({ done: p.runs, total: p.total, phase: 'random runs' }) }
        : {}),
    });
    for (const [name, found] of result.counterexamples) counterexamples.set(name, found);
    witness = result.witness ? minimizeTrace(world, result.witness, sdp.displayed).steps : undefined;
    statistics = {
      steps: result.steps,
      distinctStates: result.distinctStates,
      depth: result.depth,
      boundReached: true,
      durationMs: 0,
    };
  }

  if (!options.replay && selected.reachability && !witness) {
    witness = searchPipeline(sdp, options.maxDepth, options.maxStates);
  }
  const pipelineRuns = options.replay ? true : witness !== undefined;
  const vacuousReason =
    'the legitimate pipeline never shows a frame of the stream within the bound, so nothing protected ever exists to leak';

  const results: PropertyResult[] = selected.invariants.map((invariant) => {
    const found = counterexamples.get(invariant.name);
    const base = { name: invariant.name, summary: invariant.summary, kind: invariant.kind };
    if (found) {
      const end = replayState(world, found.steps);
      return {
        ...base,
        status: 'violated' as const,
        counterexample: {
          steps: traceSteps(found.steps),
          violations: violationReports(checker, end, invariant.name),
          replay: token(invariant.name, found.steps),
          ...(found.shrinks !== undefined ? { shrinks: found.shrinks } : {}),
        },
      };
    }
    if (!pipelineRuns) return { ...base, status: 'vacuous' as const, reason: vacuousReason };
    return { ...base, status: 'holds' as const };
  });
  if (selected.reachability && !options.replay) {
    results.push({
      name: pipelineReachable.name,
      summary: pipelineReachable.summary,
      kind: pipelineReachable.kind,
      ...(witness
        ? { status: 'holds' as const, witness: { steps: traceSteps(witness) } }
        : {
            status: 'vacuous' as const,
            reason: 'no run of the legitimate parties displays a frame of the stream within the bound',
          }),
    });
  }
  const verdict = results.some((r) => r.status !== 'holds') ? 'violation' : 'pass';
  return {
    topology: topology.name,
    file: loaded.file,
    mode: options.replay ? 'exhaustive' : options.mode,
    seed: options.seed,
    bound: {
      maxDepth: options.maxDepth,
      ...(options.mode === 'exhaustive' ? { maxStates: options.maxStates } : { runs: options.runs }),
    },
    verdict,
    properties: results,
    statistics: { ...statistics, durationMs: Math.round(performance.now() - started) },
    assumptions: assumptionsOf(topology),
  };
}
