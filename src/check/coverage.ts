/**
 * Turns what a `CoverageCollector` saw into the report's `coverage`: step counts, the steps
 * never taken with their nearest refusal (tried again at the collector's sample of stored
 * states), and per machine the leaf states visited and the (state, event) pairs taken against
 * the machine's chart.
 */
import type { AnyStateMachine } from 'xstate';
import { allStates, isWithin, machineGraph } from '../render/machineGraph.ts';
import type { World } from '../world/world.ts';
import type { CoverageCollector } from './coverageCollector.ts';
import type { Coverage, MachineCoverage, PipelineProgress, StepCount } from './coverageReport.ts';
import { nearestRefusal } from './stepRefusals.ts';

const percent = (part: number, whole: number) => (whole === 0 ? 100 : Math.round((1000 * part) / whole) / 10);

/** A machine's chart: its leaf states, and per leaf the events some transition takes there. */
function chartOf(machine: AnyStateMachine): { states: string[]; pairs: string[] } {
  const graph = machineGraph(machine);
  const states = allStates(graph)
    .filter((node) => node.kind !== 'compound')
    .map((node) => node.id);
  const pairs = states.flatMap((state) => [
    ...new Set(graph.transitions.filter((t) => isWithin(state, t.source)).map((t) => `${state}|${t.event}`)),
  ]);
  return { states, pairs };
}

function machineCoverage(world: World, collected: CoverageCollector): MachineCoverage[] {
  const byMachine = new Map<AnyStateMachine, number[]>();
  for (const component of world.components) {
    const machine = component.stepper.machine;
    byMachine.set(machine, [...(byMachine.get(machine) ?? []), component.index]);
  }
  const takenPairs = new Set(
    [...collected.machineTransitions].map((key) => {
      const [component, state, event] = key.split('|');
      return `${world.components[Number(component)]!.stepper.machine.id}|${state}|${event}`;
    }),
  );
  return [...byMachine].map(([machine, components]) => {
    const chart = chartOf(machine);
    const visited = new Set(
      components.flatMap((c) => collected.visitedIds(c).map((id) => world.snapshot(c, id).value)),
    );
    const taken = chart.pairs.filter((pair) => takenPairs.has(`${machine.id}|${pair}`));
    const visitedStates = chart.states.filter((state) => visited.has(state));
    return {
      machine: `${machine.id}Machine`,
      components: components.length,
      states: {
        visited: visitedStates.length,
        total: chart.states.length,
        percent: percent(visitedStates.length, chart.states.length),
        unvisited: chart.states.filter((state) => !visited.has(state)),
      },
      transitions: {
        taken: taken.length,
        total: chart.pairs.length,
        percent: percent(taken.length, chart.pairs.length),
        untaken: chart.pairs.filter((pair) => !taken.includes(pair)).map((pair) => pair.replace('|', ' on ')),
      },
    };
  });
}

/** The coverage of one search of `world`, as the report carries it. */
export function coverageOf(
  world: World,
  collected: CoverageCollector,
  pipeline?: PipelineProgress,
): Coverage {
  const counts: StepCount[] = world.steps.map((step) => ({
    step: step.text,
    event: step.call,
    actor: step.actor,
    role: step.role,
    taken: collected.taken[step.index]!,
  }));
  const states = collected.sample.states;
  const neverTaken = world.steps
    .filter((step) => collected.taken[step.index] === 0)
    .map((step) => {
      const found = nearestRefusal(world, step, states);
      const why = found.nearest ?? {
        kind: 'unexpanded' as const,
        says: 'it applies only in states the search stored without expanding them (it stopped at a bound)',
        seenAt: found.enabledAt,
      };
      return { step: step.text, event: step.call, actor: step.actor, role: step.role, why };
    });
  const taken = counts.filter((count) => count.taken > 0).length;
  return {
    sampling: { states: states.length, of: collected.stored, method: collected.sample.method },
    steps: { taken, total: counts.length, percent: percent(taken, counts.length), counts },
    neverTaken,
    machines: machineCoverage(world, collected),
    ...(pipeline ? { pipeline } : {}),
  };
}
