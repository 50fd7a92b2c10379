/**
 * A check's coverage as an HTML fragment, for a design's panel in the review page: how far the
 * pipeline got and where it stopped, the steps with how often each was taken, the steps never
 * taken with what refused them (the guard, its code and the source it mirrors, or the world's
 * precondition), and each machine's states and transitions covered. Pure: coverage in, markup
 * out; it brings no styles or scripts, only class names (`coverage`, `reached`, `unreached`,
 * `never-taken`, `machines`).
 */
import type { Coverage, PipelineProgress, StepRefusal } from '../check/coverageReport.ts';
import { escapeHtml } from './markup.ts';

const count = (n: number) => n.toLocaleString('en-US');

function pipelineHtml(pipeline: PipelineProgress): string {
  const stages = pipeline.stages
    .map(
      (stage) =>
        `<li class="${stage.reached ? 'reached' : 'unreached'}">${stage.reached ? '✔' : '✖'} ${escapeHtml(stage.name)}: ${escapeHtml(stage.text)}</li>`,
    )
    .join('');
  return `<h4>Pipeline</h4><ol class="stages">${stages}</ol><p class="stuck">${escapeHtml(pipeline.says)}</p>`;
}

function refusalHtml(why: StepRefusal): string {
  const source = why.source
    ? ` <span class="source">${escapeHtml([...why.source.functions, ...why.source.files].join(', '))}</span>`
    : '';
  const guard = why.guard ? ` <code>${escapeHtml(why.guard)}</code>` : '';
  return `<span class="kind">${escapeHtml(why.kind)}</span>${guard}${source}: ${escapeHtml(why.says)} <span class="muted">(at ${count(why.seenAt)} sampled states)</span>`;
}

/** The coverage fragment. */
export function coverageHtml(coverage: Coverage): string {
  const { steps, sampling } = coverage;
  const stepRows = steps.counts
    .map(
      (step) =>
        `<tr${step.taken === 0 ? ' class="never-taken"' : ''}><td>${escapeHtml(step.step)}</td><td><code>${escapeHtml(step.event)}</code></td><td>${escapeHtml(step.role)}</td><td class="count">${count(step.taken)}</td></tr>`,
    )
    .join('');
  const never = coverage.neverTaken
    .map(
      (step) =>
        `<li>${escapeHtml(step.step)} <code>${escapeHtml(step.event)}</code><br>${refusalHtml(step.why)}</li>`,
    )
    .join('');
  const machines = coverage.machines
    .map((machine) => {
      const missing = [
        ...machine.states.unvisited.map((state) => `state ${state}`),
        ...machine.transitions.untaken,
      ];
      const details =
        missing.length === 0
          ? ''
          : `<details><summary>${missing.length} not covered</summary>${escapeHtml(missing.join(', '))}</details>`;
      return `<tr><td><code>${escapeHtml(machine.machine)}</code></td><td class="count">${machine.components}</td><td class="count">${machine.states.visited}/${machine.states.total} (${machine.states.percent}%)</td><td class="count">${machine.transitions.taken}/${machine.transitions.total} (${machine.transitions.percent}%)</td><td>${details}</td></tr>`;
    })
    .join('');
  return [
    '<div class="coverage-report">',
    '<h3>Coverage</h3>',
    ...(coverage.pipeline ? [pipelineHtml(coverage.pipeline)] : []),
    `<h4>Steps: ${steps.taken} of ${steps.total} taken (${steps.percent}%)</h4>`,
    `<table class="steps"><thead><tr><th>step</th><th>call</th><th>role</th><th>taken</th></tr></thead><tbody>${stepRows}</tbody></table>`,
    ...(never
      ? [
          `<h4>Never taken, and why</h4><p class="muted">Each step was tried again at ${count(sampling.states)} of the ${count(sampling.of)} stored states (${escapeHtml(sampling.method)}); the refusal that came nearest is shown.</p>`,
          `<ul class="never-taken">${never}</ul>`,
        ]
      : []),
    '<h4>Machines</h4>',
    `<table class="machines"><thead><tr><th>machine</th><th>instances</th><th>states visited</th><th>transitions taken</th><th></th></tr></thead><tbody>${machines}</tbody></table>`,
    '</div>',
  ].join('\n');
}
