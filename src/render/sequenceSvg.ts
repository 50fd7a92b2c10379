/**
 * A counterexample as a sequence diagram in SVG, laid out here so that a report needs no
 * diagram library: the same picture as `traceSequenceMermaid`, one column per party, one row
 * per step (the call as an arrow from the caller to the parties it reaches, its effects as a
 * note, the violating step shaded with what it breaks). Each row is a group carrying
 * `data-step`, so a page can highlight the step being looked at. Pure.
 */
import type { TraceStates } from '../check/traceStates.ts';
import { escapeHtml, wrapWords } from './markup.ts';

const FONT_SIZE = 12;
/** Average advance of a character at `FONT_SIZE` in a sans-serif face, for wrapping. */
const CHAR_WIDTH = 6.6;
const LINE = 15;
const COLUMN_GAP = 200;
const HEAD_WIDTH = 150;
const HEAD_HEIGHT = 30;
const MARGIN = 16;

function text(x: number, y: number, content: string, anchor: 'start' | 'middle', extra = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" text-anchor="${anchor}"${extra}>${escapeHtml(content)}</text>`;
}

function wrapToWidth(content: string, width: number): string[] {
  return wrapWords(content, Math.max(16, Math.floor(width / CHAR_WIDTH)));
}

/** The sequence diagram of a counterexample as an `<svg>` element (no XML prolog). */
export function traceSequenceSvg(trace: TraceStates, markerId = 'sequence-arrow'): string {
  const parties = trace.participants.length > 0 ? trace.participants : ['host'];
  const centre = (party: string) =>
    MARGIN + HEAD_WIDTH / 2 + Math.max(0, parties.indexOf(party)) * COLUMN_GAP;
  let right = centre(parties.at(-1)!) + HEAD_WIDTH / 2 + MARGIN;
  let y = MARGIN + HEAD_HEIGHT + 16;
  const rows: string[] = [];

  const note = (lines: string[], middle: number, width: number, kind: 'effect' | 'violation') => {
    const left = Math.max(4, middle - width / 2);
    const height = lines.length * (LINE - 1) + 10;
    right = Math.max(right, left + width + MARGIN);
    const out = [
      `<rect class="seq-note seq-note-${kind}" x="${left.toFixed(1)}" y="${y.toFixed(1)}" width="${width.toFixed(1)}" height="${height}" rx="3"/>`,
      ...lines.map((line, i) => text(left + 8, y + 14 + i * (LINE - 1), line, 'start')),
    ];
    y += height + 6;
    return out;
  };

  for (const state of trace.states.slice(1)) {
    const step = state.step!;
    const top = y - 8;
    const callees = state.callees.length > 0 ? state.callees : [step.actor];
    const from = centre(step.actor);
    const targets = callees.map(centre);
    const far = targets.reduce((a, b) => (Math.abs(b - from) > Math.abs(a - from) ? b : a), targets[0]!);
    const self = far === from;
    const span = Math.abs(far - from);
    const labelWidth = self ? 300 : Math.max(span - 16, 260);
    const label = wrapToWidth(`${step.index}. ${step.description} [${step.event}]`, labelWidth);
    const body: string[] = [];
    const labelX = self ? from + 12 : (from + far) / 2;
    label.forEach((line, i) => {
      body.push(text(labelX, y + i * LINE, line, self ? 'start' : 'middle', ' class="seq-label"'));
    });
    right = Math.max(right, self ? from + 12 + labelWidth : (from + far) / 2 + labelWidth / 2 + MARGIN);
    y += (label.length - 1) * LINE + 8;
    if (self) {
      body.push(`<path class="seq-arrow" d="M${from},${y} h36 v16 h-34" marker-end="url(#${markerId})"/>`);
      y += 24;
    } else {
      for (const target of targets) {
        const dashed = target === far ? '' : ' stroke-dasharray="4 3"';
        body.push(
          `<line class="seq-arrow" x1="${from}" y1="${y}" x2="${target + (target > from ? -2 : 2)}" y2="${y}" marker-end="url(#${markerId})"${dashed}/>`,
        );
      }
      y += 12;
    }
    const low = Math.min(from, far);
    const high = Math.max(from, far);
    const middle = (low + high) / 2;
    const noteWidth = Math.max(high - low + 120, 300);
    if (state.effects.length > 0) {
      const lines = state.effects.flatMap((effect) => wrapToWidth(effect, noteWidth - 16));
      body.push(...note(lines, middle, noteWidth, 'effect'));
    }
    if (state.violating) {
      const lines = [
        `✖ ${trace.property}`,
        ...trace.violations.flatMap((v) => wrapToWidth(`${v.subject}: ${v.actual}`, noteWidth - 16)),
      ];
      body.push(...note(lines, middle, noteWidth, 'violation'));
    }
    const bottom = y + 2;
    rows.push(
      `<g class="seq-step${state.violating ? ' seq-violating' : ''}" data-step="${state.index}">` +
        `<rect class="seq-row" x="2" y="${top.toFixed(1)}" width="__WIDTH__" height="${(bottom - top).toFixed(1)}"/>` +
        body.join('') +
        '</g>',
    );
    y += 14;
  }

  const width = Math.ceil(right);
  const height = Math.ceil(y + 4);
  const heads = parties.map((party) => {
    const x = centre(party);
    return (
      `<line class="seq-lifeline" x1="${x}" y1="${MARGIN + HEAD_HEIGHT}" x2="${x}" y2="${height - 4}"/>` +
      `<rect class="seq-head" x="${x - HEAD_WIDTH / 2}" y="${MARGIN}" width="${HEAD_WIDTH}" height="${HEAD_HEIGHT}" rx="4"/>` +
      text(x, MARGIN + 19, party, 'middle', ' class="seq-head-label"')
    );
  });
  return [
    `<svg class="sequence" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" font-size="${FONT_SIZE}">`,
    `<title>${escapeHtml(`${trace.property} violated in ${trace.topology}: the trace between the parties`)}</title>`,
    `<defs><marker id="${markerId}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>`,
    ...heads,
    ...rows.map((row) => row.replace('__WIDTH__', String(width - 4))),
    '</svg>',
  ].join('\n');
}
