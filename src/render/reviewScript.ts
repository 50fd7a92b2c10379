/**
 * The review page's only script, as text to inline: it routes the location hash to the side
 * panel (`#cell:<topology>:<property>`, `#design:<topology>`, `#compare:<a>,<b>`), so that the
 * browser's back button and the panel's own way back both return to the matrix; filters the
 * rows; opens the well-formedness columns; builds the compare view from the page's JSON data;
 * and steps through a trace, showing in the drawing the reach of the step shown.
 */
export const REVIEW_SCRIPT = `
(() => {
  const data = JSON.parse(document.getElementById('review-data').textContent);
  const layout = document.getElementById('layout');
  const panel = document.getElementById('side-panel');
  const body = document.getElementById('panel-body');
  const matrix = document.getElementById('matrix');
  const rows = [...matrix.querySelectorAll('tbody tr[data-topology]')];
  const slug = (text) => text.replace(/[^A-Za-z0-9_-]/g, '-');
  let current = 0;
  let last = 0;

  function show(step) {
    current = Math.max(0, Math.min(last, step));
    for (const el of body.querySelectorAll('.step-pages[data-step]')) el.hidden = Number(el.dataset.step) !== current;
    for (const el of body.querySelectorAll('ol.trace li[data-step], .seq-step[data-step]')) {
      el.classList.toggle('current', Number(el.dataset.step) === current);
    }
    for (const edge of body.querySelectorAll('.stepped-topology g.reach')) {
      const now = edge.classList.contains('s' + current);
      const before = current > 0 && edge.classList.contains('s' + (current - 1));
      edge.classList.toggle('off', !now && !before);
      edge.classList.toggle('gained', now && current > 0 && !before);
      edge.classList.toggle('lost', !now && before);
    }
    const label = document.getElementById('stepper-step');
    const heading = body.querySelector('.step-pages[data-step="' + current + '"] h3');
    if (label) { label.dataset.step = String(current); label.textContent = heading ? heading.textContent : String(current); }
    const prev = document.getElementById('stepper-prev');
    const next = document.getElementById('stepper-next');
    if (prev) prev.disabled = current === 0;
    if (next) next.disabled = current === last;
  }

  function fromTemplate(id) {
    const template = document.getElementById(id);
    if (!template) return false;
    body.replaceChildren(template.content.cloneNode(true));
    return true;
  }

  function element(tag, text, className) {
    const el = document.createElement(tag);
    if (text !== undefined) el.textContent = text;
    if (className) el.className = className;
    return el;
  }

  function table(head, lines) {
    const out = element('table', undefined, 'compare-table');
    const top = out.createTHead().insertRow();
    for (const name of head) top.appendChild(element('th', name));
    const tbody = out.createTBody();
    for (const line of lines) {
      const tr = tbody.insertRow();
      if (line.differs) tr.className = 'differs';
      else if (line.partial) tr.className = 'partial';
      const th = element('th', (line.differs ? '≠ ' : line.partial ? '∅ ' : '') + line.name);
      th.scope = 'row';
      tr.appendChild(th);
      for (const cell of line.cells) tr.appendChild(element('td', cell.text, cell.className));
    }
    return out;
  }

  function compare(names) {
    const designs = names.map((name) => data.designs.find((d) => d.topology === name)).filter(Boolean);
    if (designs.length < 2) return false;
    for (const box of matrix.querySelectorAll('.compare-pick')) box.checked = names.includes(box.value);
    updatePicks();
    const head = ['', ...designs.map((d) => d.topology)];
    const properties = data.properties.map((p) => {
      const cells = designs.map((d) => { const [status, text] = d.cells[p.name]; return { text, className: 'status-' + status }; });
      const statuses = designs.map((d) => d.cells[p.name][0]);
      // A property some designs do not check (pKVM's own well-formedness under Xen) does not
      // separate them by itself: only the statuses of the designs that check it are compared.
      const checked = statuses.filter((status) => status !== 'notChecked');
      const differs = new Set(checked).size > 1;
      return { name: p.name, cells, differs, partial: !differs && checked.length > 0 && checked.length < statuses.length };
    });
    const aspects = [];
    for (const d of designs) for (const [aspect] of d.facts) if (!aspects.includes(aspect)) aspects.push(aspect);
    const facts = aspects.map((aspect) => {
      const values = designs.map((d) => (d.facts.find(([a]) => a === aspect) || [aspect, '—'])[1]);
      return { name: aspect, cells: values.map((text) => ({ text })), differs: new Set(values).size > 1 };
    });
    const differing = properties.filter((p) => p.differs);
    const partial = properties.filter((p) => p.partial);
    const view = element('div', undefined, 'compare-view');
    view.appendChild(element('h2', 'Comparing ' + designs.length + ' designs'));
    view.appendChild(element('p', 'Verdicts: ' + designs.map((d) => d.topology + ' ' + d.verdict).join(' · '), 'compare-verdicts'));
    view.appendChild(element('h3', differing.length > 0
      ? differing.length + ' propert' + (differing.length === 1 ? 'y separates' : 'ies separate') + ' these designs'
      : 'No property separates these designs'));
    if (partial.length > 0) {
      view.appendChild(element('p', partial.length + ' propert' + (partial.length === 1 ? 'y is' : 'ies are')
        + ' checked for only some of them (marked ∅); where they are checked, they agree', 'compare-partial'));
    }
    const rest = properties.filter((p) => !p.differs && !p.partial);
    view.appendChild(table(head, [...differing, ...partial, ...rest])).id = 'compare-properties';
    const changed = facts.filter((f) => f.differs).length;
    view.appendChild(element('h3', 'Assumptions side by side (' + changed + ' of ' + facts.length + ' differ, marked ≠)'));
    view.appendChild(table(head, facts)).id = 'compare-assumptions';
    body.replaceChildren(view);
    return true;
  }

  function route() {
    const hash = decodeURIComponent(location.hash.slice(1));
    const [kind, first, second] = hash.split(':');
    for (const el of matrix.querySelectorAll('.selected')) el.classList.remove('selected');
    let opened = false;
    let selected;
    if (kind === 'cell' && first && second) {
      opened = fromTemplate('cell-' + slug(first) + '-' + second);
      selected = matrix.querySelector('td[data-topology="' + CSS.escape(first) + '"][data-property="' + CSS.escape(second) + '"]');
    } else if (kind === 'design' && first) {
      opened = fromTemplate('design-' + slug(first));
      selected = matrix.querySelector('tr[data-topology="' + CSS.escape(first) + '"]');
    } else if (kind === 'compare' && first) {
      opened = compare(first.split(','));
    }
    panel.hidden = !opened;
    layout.classList.toggle('with-panel', opened);
    if (!opened) { body.replaceChildren(); return; }
    if (selected) { selected.classList.add('selected'); reveal(selected); }
    const stepper = body.querySelector('.stepper');
    last = stepper ? Number(stepper.dataset.lastStep) : 0;
    show(0);
    panel.scrollTop = 0;
  }

  /** Scrolls the matrix so that a row or cell is in view, below the sticky header and right of the sticky columns. */
  function reveal(el) {
    const wrap = document.getElementById('matrix-wrap');
    const box = wrap.getBoundingClientRect();
    const own = el.getBoundingClientRect();
    const head = matrix.tHead.getBoundingClientRect().height;
    if (own.top < box.top + head) wrap.scrollTop -= box.top + head - own.top;
    else if (own.bottom > box.bottom) wrap.scrollTop += own.bottom - box.bottom;
    if (el.tagName !== 'TD' || el.classList.contains('verdict')) return;
    const sticky = matrix.querySelector('tbody td.verdict').getBoundingClientRect().right;
    if (own.left < sticky) wrap.scrollLeft -= sticky - own.left;
    else if (own.right > box.right) wrap.scrollLeft += own.right - box.right;
  }

  // Every panel is a history entry above the matrix's own; depth counts them, so that the way
  // back returns to the matrix in one step and the browser's back button one panel at a time.
  const depthNow = () => (history.state && history.state.depth) || 0;

  function go(hash) {
    if (decodeURIComponent(location.hash.slice(1)) === hash) return;
    history.pushState({ depth: depthNow() + 1 }, '', '#' + hash);
    route();
  }

  function back() {
    if (depthNow() > 0) history.go(-depthNow());
    else { history.replaceState({ depth: 0 }, '', location.pathname + location.search); route(); }
  }

  /** A hash the page did not set (a link typed or opened from elsewhere): keep the matrix below it. */
  function adopt() {
    if (history.state && history.state.depth !== undefined) return;
    const hash = location.hash;
    if (hash.length <= 1) { history.replaceState({ depth: 0 }, ''); return; }
    history.replaceState({ depth: 0 }, '', location.pathname + location.search);
    history.pushState({ depth: 1 }, '', hash);
  }

  function updatePicks() {
    const picked = matrix.querySelectorAll('.compare-pick:checked').length;
    const button = document.getElementById('compare-open');
    button.disabled = picked < 2;
    button.textContent = 'Compare ticked designs (' + picked + ')';
  }

  function filter() {
    const name = document.getElementById('filter-name').value.trim().toLowerCase();
    const verdict = document.getElementById('filter-verdict').value;
    const property = document.getElementById('filter-property').value;
    const status = document.getElementById('filter-status').value;
    const wanted = status === 'failing' ? ['violated', 'vacuous', 'notReproduced'] : [status];
    let shown = 0;
    for (const row of rows) {
      const cell = property ? row.querySelector('td[data-property="' + CSS.escape(property) + '"]') : null;
      const ok = (!name || row.dataset.topology.toLowerCase().includes(name)) &&
        (!verdict || row.dataset.verdict === verdict) &&
        (!property || (cell !== null && wanted.includes(cell.dataset.status)));
      row.hidden = !ok;
      if (ok) shown++;
    }
    for (const el of matrix.querySelectorAll('[data-property]')) el.classList.toggle('focus-column', property !== '' && el.dataset.property === property);
    const column = property ? matrix.querySelector('th[data-property="' + CSS.escape(property) + '"]') : null;
    if (column && column.classList.contains('wf-col')) wellFormed(true);
    document.getElementById('filter-count').textContent = shown + ' of ' + rows.length + ' designs';
  }

  function wellFormed(open) {
    matrix.classList.toggle('show-wf', open);
  }

  matrix.addEventListener('click', (event) => {
    const toggle = event.target.closest('.wf-toggle');
    if (toggle) { wellFormed(!matrix.classList.contains('show-wf')); return; }
    const button = event.target.closest('button[data-hash]');
    if (button) go(button.dataset.hash);
  });
  matrix.addEventListener('change', (event) => { if (event.target.matches('.compare-pick')) updatePicks(); });
  document.getElementById('compare-open').addEventListener('click', () => {
    go('compare:' + [...matrix.querySelectorAll('.compare-pick:checked')].map((box) => box.value).join(','));
  });
  for (const id of ['filter-name', 'filter-verdict', 'filter-property', 'filter-status']) {
    document.getElementById(id).addEventListener('input', filter);
  }
  body.addEventListener('click', (event) => {
    const link = event.target.closest('a[href^="#"]');
    if (link) { event.preventDefault(); go(decodeURIComponent(link.getAttribute('href').slice(1))); return; }
    if (event.target.closest('#stepper-next')) show(current + 1);
    else if (event.target.closest('#stepper-prev')) show(current - 1);
    else {
      const item = event.target.closest('ol.trace li[data-step]');
      if (item) show(Number(item.dataset.step));
    }
  });
  document.getElementById('panel-back').addEventListener('click', back);
  window.addEventListener('popstate', route);
  window.addEventListener('hashchange', () => { adopt(); route(); });
  document.addEventListener('keydown', (event) => {
    if (panel.hidden || event.target.matches('input, select, textarea')) return;
    if (event.key === 'Escape') back();
    else if (!body.querySelector('.stepper')) return;
    else if (event.key === 'ArrowRight') show(current + 1);
    else if (event.key === 'ArrowLeft') show(current - 1);
  });
  updatePicks();
  adopt();
  route();
})();
`;
