/**
 * The review page's style sheet, as text to inline. The page fills the window: a short header,
 * then the matrix pane (its header row and its first three columns stay in view while it
 * scrolls) and, when something is open, the side panel beside it, each scrolling on its own.
 */
export const REVIEW_STYLE = `
:root { --ink: #111827; --muted: #6b7280; --line: #d1d5db; --holds: #15803d; --violated: #b91c1c; --vacuous: #b45309; --focus: #fef3c7; --accent: #2563eb; --pick: 32px; --design: 340px; --verdict: 118px; }
* { box-sizing: border-box; }
html, body { height: 100%; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink); background: #f9fafb; display: flex; flex-direction: column; }
header.page { padding: 8px 16px 4px; }
header.page p { margin: 2px 0; }
h1 { font-size: 19px; margin: 0; }
h2 { font-size: 17px; margin: 0 0 6px; }
h3 { font-size: 15px; margin: 10px 0 6px; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.muted, .file, .none, .holders, .keys, .legend { color: var(--muted); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
#layout { flex: 1; min-height: 0; display: grid; grid-template-columns: minmax(0, 1fr); gap: 12px; padding: 0 16px 12px; }
#layout.with-panel { grid-template-columns: minmax(0, 40%) minmax(0, 60%); }
.matrix-pane { display: flex; flex-direction: column; min-height: 0; min-width: 0; }
.toolbar { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; padding: 6px 0; }
.toolbar label { color: #374151; }
.toolbar input, .toolbar select, .toolbar button { font: inherit; font-size: 13px; }
.toolbar input[type=search] { width: 15em; }
#compare-open:not(:disabled) { background: var(--accent); color: #fff; border: 1px solid var(--accent); border-radius: 4px; padding: 2px 10px; }
.matrix-wrap { flex: 1; min-height: 0; overflow: auto; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
table.matrix { border-collapse: separate; border-spacing: 0; width: max-content; }
table.matrix th, table.matrix td { border-bottom: 1px solid var(--line); padding: 3px 4px; text-align: center; background: #fff; }
table.matrix thead { position: sticky; top: 0; z-index: 3; }
table.matrix thead th { background: #f3f4f6; vertical-align: bottom; font-weight: 600; font-size: 12px; }
table.matrix thead th.property { width: 78px; min-width: 78px; max-width: 78px; line-height: 1.2; word-break: normal; overflow-wrap: normal; }
table.matrix th.group { text-align: left; border-bottom: 2px solid var(--line); }
table.matrix th.group.safety { border-bottom-color: var(--violated); }
table.matrix th.group.reachability { border-bottom-color: var(--vacuous); }
table.matrix th.group.wellFormed { border-bottom-color: var(--muted); }
table.matrix th.wf-summary { width: 96px; }
.wf-toggle { font: inherit; font-weight: 600; background: none; border: 1px solid var(--line); border-radius: 4px; cursor: pointer; padding: 1px 6px; }
table.matrix:not(.show-wf) .wf-col, table.matrix.show-wf .wf-summary { display: none; }
table.matrix .pick, table.matrix .design, table.matrix .verdict { position: sticky; z-index: 1; }
table.matrix thead .pick, table.matrix thead .design, table.matrix thead .verdict { z-index: 4; }
table.matrix .pick { left: 0; width: var(--pick); min-width: var(--pick); }
table.matrix .design { left: var(--pick); width: var(--design); min-width: var(--design); max-width: var(--design); text-align: left; }
table.matrix .verdict { left: calc(var(--pick) + var(--design)); width: var(--verdict); min-width: var(--verdict); text-align: left; border-right: 2px solid var(--line); }
#layout.with-panel table.matrix { --design: 220px; }
.design-open { font: inherit; font-weight: 600; color: #1d4ed8; background: none; border: 0; padding: 0; text-align: left; cursor: pointer; overflow-wrap: anywhere; }
.design-open:hover { text-decoration: underline; }
table.matrix td button { font: inherit; font-weight: 700; border: 1px solid transparent; background: none; border-radius: 4px; padding: 1px 5px; cursor: pointer; min-width: 2.8em; }
table.matrix td button:hover, table.matrix td button:focus-visible { border-color: var(--ink); }
table.matrix td[data-status=holds], table.matrix td[data-status=holds] button { color: var(--holds); }
table.matrix td[data-status=violated] button { color: #fff; background: var(--violated); }
table.matrix td.wf-summary[data-status=violated] { color: var(--violated); font-weight: 700; }
table.matrix td[data-status=vacuous], table.matrix td[data-status=vacuous] button { color: var(--vacuous); }
table.matrix td[data-status=vacuous] button { background: #fef3c7; }
table.matrix td[data-status=notChecked] { color: var(--muted); }
table.matrix tr.selected > *, table.matrix td.selected { background: #dbeafe; }
table.matrix td.selected button { outline: 3px solid var(--accent); }
table.matrix .focus-column { background: #fffbeb; }
td.verdict { font-weight: 600; white-space: nowrap; }
td.verdict.pass { color: var(--holds); }
td.verdict.violation, td.verdict.unbootable, td.verdict.notReproduced { color: var(--violated); }
td.verdict.vacuous { color: var(--vacuous); }
#side-panel { min-height: 0; min-width: 0; display: flex; flex-direction: column; background: #fff; border: 2px solid var(--accent); border-radius: 6px; }
#side-panel[hidden] { display: none; }
.panel-bar { display: flex; gap: 12px; align-items: center; padding: 6px 12px; border-bottom: 1px solid var(--line); background: #eff6ff; }
#panel-back { font: inherit; font-weight: 600; padding: 3px 12px; cursor: pointer; }
#panel-body { flex: 1; min-height: 0; overflow: auto; padding: 10px 14px; }
.status-holds { color: var(--holds); }
.status-violated, .status-notReproduced { color: var(--violated); }
.status-vacuous { color: var(--vacuous); }
.status-notChecked { color: var(--muted); }
.claim, .reason { color: #374151; }
ul.violations li { margin: 2px 0; }
.replay code { word-break: break-all; }
.stepper { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; margin: 10px 0; padding: 8px; background: #eff6ff; border-radius: 6px; position: sticky; top: -10px; z-index: 2; }
.stepper button { font: inherit; padding: 4px 12px; }
#stepper-step { font-weight: 600; }
.trace-columns { display: grid; grid-template-columns: minmax(200px, 1fr) 2.2fr; gap: 14px; align-items: start; }
ol.trace { margin: 0; padding-left: 2.2em; }
ol.trace li { padding: 3px 6px; border-radius: 4px; cursor: pointer; }
ol.trace li.current { background: var(--focus); outline: 1px solid #f59e0b; }
ol.trace li.violating, .mark { color: var(--violated); }
ol.trace li.violating { font-weight: 600; }
ol.trace.boot li { cursor: default; }
.step-pages.violating h3 { color: var(--violated); }
ul.effects { margin: 0 0 8px; padding-left: 1.2em; color: #374151; }
.pages { overflow-x: auto; }
table.page-table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
table.page-table th, table.page-table td { border: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; }
table.page-table thead th { background: #f3f4f6; }
table.page-table tr.in-violation th { color: var(--violated); }
table.page-table td.changed { background: var(--focus); }
td.content.plaintext { font-weight: 600; }
.reader.outside { color: var(--violated); }
.reader.leak { font-weight: 700; text-decoration: underline wavy var(--violated); }
figure { margin: 12px 0; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 12px; }
ul.drawing-legend { list-style: none; margin: 4px 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: 2px 16px; }
ul.drawing-legend li { display: flex; align-items: center; gap: 6px; }
.stepped-topology g.reach.off { display: none; }
.stepped-topology g.reach.gained path { stroke-width: 4; }
.stepped-topology g.reach.gained text { font-weight: 700; }
.stepped-topology g.reach.lost { opacity: 0.25; }
svg.sequence { font-family: system-ui, Helvetica, Arial, sans-serif; }
svg.sequence .seq-head { fill: #eef2ff; stroke: #4f46e5; }
svg.sequence .seq-lifeline { stroke: #9ca3af; stroke-dasharray: 4 4; }
svg.sequence .seq-arrow { stroke: #111827; fill: none; stroke-width: 1.3; }
svg.sequence marker path { fill: #111827; }
svg.sequence .seq-row { fill: transparent; }
svg.sequence .seq-violating .seq-row { fill: #fee2e2; }
svg.sequence .seq-step.current .seq-row { fill: var(--focus); stroke: #f59e0b; }
svg.sequence .seq-note-effect { fill: #fffbeb; stroke: #d97706; }
svg.sequence .seq-note-violation { fill: #fee2e2; stroke: var(--violated); }
svg.sequence text { fill: #111827; }
ul.properties li { margin: 2px 0; }
ul.properties a { text-decoration: none; color: inherit; }
table.compare-table { border-collapse: collapse; width: 100%; font-size: 13px; margin-bottom: 8px; }
table.compare-table th, table.compare-table td { border: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; }
table.compare-table thead th { background: #f3f4f6; }
table.compare-table tr.differs > * { background: #fff7ed; }
table.compare-table tr.differs th { color: #9a3412; }
table.compare-table tr.partial th { color: #6b7280; }
@media print { #side-panel { display: none; } body { display: block; } .matrix-wrap { overflow: visible; } }
`;
