/**
 * The HTML a review shows for one matrix cell: for a violated property, the counterexample
 * to step through (headline and violations, replay command, the numbered trace, a stepper, a
 * table of the involved pages after each step, the design drawn with who reaches what after
 * the step shown, the sequence diagram and its Mermaid source); for a reachability property
 * that holds, its witness (the pipeline's run to a displayed frame) stepped the same way; for
 * any other property, what it claims and why it has that status. Pure: the page's script only
 * shows and hides what is here.
 */
import type { PropertyResult } from '../check/report.ts';
import type { PageAtStep, PageReader, TraceStates, TraceStepState } from '../check/traceStates.ts';
import { escapeHtml } from './markup.ts';
import { traceSequenceMermaid } from './mermaid.ts';
import { legendHtml } from './reviewDesign.ts';
import type { Drawing, ReviewEntry } from './reviewEntry.ts';
import { traceSequenceSvg } from './sequenceSvg.ts';
import { inlineSvg } from './svg.ts';
import { replayCommand } from './text.ts';
import { STEPPED_REACH_LEGEND } from './topologyGraph.ts';

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

function topologyLink(entry: ReviewEntry): string {
  return `<a href="#design:${escapeHtml(entry.report.topology)}">${escapeHtml(entry.report.topology)}</a> (<code>${escapeHtml(entry.report.file)}</code>)`;
}

function stepTitle(state: TraceStepState, last: number): string {
  if (state.index === 0) return `After boot (step 0 of ${last})`;
  const marker = state.violating ? '✖ ' : '';
  if (state.index === last && !state.violating)
    return `✔ Step ${state.index} of ${last}: ${state.step!.description}`;
  return `${marker}Step ${state.index} of ${last}: ${state.step!.description}`;
}

/** Parties with access, those outside the audience marked; readers of plaintext among them as a leak. */
function accessHtml(
  parties: readonly PageReader[],
  page: PageAtStep,
  audience: readonly string[],
  reads: boolean,
): string {
  if (parties.length === 0) return '<span class="none">nobody</span>';
  return parties
    .map((reader) => {
      const outside = !audience.includes(reader.party);
      const leak = reads && outside && page.plaintext.length > 0;
      const classes = ['reader', ...(outside ? ['outside'] : []), ...(leak ? ['leak'] : [])].join(' ');
      return `<span class="${classes}" title="${escapeHtml(reader.via)}">${escapeHtml(reader.party)} (${reader.kind === 'secure' ? 'secure' : reader.kind.toUpperCase()})</span>`;
    })
    .join(', ');
}

function pageTable(trace: TraceStates, state: TraceStepState): string {
  if (state.pages.length === 0) return '<p class="none">No page changes in this trace.</p>';
  const head = [
    'Page',
    'Buffer',
    'Content',
    ...trace.viewParties.map((p) => `${p} view`),
    'Readers',
    'Writers',
  ];
  const rows = state.pages.map((page) => {
    const changed = (aspect: PageAtStep['changed'][number]) =>
      page.changed.includes(aspect) ? ' changed' : '';
    const buffer = page.buffer
      ? `${escapeHtml(page.buffer.name)}: ${escapeHtml(page.buffer.state)}${page.buffer.holders.length ? ` <span class="holders">(held by ${escapeHtml(page.buffer.holders.join(', '))})</span>` : ''}`
      : '<span class="none">—</span>';
    const views = trace.viewParties.map((party) => {
      const view = page.views.find((v) => v.party === party);
      return `<td class="view${changed('views')}">${view ? escapeHtml(view.state) : '—'}</td>`;
    });
    return (
      `<tr data-page="${escapeHtml(page.label)}"${page.inViolation ? ' class="in-violation"' : ''}>` +
      `<th scope="row">${escapeHtml(page.label)}${page.inViolation ? ' <span class="mark" title="named by the violation">✖</span>' : ''}</th>` +
      `<td class="buffer${changed('buffer')}">${buffer}</td>` +
      `<td class="content${page.plaintext.length > 0 ? ' plaintext' : ''}${changed('content')}">${escapeHtml(page.content)}</td>` +
      views.join('') +
      `<td class="readers${changed('readers')}">${accessHtml(page.readers, page, trace.audience, true)}</td>` +
      `<td class="writers${changed('writers')}">${accessHtml(page.writers, page, trace.audience, false)}</td>` +
      '</tr>'
    );
  });
  return `<table class="page-table"><thead><tr>${head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The stepper, the trace beside the pages after each step, the drawing and the sequence diagram. */
function steppedHtml(trace: TraceStates, key: string, drawing: Drawing | undefined): string {
  const last = trace.states.length - 1;
  const steps = trace.states
    .map((state) => {
      if (state.index === 0) return '<li data-step="0" class="boot">after boot</li>';
      const step = state.step!;
      return `<li data-step="${state.index}"${state.violating ? ' class="violating"' : ''}>${state.violating ? '<span class="mark">✖</span> ' : ''}${escapeHtml(step.description)} <code>${escapeHtml(step.event)}</code></li>`;
    })
    .join('');
  const pages = trace.states
    .map((state) => {
      const effects =
        state.effects.length > 0
          ? `<ul class="effects">${state.effects.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul>`
          : '';
      return `<div class="step-pages${state.violating ? ' violating' : ''}" data-step="${state.index}"${state.index === 0 ? '' : ' hidden'}><h3>${escapeHtml(stepTitle(state, last))}</h3>${effects}${pageTable(trace, state)}</div>`;
    })
    .join('');
  return [
    `<div class="stepper" data-last-step="${last}">`,
    '<button type="button" id="stepper-prev" aria-label="previous step">◀ Prev</button>',
    `<span id="stepper-step" data-step="0" aria-live="polite">${escapeHtml(stepTitle(trace.states[0]!, last))}</span>`,
    '<button type="button" id="stepper-next" aria-label="next step">Next ▶</button>',
    '<span class="keys">(← and → keys step too)</span>',
    '</div>',
    '<div class="trace-columns">',
    `<ol class="trace" start="0">${steps}</ol>`,
    `<div class="pages">${pages}</div>`,
    '</div>',
    ...(drawing
      ? [
          `<figure class="stepped-topology">${inlineSvg(drawing.svg, `${key}-`)}${legendHtml(drawing.legend, STEPPED_REACH_LEGEND)}</figure>`,
        ]
      : []),
    `<figure class="sequence-figure">${traceSequenceSvg(trace, `arrow-${key}`)}<figcaption>The trace between the parties: each call goes from its caller to the machines it reaches; notes say what changed.</figcaption></figure>`,
    `<details class="mermaid-source"><summary>Mermaid source of the sequence diagram</summary><pre>${escapeHtml(traceSequenceMermaid(trace))}</pre></details>`,
  ].join('\n');
}

/** The panel content for a violated property, with everything the stepper steps through. */
export function counterexampleHtml(
  entry: ReviewEntry,
  result: PropertyResult,
  trace: TraceStates,
  key: string,
): string {
  const counterexample = result.counterexample!;
  const violations = counterexample.violations
    .map(
      (v) =>
        `<li><b>${escapeHtml(v.subject)}</b>: expected ${escapeHtml(v.expected)}; actual ${escapeHtml(v.actual)}${v.parties?.length ? ` <span class="parties">[${escapeHtml(v.parties.join(', '))}]</span>` : ''}</li>`,
    )
    .join('');
  return [
    '<header class="panel-head">',
    `<h2><span class="status-violated">✖</span> ${escapeHtml(result.name)} violated after ${plural(counterexample.steps.length, 'step')}</h2>`,
    `<p class="panel-topology">in ${topologyLink(entry)}</p>`,
    `<p class="claim">${escapeHtml(result.summary)}</p>`,
    `<ul class="violations">${violations}</ul>`,
    `<details class="replay"><summary>Replay command</summary><code>${escapeHtml(replayCommand(entry.report.file, counterexample.replay))}</code></details>`,
    '</header>',
    steppedHtml(trace, key, entry.traceDrawings.get(result.name)),
  ].join('\n');
}

/** The panel content for a reachability property that holds: its witness to step through. */
export function witnessHtml(
  entry: ReviewEntry,
  result: PropertyResult,
  trace: TraceStates,
  key: string,
): string {
  return [
    '<header class="panel-head">',
    `<h2><span class="status-holds">✔</span> ${escapeHtml(result.name)} holds: a frame is displayed after ${plural(trace.states.length - 1, 'step')}</h2>`,
    `<p class="panel-topology">in ${topologyLink(entry)}</p>`,
    `<p class="claim">${escapeHtml(result.summary)}</p>`,
    '<p class="reason">The witness: a run of the legitimate parties that displays a frame. Step through it to see who can reach the pages after each step.</p>',
    '</header>',
    steppedHtml(trace, key, entry.traceDrawings.get(result.name)),
  ].join('\n');
}

/** The panel content for a property that holds or is vacuous. */
export function propertyNoteHtml(entry: ReviewEntry, result: PropertyResult): string {
  const lines = [
    '<header class="panel-head">',
    result.status === 'holds'
      ? `<h2><span class="status-holds">✔</span> ${escapeHtml(result.name)} holds</h2>`
      : `<h2><span class="status-vacuous">!</span> ${escapeHtml(result.name)} is vacuous</h2>`,
    `<p class="panel-topology">in ${topologyLink(entry)}</p>`,
    `<p class="claim">${escapeHtml(result.summary)}</p>`,
    '</header>',
  ];
  if (result.status === 'vacuous') lines.push(`<p class="reason">${escapeHtml(result.reason ?? '')}</p>`);
  if (result.status === 'holds') {
    const bound = entry.report.statistics.boundReached
      ? `within the bound (max depth ${entry.report.bound.maxDepth}): deeper traces were not explored`
      : 'in every reachable state';
    lines.push(`<p class="reason">No counterexample ${escapeHtml(bound)}.</p>`);
  }
  if (result.witness) {
    lines.push(
      `<p>Reached by this run of the legitimate parties (${plural(result.witness.steps.length, 'step')}):</p>`,
      `<ol class="trace witness">${result.witness.steps
        .map((step) => `<li>${escapeHtml(step.description)} <code>${escapeHtml(step.event)}</code></li>`)
        .join('')}</ol>`,
    );
  }
  return lines.join('\n');
}
