/**
 * Checks one topology: composes its world, explores it (exhaustively or at random), and
 * returns the per-property result as data (`CheckReport`), the same object `--json` prints.
 *
 * Reachability of the legitimate pipeline is searched separately, over the steps of the
 * legitimate parties and the environment only, so that the witness is a clean pipeline run
 * and a design that cannot display a frame is reported as vacuous rather than safe.
 */
import { pipelineReachable, sdpInvariants } from '../../properties/sdp/index.ts';
import { minimizeTrace } from '../engine/minimizeTrace.ts';
import { randomSearch } from '../engine/randomSearch.ts';
import type { LoadedTopology } from '../topology/load.ts';
import type { Topology } from '../topology/schema.ts';
import { spmcName, spmcProtectionWords, spmcProtects } from '../topology/spmcLabel.ts';
import { composeWorld, type SdpWorld } from '../world/compose.ts';
import type { StepDef, World, WorldState } from '../world/world.ts';
import { coverageOf } from './coverage.ts';
import { CoverageCollector, countedWorld } from './coverageCollector.ts';
import type { PipelineProgress } from './coverageReport.ts';
import { searchWorld } from './exhaustive.ts';
import { InvariantChecker } from './invariantChecker.ts';
import { searchPipeline } from './pipelineSearch.ts';
import { encodeReplayToken, type ReplayPayload, ReplayTokenError, topologyDigest } from './replayToken.ts';
import type {
  CheckOptions,
  CheckReport,
  PropertyResult,
  SearchSummary,
  TraceStep,
  ViolationReport,
} from './report.ts';
import { verdictOf } from './report.ts';
import { applicableInvariants, selectInvariants } from './selectProperties.ts';
import { shardRuns, shardSeed } from './shard.ts';

export { PropertyNotApplicableError, UnknownPropertyError } from './errors.ts';

/** How far a check has got: states (or runs) done of the bound, and what it is doing. */
export interface CheckProgress {
  readonly done: number;
  readonly total: number;
  readonly phase: string;
}

export interface CheckHooks {
  readonly onProgress?: (progress: CheckProgress) => void;
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
  else if (h.kind === 'xen') {
    out.push('Xen: domains reach foreign pages only through grant mappings');
    out.push(
      topology.xen.dom0Privileged
        ? 'privileged dom0: it can foreign-map any page (privcmd)'
        : 'dom0 not privileged over domU memory (an XSM policy refuses foreign mappings)',
    );
  } else if (h.kind === 'cca') {
    out.push(
      'Arm CCA: the RMM keeps realm DATA granules in the Realm PAS, out of reach of the host and non-realm DMA',
    );
    out.push('the KVM host is untrusted: it may destroy and undelegate any realm granule at any time');
  } else if (h.kind === 'gunyah') {
    out.push('Gunyah: HLOS (Linux in the primary VM) is the host party and owns the memory no VM was given');
    out.push('a VM reaches a foreign page only once it accepted a memory parcel whose access list names it');
  } else {
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
  if (spmcName(s) !== undefined) {
    out.push(
      `${spmcName(s)}${spmcProtects(s) ? ` ${spmcProtectionWords(s)}` : ' leaving lent memory non-secure'}`,
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

/** The report of a design that does not boot: no property is checked. */
function unbootableReport(
  loaded: LoadedTopology,
  head: ReportHead,
  sdp: SdpWorld,
  started: number,
): CheckReport {
  const failure = sdp.unbootable!;
  return {
    ...head,
    verdict: 'unbootable',
    unbootable: {
      message: failure.message,
      call: failure.step.call,
      component: failure.component,
      code: failure.code,
      ...(failure.failedGuard ? { failedGuard: failure.failedGuard } : {}),
      steps: sdp.boot.map((step, i) => ({
        index: i + 1,
        event: step.call,
        actor: step.actor,
        description: step.text,
      })),
    },
    properties: [],
    statistics: {
      steps: 0,
      distinctStates: 0,
      depth: 0,
      boundReached: false,
      ended: 'notBooted',
      searches: [],
      durationMs: Math.round(performance.now() - started),
    },
    assumptions: assumptionsOf(loaded.topology),
  };
}

/** What every report of a check starts with: the design, the mode, and the bound asked for. */
type ReportHead = Pick<CheckReport, 'topology' | 'file' | 'digest' | 'mode' | 'seed' | 'bound' | 'shard'>;

function reportHead(
  loaded: LoadedTopology,
  options: CheckOptions & { replay?: ReplayPayload },
  shard: CheckReport['shard'],
): ReportHead {
  const { replay } = options;
  return {
    topology: loaded.topology.name,
    file: loaded.file,
    digest: topologyDigest(loaded.topology),
    mode: replay ? 'replay' : options.mode,
    seed: options.seed,
    bound: replay
      ? { maxDepth: replay.steps.length }
      : {
          maxDepth: options.maxDepth,
          ...(options.mode === 'exhaustive' ? { maxStates: options.maxStates } : { runs: options.runs }),
        },
    ...(shard ? { shard } : {}),
  };
}

/** This check's shard of the random runs, with its runs and seed; none for an unsharded check. */
function shardOf(options: CheckOptions & { replay?: ReplayPayload }): CheckReport['shard'] {
  const { shard } = options;
  if (shard === undefined) return undefined;
  if (options.mode !== 'random' || options.replay) {
    throw new RangeError('options.shard splits the walks of a random-mode check; nothing else is sharded');
  }
  return { ...shard, runs: shardRuns(options.runs, shard), seed: shardSeed(options.seed, shard) };
}

/** The replayed steps of a token, in this world; a step the world does not have is a bad token. */
function replaySteps(world: World, replay: ReplayPayload): StepDef[] {
  return replay.steps.map((key, i) => {
    const step = world.findStep(key.call, key.args);
    if (!step)
      throw new ReplayTokenError(`replay token step ${i + 1} (${key.call}) does not exist in this topology`);
    return step;
  });
}

export function check(
  loaded: LoadedTopology,
  options: CheckOptions & { replay?: ReplayPayload },
  hooks: CheckHooks = {},
): CheckReport {
  const started = performance.now();
  const topology = loaded.topology;
  const replay = options.replay;
  if (replay && !sdpInvariants.some((invariant) => invariant.name === replay.property)) {
    throw new ReplayTokenError(
      replay.property === pipelineReachable.name
        ? `replay token names ${pipelineReachable.name}, a reachability goal: tokens reproduce violations of invariants`
        : `replay token names an unknown property "${replay.property}"`,
    );
  }
  const selected = selectInvariants(replay ? [replay.property] : options.properties);
  const sdp = composeWorld(topology);
  const { world } = sdp;
  const invariants = applicableInvariants(
    world,
    selected.invariants,
    replay ? [replay.property] : options.properties,
  );
  const shard = shardOf(options);
  const head = reportHead(loaded, options, shard);
  if (sdp.unbootable) return unbootableReport(loaded, head, sdp, started);
  const checker = new InvariantChecker(world, invariants, sdp.model);
  const names = invariants.map((p) => p.name);
  const violated = (state: WorldState) => {
    if (checker.holds(state)) return [];
    return [...new Set(checker.violations(state).map((v) => v.property))];
  };
  const { digest } = head;
  const token = (property: string, steps: readonly StepDef[]) =>
    encodeReplayToken({
      topology: topology.name,
      digest,
      property,
      steps: steps.map((step) => ({ call: step.call, args: step.args })),
    });

  const counterexamples = new Map<
    string,
    { steps: readonly StepDef[]; shrinks?: number; found?: { states: number; ms: number } }
  >();
  let witness: readonly StepDef[] | undefined;
  const collector = options.coverage && !replay ? new CoverageCollector(world) : undefined;
  let main: SearchSummary;
  let steps = 0;
  /** In a replay: why the trace no longer violates its property, if it does not. */
  let notReproduced: string | undefined;

  if (replay) {
    if (replay.digest !== digest) {
      throw new ReplayTokenError(
        `replay token was made for a different version of topology "${replay.topology}" (digest ${replay.digest}, this file is ${digest})`,
      );
    }
    const trace = replaySteps(world, replay);
    let state = world.initial;
    let taken = 0;
    for (const [i, step] of trace.entries()) {
      const next = world.apply(state, step);
      if (!next) {
        notReproduced = `step ${i + 1} ("${step.text}") is refused when replayed`;
        break;
      }
      state = next;
      taken++;
    }
    if (notReproduced === undefined) {
      if (violated(state).includes(replay.property)) counterexamples.set(replay.property, { steps: trace });
      else notReproduced = `its state after ${trace.length} steps satisfies the property`;
    }
    steps = taken;
    main = {
      kind: 'replay',
      bound: { maxDepth: trace.length },
      distinctStates: taken + 1,
      depth: taken,
      ended: 'replayed',
    };
  } else if (options.mode === 'exhaustive') {
    const result = searchWorld(world, {
      maxDepth: options.maxDepth,
      maxStates: options.maxStates,
      properties: names,
      checker,
      goal: sdp.displayed,
      ...(options.store ? { store: options.store } : {}),
      ...(collector ? { taken: collector.taken, onState: collector.onState } : {}),
      ...(hooks.onProgress
        ? {
            onProgress: (p) =>
              hooks.onProgress!({ done: p.states, total: options.maxStates, phase: `depth ${p.depth}` }),
          }
        : {}),
    });
    for (const [name, trace] of result.counterexamples)
      counterexamples.set(name, { steps: trace, found: result.found.get(name)! });
    witness = result.witness;
    steps = result.transitions;
    main = {
      kind: 'exhaustive',
      bound: { maxDepth: options.maxDepth, maxStates: options.maxStates },
      distinctStates: result.distinctStates,
      depth: result.depth,
      ended: result.ended,
      ...(result.omissionProbability !== undefined
        ? { omissionProbability: result.omissionProbability }
        : {}),
    };
  } else {
    const result = randomSearch(collector ? countedWorld(world, collector) : world, {
      runs: shard?.runs ?? options.runs,
      maxDepth: options.maxDepth,
      seed: shard?.seed ?? options.seed,
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
    steps = result.steps;
    main = {
      kind: 'random',
      bound: { maxDepth: options.maxDepth, runs: shard?.runs ?? options.runs },
      distinctStates: result.distinctStates,
      depth: result.depth,
      ended: result.ended,
    };
  }
  const searches: SearchSummary[] = [main];
  collector?.freeze();
  let progress: PipelineProgress | undefined;
  if (!replay && selected.reachability && !witness) {
    const pipeline = searchPipeline(sdp, options.maxDepth, options.maxStates);
    witness = pipeline.witness;
    progress = pipeline.progress;
    searches.push(pipeline.summary);
  }
  const pipelineRuns = replay ? true : witness !== undefined;
  const vacuousReason =
    'the legitimate pipeline never shows a frame of the stream within the bound, so nothing protected ever exists to leak';

  const results: PropertyResult[] = invariants.map((invariant) => {
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
          ...(found.found !== undefined ? { found: found.found } : {}),
        },
      };
    }
    if (notReproduced !== undefined) {
      return {
        ...base,
        status: 'notReproduced' as const,
        reason: `the replayed trace no longer violates ${invariant.name}: ${notReproduced}`,
      };
    }
    if (!pipelineRuns) return { ...base, status: 'vacuous' as const, reason: vacuousReason };
    return { ...base, status: 'holds' as const };
  });
  if (selected.reachability && !replay) {
    results.push({
      name: pipelineReachable.name,
      summary: pipelineReachable.summary,
      kind: pipelineReachable.kind,
      ...(witness
        ? { status: 'holds' as const, witness: { steps: traceSteps(witness) } }
        : {
            status: 'vacuous' as const,
            reason: `no run of the legitimate parties displays a frame of the stream within the bound${progress ? `: ${progress.says}` : ''}`,
          }),
    });
  }
  return {
    ...head,
    verdict: verdictOf(results),
    properties: results,
    statistics: {
      steps,
      distinctStates: main.distinctStates,
      depth: main.depth,
      boundReached: searches.some(
        (search) => search.ended === 'depthBound' || search.ended === 'stateBound' || search.ended === 'runs',
      ),
      ended: main.ended,
      searches,
      durationMs: Math.round(performance.now() - started),
    },
    assumptions: assumptionsOf(topology),
    ...(collector ? { coverage: coverageOf(world, collector, progress) } : {}),
  };
}
