// The researcher's page (docs/workspace.md, "Researcher"): label
// distributions beside the adjudicated outcome per record and field,
// agreement per calibration batch, calibration per physician (pseudonyms
// only), and the dataset versions with their downloads (web/datasets.js).
// Never record content: the routes it reads carry values and statistics,
// not the text, and downloaded exports are saved, never shown.
import { api, describeError, el } from '/app/api.js';
import { projectsOf } from '/app/readpage.js';
import { loadVersions, versionsPanel } from '/app/datasets.js';

const enc = encodeURIComponent;
let project = '';
let lastSeq = null;
// The agreement documents last shown, by batch ('' for the whole project),
// for the κ heatmap.
let agreementDocs = [];

// A figure: rounded to 4 decimals on screen, exact in data-value (the
// browser test compares both with the API's numbers).
export function num(x) {
  if (x === null || x === undefined) return el('td', { class: 'num', 'data-value': 'null', text: '—' });
  return el('td', { class: 'num', 'data-value': String(x), text: Number.isInteger(x) ? String(x) : x.toFixed(4) });
}
const rate = (r) => (r && r.compared ? el('td', { class: 'num', 'data-value': String(r.rate), text: r.rate.toFixed(4) + ' (' + r.matched + '/' + r.compared + ')' })
  : el('td', { class: 'num', 'data-value': 'null', text: '—' }));
const head = (...hs) => el('thead', {}, el('tr', {}, hs.map((h) => el('th', { scope: 'col', text: h }))));

function panel(id, title, ...children) {
  return el('section', { class: 'panel', id, 'aria-labelledby': id + '-title' }, el('h3', { id: id + '-title', text: title }), ...children);
}

function queryForm(id, inputs, onSubmit, button) {
  const form = el('form', { id: id + '-form' }, inputs.flatMap((i) => [el('label', { for: i.id, text: i.label }),
    el('input', { id: i.id, type: 'text', value: i.value || '', placeholder: i.placeholder || '', 'aria-describedby': i.hint ? i.id + '-hint' : null }),
    i.hint ? el('p', { class: 'hint', id: i.id + '-hint', text: i.hint }) : null]),
  el('div', { class: 'actions' }, el('button', { type: 'submit' }, button)));
  const out = el('div', { id: id + '-out', 'aria-live': 'polite' });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    out.replaceChildren(el('p', { text: 'Loading…' }));
    try {
      out.replaceChildren(await onSubmit(Object.fromEntries(new FormData(form).entries()), Object.fromEntries(inputs.map((i) => [i.id, form.querySelector('#' + i.id).value.trim()]))));
    } catch (e) {
      out.replaceChildren(el('p', { class: 'error', role: 'alert', text: describeError(e) }));
    }
    out.dataset.loaded = String(Date.now());
  });
  return [form, out];
}

const list = (s) => s.split(/[\s,]+/).filter(Boolean);

export async function render(page, me, role) {
  const projects = projectsOf(me, role);
  project = projects[0] || '';
  const chooser = projects.length === 1
    ? el('p', { class: 'hint', text: 'Project ' + project + '. Annotators appear by pseudonym; no record content is shown here.' })
    : el('div', {}, el('label', { for: 'res-project', text: 'Project' }),
      projects.length ? el('select', { id: 'res-project' }, projects.map((p) => el('option', { value: p, text: p })))
        : el('input', { id: 'res-project', type: 'text', placeholder: 'project id' }));
  page.append(el('h2', { text: 'Research' }), chooser);
  const sel = chooser.querySelector && chooser.querySelector('#res-project');
  if (sel) sel.addEventListener('change', () => { project = sel.value.trim(); loadVersions(); });

  page.append(panel('res-dist', 'Label distribution and adjudicated outcome, per record and field',
    el('p', { class: 'hint', text: 'Each read is recorded in the access history (it names annotation values).' }),
    ...queryForm('res-dist', [{ id: 'dist-records', label: 'Record ids (separated by spaces or commas)' },
      { id: 'dist-field', label: 'Field (optional; a path such as primary_diagnosis)' }], (_, v) => distributions(list(v['dist-records']), v['dist-field']), 'Show distributions')));
  page.append(panel('res-agr', 'Agreement per calibration batch',
    el('p', { class: 'hint', text: 'Point estimates as the agreement route gives them: it gives no confidence intervals (consilium report draws bootstrap intervals; docs/report.md).' }),
    ...queryForm('res-agr', [{ id: 'agr-batches', label: 'Calibration batches (separated by spaces or commas; empty: the whole project)', placeholder: 'cal-1 cal-2' },
      { id: 'agr-field', label: 'Field (optional)' }], (_, v) => agreement(list(v['agr-batches']), v['agr-field']), 'Show agreement')));
  const kappaSel = el('select', { id: 'kappa-field' });
  kappaSel.addEventListener('change', showKappa);
  page.append(panel('res-kappa', 'Pairwise agreement between physicians (κ heatmap)',
    el('label', { for: 'kappa-field', text: 'Field, version and batch (from the agreement shown above)' }), kappaSel, el('div', { id: 'kappa-out', 'aria-live': 'polite' })));
  page.append(panel('res-cal', 'Calibration per physician', ...queryForm('res-cal', [], () => calibration(), 'Show calibration')));
  page.append(panel('res-export', 'Dataset versions and export', ...versionsPanel(() => project),
    el('h4', { text: 'With the command line' }), el('div', { id: 'export-howto' })));
  exportHowto();
  if (project) for (const id of ['res-agr-form', 'res-cal-form']) document.getElementById(id).requestSubmit();
  loadVersions();
  performance.mark('workspace-interactive');
}

async function distributions(records, field) {
  if (!records.length) throw new Error('Give at least one record id.');
  const rows = [];
  for (const r of records) {
    const d = await api('GET', '/v1/records/' + enc(r) + '/distribution?purpose=' + enc('research: distribution vs outcome'));
    lastSeq = d.as_of_seq;
    for (const f of d.fields) {
      if (field && f.path !== field && f.field_path !== field) continue;
      const counts = Object.entries(f.human.counts).sort((a, b) => b[1] - a[1]);
      const soft = f.soft_label ? Object.entries(f.soft_label).sort((a, b) => b[1] - a[1])[0] : null;
      const adj = f.adjudication || { state: 'not_disputed', value: null };
      rows.push(el('tr', { 'data-record': r, 'data-path': f.path, 'data-schema': f.schema_id + '@' + f.schema_version },
        el('th', { scope: 'row', text: r }), el('td', { text: f.path }), el('td', { text: f.schema_id + '@' + f.schema_version }),
        el('td', { class: 'counts', text: counts.map(([v, n]) => v + ': ' + n).join(', ') || '—' }),
        num(f.human.normalized_entropy),
        soft ? el('td', { class: 'num', 'data-value': String(soft[1]), 'data-label': soft[0], text: soft[0] + ' ' + soft[1].toFixed(4) })
          : el('td', { class: 'hint', text: f.soft_label_undefined_reason || '—' }),
        el('td', { class: 'outcome', 'data-state': adj.state, text: adj.state.replace(/_/g, ' ') + (adj.value !== null && adj.value !== undefined ? ': ' + JSON.stringify(adj.value) : '') })));
    }
  }
  exportHowto();
  return el('div', { class: 'wide', tabindex: '0', role: 'region', 'aria-label': 'Table (scrolls sideways)' }, el('table', { id: 'dist-table' }, el('caption', { text: 'Readers\' values beside the adjudicated outcome' }),
    head('Record', 'Field', 'Schema', 'Readers\' values (count)', 'Normalized entropy', 'Soft label (top)', 'Adjudication'), el('tbody', {}, rows)));
}

async function agreement(batches, field) {
  const out = el('div', { class: 'wide', tabindex: '0', role: 'region', 'aria-label': 'Table (scrolls sideways)' });
  agreementDocs = [];
  for (const b of batches.length ? batches : ['']) {
    const q = new URLSearchParams();
    if (b) q.set('batch', b);
    if (field) q.set('field', field);
    const d = await api('GET', '/v1/projects/' + enc(project) + '/agreement' + (q.toString() ? '?' + q : ''));
    lastSeq = d.as_of_seq;
    agreementDocs.push({ batch: b, doc: d });
    out.append(el('table', { class: 'agreement', 'data-batch': b || 'all' },
      el('caption', { text: (b ? 'Batch ' + b : 'The whole project') + ' (as of event ' + d.as_of_seq + ')' }),
      head('Field', 'Schema', 'Metric', 'Statistic', 'Value', 'Items', 'Raters', 'Ratings', 'Pairwise % agreement'),
      el('tbody', {}, d.fields.map((f) => el('tr', { 'data-path': f.path, 'data-schema': f.schema_id + '@' + f.schema_version },
        el('th', { scope: 'row', text: f.path }), el('td', { text: f.schema_id + '@' + f.schema_version }), el('td', { text: f.metric }),
        el('td', { text: f.primary_statistic.replace(/_/g, ' ') }), num(f.primary), num(f.primary_items), num(f.raters), num(f.primary_ratings),
        num(f.percent_agreement_pairwise))))));
  }
  exportHowto();
  kappaChoices();
  return out;
}

// ---- the pairwise κ heatmap (Cohen's κ of every pair of physicians) ----

function kappaChoices() {
  const sel = document.getElementById('kappa-field');
  if (!sel) return;
  const keep = sel.value;
  sel.replaceChildren(...agreementDocs.flatMap(({ batch, doc }) => doc.fields.filter((f) => (f.cohen_kappa_pairs || []).length)
    .map((f) => { const v = (batch || 'all') + '|' + f.path + '|' + f.schema_version; return el('option', { value: v, selected: v === keep, text: (batch ? 'batch ' + batch : 'whole project') + ': ' + f.path + ' (v' + f.schema_version + ')' }); })));
  showKappa();
}

// Light backgrounds, dark text: κ < 0, then steps of 0.2 up to 1.
const heatClass = (k) => (k === null || k === undefined ? 'heat-na' : 'heat-' + (k < 0 ? 0 : Math.min(5, 1 + Math.floor(k / 0.2))));

function showKappa() {
  const sel = document.getElementById('kappa-field');
  const out = document.getElementById('kappa-out');
  if (!sel || !out) return;
  const [batch, path, version] = sel.value.split('|');
  const entry = agreementDocs.find((a) => (a.batch || 'all') === batch);
  const f = entry && entry.doc.fields.find((x) => x.path === path && String(x.schema_version) === version);
  if (!f) { out.replaceChildren(el('p', { class: 'hint', text: 'Show agreement first; fields with pairwise κ appear here.' })); return; }
  const names = f.rater_names;
  const kappa = (a, b) => {
    const p = f.cohen_kappa_pairs.find((x) => (x.rater_a === a && x.rater_b === b) || (x.rater_a === b && x.rater_b === a));
    return p ? p.cohen_kappa : null;
  };
  out.replaceChildren(el('div', { class: 'wide', tabindex: '0', role: 'region', 'aria-label': 'κ heatmap (scrolls sideways)' },
    el('table', { id: 'kappa-table', class: 'heatmap' }, el('caption', { text: 'Cohen\'s κ (unweighted) of each pair on ' + path + ', v' + version }),
      head('', ...names),
      el('tbody', {}, names.map((a) => el('tr', {}, el('th', { scope: 'row', text: a }), names.map((b) => {
        if (a === b) return el('td', { class: 'heat-self', text: '—' });
        const k = kappa(a, b);
        return el('td', { class: 'num ' + heatClass(k), 'data-value': String(k), text: k === null ? 'n/a' : k.toFixed(2) });
      })))))),
    el('p', { class: 'legend' }, 'κ: ', ['< 0', '0–0.2', '0.2–0.4', '0.4–0.6', '0.6–0.8', '≥ 0.8'].map((t, i) => el('span', { class: 'heat-' + i, text: t }))));
}

async function calibration() {
  const d = await api('GET', '/v1/projects/' + enc(project) + '/calibration');
  lastSeq = d.as_of_seq;
  exportHowto();
  return el('div', { class: 'wide', tabindex: '0', role: 'region', 'aria-label': 'Table (scrolls sideways)' }, el('table', { id: 'cal-table' }, el('caption', { text: 'As of event ' + d.as_of_seq + '; rates with matched/compared' }),
    head('Physician', 'Annotations', 'Leave-one-out majority', 'Gold accuracy', 'Adjudicated accuracy', 'Ambiguous decisions', 'Brier score', 'Expected calibration error'),
    el('tbody', {}, d.annotators.map((a) => el('tr', { 'data-annotator': a.pseudonym || a.annotator },
      el('th', { scope: 'row', text: a.pseudonym || a.annotator }), num(a.annotations), rate(a.leave_one_out_majority), rate(a.gold_accuracy),
      rate(a.adjudicated_accuracy), num(a.ambiguous_decisions),
      num(a.confidence_calibration ? a.confidence_calibration.brier_score : null), num(a.confidence_calibration ? a.confidence_calibration.expected_calibration_error : null))))),
  el('h4', { text: 'Reliability of stated confidence' }),
  el('div', { class: 'reliability' }, d.annotators.filter((a) => a.confidence_calibration).map(reliabilityFigure)));
}

// Stated confidence against accuracy per bin (the calibration route's
// bins): a point per non-empty bin, its area by count; the diagonal is
// perfect calibration. The figure's label lists the bins for screen readers.
function reliabilityFigure(a) {
  const NS = 'http://www.w3.org/2000/svg';
  const c = a.confidence_calibration;
  const bins = (c.bins || []).filter((b) => b.count > 0);
  const S = 100;
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '-12 -4 116 116');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'Reliability of ' + (a.pseudonym || a.annotator) + ': ' + (bins.length ? bins.map((b) =>
    'confidence ' + b.lower + ' to ' + b.upper + ', ' + b.count + ' items, mean confidence ' + b.mean_confidence.toFixed(3) + ', accuracy ' + b.accuracy.toFixed(3)).join('; ') : 'no rated items'));
  const add = (tag, attrs) => { const n = document.createElementNS(NS, tag); for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v); svg.append(n); return n; };
  add('rect', { x: 0, y: 0, width: S, height: S, fill: '#fff', stroke: '#555', 'stroke-width': 0.6 });
  add('line', { x1: 0, y1: S, x2: S, y2: 0, stroke: '#999', 'stroke-dasharray': '3 2', 'stroke-width': 0.6 });
  const max = Math.max(1, ...bins.map((b) => b.count));
  for (const b of bins) add('circle', { cx: b.mean_confidence * S, cy: S - b.accuracy * S, r: 1.5 + 5 * Math.sqrt(b.count / max), fill: '#1c6fc4', 'fill-opacity': 0.7 });
  for (const [t, x, y] of [['0', -8, S + 2], ['1', S - 2, S + 10], ['1', -8, 4]]) add('text', { x, y, 'font-size': 8, fill: '#333' }).textContent = t;
  return el('figure', { class: 'reliability-fig' }, svg,
    el('figcaption', { text: (a.pseudonym || a.annotator) + ': ECE ' + (c.expected_calibration_error ?? NaN).toFixed(3) + ' (x: stated confidence, y: accuracy)' }));
}

// The same export with the command line on the server's data directory
// (docs/snapshots.md), for the position the page's figures were read at.
function exportHowto() {
  const box = document.getElementById('export-howto');
  if (!box) return;
  const seq = lastSeq === null ? 'SEQ' : String(lastSeq);
  box.replaceChildren(
    el('p', { text: 'On the server\'s data directory (while no server holds it, or for a size that has a signed checkpoint), for the ledger position of the figures above:' }),
    el('pre', { class: 'mono', id: 'export-command', text: 'consilium snapshot export --data DIR --project ' + (project || 'PROJECT') + ' --as-of ' + seq + ' --out OUTDIR\n' +
      'consilium snapshot verify OUTDIR --vkey VKEY' }),
    el('p', { class: 'hint', text: 'Add --content hash to leave record content out of the export; --tag NAME exports a tagged version instead of --as-of.' }));
}
