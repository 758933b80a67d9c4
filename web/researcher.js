// The researcher's page (docs/workspace.md, "Researcher"): label
// distributions beside the adjudicated outcome per record and field,
// agreement per calibration batch, calibration per physician (pseudonyms
// only), and how to export a dataset version. Never record content: the
// routes it reads carry values and statistics, not the text.
import { api, describeError, el } from '/app/api.js';
import { projectsOf } from '/app/readpage.js';

const enc = encodeURIComponent;
let project = '';
let lastSeq = null;

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
  if (sel) sel.addEventListener('change', () => { project = sel.value.trim(); });

  page.append(panel('res-dist', 'Label distribution and adjudicated outcome, per record and field',
    el('p', { class: 'hint', text: 'Each read is recorded in the access history (it names annotation values).' }),
    ...queryForm('res-dist', [{ id: 'dist-records', label: 'Record ids (separated by spaces or commas)' },
      { id: 'dist-field', label: 'Field (optional; a path such as primary_diagnosis)' }], (_, v) => distributions(list(v['dist-records']), v['dist-field']), 'Show distributions')));
  page.append(panel('res-agr', 'Agreement per calibration batch',
    el('p', { class: 'hint', text: 'Point estimates as the agreement route gives them: it gives no confidence intervals (consilium report draws bootstrap intervals; docs/report.md).' }),
    ...queryForm('res-agr', [{ id: 'agr-batches', label: 'Calibration batches (separated by spaces or commas; empty: the whole project)', placeholder: 'cal-1 cal-2' },
      { id: 'agr-field', label: 'Field (optional)' }], (_, v) => agreement(list(v['agr-batches']), v['agr-field']), 'Show agreement')));
  page.append(panel('res-cal', 'Calibration per physician', ...queryForm('res-cal', [], () => calibration(), 'Show calibration')));
  page.append(panel('res-export', 'Export a dataset version', el('div', { id: 'export-howto' })));
  exportHowto();
  if (project) for (const id of ['res-agr-form', 'res-cal-form']) document.getElementById(id).requestSubmit();
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
  for (const b of batches.length ? batches : ['']) {
    const q = new URLSearchParams();
    if (b) q.set('batch', b);
    if (field) q.set('field', field);
    const d = await api('GET', '/v1/projects/' + enc(project) + '/agreement' + (q.toString() ? '?' + q : ''));
    lastSeq = d.as_of_seq;
    out.append(el('table', { class: 'agreement', 'data-batch': b || 'all' },
      el('caption', { text: (b ? 'Batch ' + b : 'The whole project') + ' (as of event ' + d.as_of_seq + ')' }),
      head('Field', 'Schema', 'Metric', 'Statistic', 'Value', 'Items', 'Raters', 'Ratings', 'Pairwise % agreement'),
      el('tbody', {}, d.fields.map((f) => el('tr', { 'data-path': f.path, 'data-schema': f.schema_id + '@' + f.schema_version },
        el('th', { scope: 'row', text: f.path }), el('td', { text: f.schema_id + '@' + f.schema_version }), el('td', { text: f.metric }),
        el('td', { text: f.primary_statistic.replace(/_/g, ' ') }), num(f.primary), num(f.primary_items), num(f.raters), num(f.primary_ratings),
        num(f.percent_agreement_pairwise))))));
  }
  exportHowto();
  return out;
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
      num(a.confidence_calibration ? a.confidence_calibration.brier_score : null), num(a.confidence_calibration ? a.confidence_calibration.expected_calibration_error : null))))));
}

// The server serves no snapshot route (docs/snapshots.md: the CLI exports);
// the page gives the command for the position the page last read.
function exportHowto() {
  const box = document.getElementById('export-howto');
  if (!box) return;
  const seq = lastSeq === null ? 'SEQ' : String(lastSeq);
  box.replaceChildren(
    el('p', { text: 'This server has no snapshot route yet: dataset versions are exported with the command line on the server\'s data directory (docs/snapshots.md). For the ledger position of the figures above:' }),
    el('pre', { class: 'mono', id: 'export-command', text: 'consilium snapshot export --data DIR --project ' + (project || 'PROJECT') + ' --as-of ' + seq + ' --out OUTDIR\n' +
      'consilium snapshot verify OUTDIR --vkey VKEY' }),
    el('p', { class: 'hint', text: 'Add --content hash to leave record content out of the export; --tag NAME exports a tagged version instead of --as-of.' }));
}
