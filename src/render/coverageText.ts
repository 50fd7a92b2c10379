/**
 * A check's coverage as text: how far the pipeline got, each step with how often it was taken,
 * the steps never taken with what refused them, and each machine's states and transitions
 * covered. Pure: coverage in, lines out.
 */
import type { Coverage, MachineCoverage, PipelineProgress } from '../check/coverageReport.ts';

/** How many untaken transitions a machine's line lists before "and N more". */
const LISTED = 6;

const count = (n: number) => n.toLocaleString('en-US');

function listed(items: readonly string[]): string {
  const shown = items.slice(0, LISTED).join(', ');
  return items.length > LISTED ? `${shown}, and ${items.length - LISTED} more` : shown;
}

/** The pipeline's stages, marked reached or not, and where it stopped. */
export function pipelineLines(pipeline: PipelineProgress): string[] {
  const stages = pipeline.stages.map((stage) => `${stage.reached ? '✔' : '✖'} ${stage.name}`).join('  ');
  return [`  pipeline (${pipeline.search} search): ${stages}`, `    ${pipeline.says}`];
}

function machineLines(machine: MachineCoverage): string[] {
  const { states, transitions } = machine;
  const lines = [
    `    ${machine.machine} ×${machine.components}: states ${states.visited}/${states.total} (${states.percent}%), transitions ${transitions.taken}/${transitions.total} (${transitions.percent}%)`,
  ];
  if (states.unvisited.length > 0) lines.push(`      states never visited: ${listed(states.unvisited)}`);
  if (transitions.untaken.length > 0) lines.push(`      never taken: ${listed(transitions.untaken)}`);
  return lines;
}

/** The `Coverage` section of a text report. */
export function coverageLines(coverage: Coverage): string[] {
  const { steps, sampling } = coverage;
  const width = Math.max(...steps.counts.map((step) => count(step.taken).length));
  const lines = ['Coverage'];
  if (coverage.pipeline) lines.push(...pipelineLines(coverage.pipeline));
  lines.push(`  steps: ${steps.taken} of ${steps.total} taken (${steps.percent}%)`);
  for (const step of steps.counts) {
    lines.push(`    ${count(step.taken).padStart(width)}  ${step.step}  [${step.event}]`);
  }
  if (coverage.neverTaken.length > 0) {
    lines.push(
      `  never taken, and why (each tried again at ${count(sampling.states)} of the ${count(sampling.of)} stored states: ${sampling.method}):`,
    );
    for (const step of coverage.neverTaken) {
      lines.push(
        `    ${step.step}  [${step.event}]`,
        `      ${step.why.says}  (${step.why.kind}, at ${count(step.why.seenAt)} of the sampled states)`,
      );
    }
  }
  lines.push('  machines (leaf states visited; (state, event) transitions taken, against the chart):');
  for (const machine of coverage.machines) lines.push(...machineLines(machine));
  return lines;
}
