// The annotator's page: work list (next first), the record (text, images),
// the form generated from the task schema, submit / revise / withdraw, and
// model pre-labels. Shows the caller's own annotations and model
// pre-labels only: nothing of another annotator's work (blind mode).
import { api, el } from '/app/api.js';
import { buildForm, collectErrors, codePoints } from '/app/form.js';

const SCHEMA_KEY = 'consilium.schema';
let state = null;

export async function render(page, me) {
  state = { me, page, worklist: [], current: null };
  const schemaId = el('input', { id: 'schema-id', type: 'text', value: sessionStorage.getItem(SCHEMA_KEY) || 'dx-reasoning',
    'aria-describedby': 'schema-hint' });
  page.append(el('div', { class: 'layout' },
    el('section', { class: 'panel', id: 'worklist', 'aria-labelledby': 'wl-title' },
      el('h2', { id: 'wl-title', text: 'Work list' }),
      el('div', { id: 'wl-items' }),
      el('label', { for: 'schema-id', text: 'Task schema' }), schemaId,
      el('p', { class: 'hint', id: 'schema-hint', text: 'id (latest version) or id@version, used for new annotations' }),
      el('label', { for: 'open-record', text: 'Open a record by id' }),
      el('input', { id: 'open-record', type: 'text', onkeydown: (e) => { if (e.key === 'Enter') openRecord(e.target.value.trim()); } })),
    el('section', { class: 'panel', id: 'record', 'aria-labelledby': 'rec-title' }, el('h2', { id: 'rec-title', text: 'Record' })),
    el('section', { class: 'panel', id: 'annotate', 'aria-labelledby': 'ann-title' }, el('h2', { id: 'ann-title', text: 'Reasoning' }))));
  schemaId.addEventListener('change', () => { sessionStorage.setItem(SCHEMA_KEY, schemaId.value.trim()); if (state.current) openRecord(state.current.id); });
  document.addEventListener('keydown', onKey);
  await loadWorklist();
  if (state.worklist.length) await openRecord(state.worklist[0].record);
  performance.mark('workspace-interactive');
  document.body.dataset.ready = 'annotator';
}

function onKey(e) {
  if (!state || !document.getElementById('worklist')) return;
  if (e.altKey && (e.key === 'n' || e.key === 'N')) { e.preventDefault(); nextRecord(); }
  if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') { e.preventDefault(); document.getElementById('submit-btn')?.click(); }
}

async function loadWorklist() {
  const box = document.getElementById('wl-items');
  try {
    const wl = await api('GET', '/v1/worklist');
    state.worklist = wl.records;
  } catch (e) {
    box.replaceChildren(el('p', { class: 'error', role: 'alert', text: e.message }));
    return;
  }
  if (!state.worklist.length) { box.replaceChildren(el('p', { text: 'Nothing assigned to you is waiting.' })); return; }
  box.replaceChildren(el('p', { class: 'hint', text: state.worklist.length + ' waiting; the next first.' }),
    el('ol', {}, state.worklist.map((r, i) => el('li', { class: state.current && state.current.id === r.record ? 'current' : null },
      el('button', { type: 'button', onclick: () => openRecord(r.record), 'aria-label': (i === 0 ? 'Next: ' : '') + 'record ' + r.record + ' in ' + r.project }, r.record)))));
}

function nextRecord() {
  const ids = state.worklist.map((r) => r.record);
  const at = state.current ? ids.indexOf(state.current.id) : -1;
  const next = ids.find((id, i) => i > at && id !== (state.current && state.current.id)) || ids[0];
  if (next) openRecord(next);
}

async function loadSchema(ref) {
  const at = ref.lastIndexOf('@');
  const path = at > 0 ? '/v1/schemas/' + encodeURIComponent(ref.slice(0, at)) + '/versions/' + encodeURIComponent(ref.slice(at + 1))
    : '/v1/schemas/' + encodeURIComponent(ref);
  return api('GET', path);
}

async function openRecord(id) {
  if (!id) return;
  const recBox = document.getElementById('record');
  const annBox = document.getElementById('annotate');
  let rec;
  let anns;
  try {
    rec = await api('GET', '/v1/records/' + encodeURIComponent(id));
    anns = (await api('GET', '/v1/records/' + encodeURIComponent(id) + '/annotations')).annotations;
  } catch (e) {
    recBox.replaceChildren(el('h2', { id: 'rec-title', text: 'Record ' + id }), el('p', { class: 'error', role: 'alert', text: e.message }));
    return;
  }
  // Only the caller's own annotations and model pre-labels, whatever else
  // the server may allow this principal to see.
  const mine = anns.filter((a) => a.annotator === state.me.id && !a.withdrawn);
  const prelabels = anns.filter((a) => a.by_model && !a.withdrawn);
  const content = rec.content || {};
  const text = content.text || '';
  state.current = { id, rec, mine: mine[0] || null, region: null };
  const textEl = el('div', { class: 'record-text', id: 'record-text', tabindex: '0', 'aria-label': 'Record text; select a passage to cite it as evidence' }, text);
  recBox.replaceChildren(el('h2', { id: 'rec-title', text: 'Record ' + id }),
    el('p', { class: 'hint', text: 'Project ' + rec.project + (rec.metadata ? ' · ' + Object.entries(rec.metadata).map(([k, v]) => k + ': ' + v).join(', ') : '') }),
    textEl, imagePanel(content.images || []), prelabelPanel(prelabels));
  await loadWorklist();
  await renderForm(annBox, textEl, text, content.images || []);
}

// The image's frame (the server stores dimensions, not pixels) to draw an
// evidence region on: a box (drag) or a polygon (click its corners, then
// "Close polygon"; docs/schema-language.md: 3 or more points, non-zero
// area, closed implicitly). The last finished shape is what "Use drawn
// region" puts in a field.
function imagePanel(images) {
  if (!images.length) return el('p', { class: 'hint', text: 'No image with this record.' });
  const sel = el('select', { id: 'image-select' }, images.map((im) => el('option', { value: im.name, text: im.name + ' (' + im.width + '×' + im.height + (im.frames > 1 ? ', ' + im.frames + ' frames' : '') + ')' })));
  const frame = el('input', { id: 'image-frame', type: 'number', min: '0', value: '0' });
  const frameWrap = el('span', {}, el('label', { for: 'image-frame', text: 'Frame' }), frame);
  const shapeSel = el('select', { id: 'image-shape' }, el('option', { value: 'box', text: 'Box (drag)' }), el('option', { value: 'polygon', text: 'Polygon (click each corner)' }));
  const closeBtn = el('button', { type: 'button', id: 'polygon-close', hidden: true }, 'Close polygon');
  const clearBtn = el('button', { type: 'button', id: 'polygon-clear', hidden: true }, 'Clear points');
  const holder = el('div', { class: 'image-box', id: 'image-box' });
  const status = el('p', { class: 'hint', id: 'region-status', 'aria-live': 'polite', text: 'Drag on the image to draw a box.' });
  const NS = 'http://www.w3.org/2000/svg';
  let reset = () => {};
  const draw = () => {
    const im = images.find((i) => i.name === sel.value);
    frameWrap.hidden = !(im.frames > 1);
    frame.max = String((im.frames || 1) - 1);
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + im.width + ' ' + im.height);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'Image ' + im.name + ' (pixels are not served; draw on its frame)');
    const bg = document.createElementNS(NS, 'rect');
    for (const [k, v] of [['x', 0], ['y', 0], ['width', im.width], ['height', im.height], ['fill', '#333']]) bg.setAttribute(k, v);
    const sw = Math.max(im.width, im.height) / 200;
    const box = document.createElementNS(NS, 'rect');
    for (const [k, v] of [['fill', 'rgba(255,200,0,.25)'], ['stroke', '#fc0'], ['stroke-width', sw]]) box.setAttribute(k, v);
    const poly = document.createElementNS(NS, 'polyline');
    for (const [k, v] of [['fill', 'rgba(120,200,255,.25)'], ['stroke', '#6cf'], ['stroke-width', sw], ['id', 'polygon-shape']]) poly.setAttribute(k, v);
    svg.append(bg, box, poly);
    let start = null;
    let points = [];
    const toImage = (ev) => {
      const r = svg.getBoundingClientRect();
      const x = Math.min(im.width, Math.max(0, (ev.clientX - r.left) * im.width / r.width));
      const y = Math.min(im.height, Math.max(0, (ev.clientY - r.top) * im.height / r.height));
      return [Math.round(x), Math.round(y)];
    };
    const withFrame = (region) => {
      if (im.frames > 1) region.frame = Math.min(im.frames - 1, Math.max(0, Number(frame.value) || 0));
      return region;
    };
    const shape = (a, b) => ({ x: Math.min(a[0], b[0]), y: Math.min(a[1], b[1]), w: Math.abs(a[0] - b[0]), h: Math.abs(a[1] - b[1]) });
    const polygonMode = () => shapeSel.value === 'polygon';
    const paintPoly = (closed) => { poly.setAttribute('points', (closed ? [...points, points[0]] : points).map((p) => p.join(',')).join(' ')); };
    reset = () => { points = []; paintPoly(false); box.removeAttribute('width'); };
    // Twice the signed area (shoelace): zero for collinear points.
    const area2 = (ps) => ps.reduce((a, p, i) => { const q = ps[(i + 1) % ps.length]; return a + p[0] * q[1] - q[0] * p[1]; }, 0);
    closeBtn.onclick = () => {
      if (points.length < 3) { status.textContent = 'A polygon needs at least 3 points; ' + points.length + ' so far.'; return; }
      if (area2(points) === 0) { status.textContent = 'These points lie on one line (zero area): add a point off the line.'; return; }
      paintPoly(true);
      state.current.region = withFrame({ image: im.name, points: points.map((p) => [p[0], p[1]]) });
      status.textContent = 'Polygon of ' + points.length + ' points drawn on ' + im.name + '; use it in a field.';
      points = [];
    };
    clearBtn.onclick = () => { reset(); status.textContent = 'Points cleared: click the first corner.'; };
    svg.addEventListener('pointerdown', (ev) => {
      if (polygonMode()) return;
      start = toImage(ev);
      svg.setPointerCapture(ev.pointerId);
    });
    svg.addEventListener('pointermove', (ev) => {
      if (!start) return;
      const s = shape(start, toImage(ev));
      box.setAttribute('x', s.x); box.setAttribute('y', s.y); box.setAttribute('width', s.w); box.setAttribute('height', s.h);
    });
    svg.addEventListener('pointerup', (ev) => {
      if (polygonMode()) {
        points.push(toImage(ev));
        paintPoly(false);
        status.textContent = points.length + ' point' + (points.length === 1 ? '' : 's') + ' placed; "Close polygon" when done.';
        return;
      }
      if (!start) return;
      const s = shape(start, toImage(ev));
      start = null;
      if (s.w <= 0 || s.h <= 0) { status.textContent = 'A box needs a width and a height: drag further.'; return; }
      state.current.region = withFrame({ image: im.name, x: s.x, y: s.y, w: s.w, h: s.h });
      status.textContent = 'Box drawn on ' + im.name + ' at (' + s.x + ', ' + s.y + ') ' + s.w + '×' + s.h + '; use it in a field.';
    });
    holder.replaceChildren(svg);
  };
  shapeSel.addEventListener('change', () => {
    const poly = shapeSel.value === 'polygon';
    closeBtn.hidden = !poly;
    clearBtn.hidden = !poly;
    reset();
    status.textContent = poly ? 'Click each corner of the region on the image, then "Close polygon".' : 'Drag on the image to draw a box.';
  });
  sel.addEventListener('change', draw);
  draw();
  return el('div', { class: 'images' }, el('h3', { text: 'Images' }), el('label', { for: 'image-select', text: 'Image' }), sel, frameWrap,
    el('label', { for: 'image-shape', text: 'Shape' }), shapeSel, holder, el('div', { class: 'actions' }, closeBtn, clearBtn), status);
}

function prelabelPanel(prelabels) {
  if (!prelabels.length) return el('div');
  return el('div', { class: 'prelabel', id: 'prelabels' }, el('h3', {}, el('span', { class: 'badge', text: 'model' }), ' Pre-labels'),
    prelabels.map((a) => el('div', {},
      el('p', { class: 'hint', text: 'Suggested by model principal ' + a.annotator + ' (' + a.schema + '), not a physician. Accept to copy into your form, then correct it.' }),
      el('pre', { text: JSON.stringify(a.values, null, 1) }),
      el('button', { type: 'button', class: 'accept-prelabel', onclick: () => acceptPrelabel(a) }, 'Accept pre-label into the form'))));
}

function acceptPrelabel(a) {
  state.prefill = Object.assign({}, state.form ? state.form.values() : {}, structuredClone(a.values));
  const textEl = document.getElementById('record-text');
  const c = state.current.rec.content || {};
  renderForm(document.getElementById('annotate'), textEl, c.text || '', c.images || []);
}

async function renderForm(box, textEl, text, images) {
  const mine = state.current.mine;
  const ref = mine ? mine.schema : (document.getElementById('schema-id').value.trim() || 'dx-reasoning');
  let schema;
  try {
    schema = await loadSchema(ref);
  } catch (e) {
    box.replaceChildren(el('h2', { id: 'ann-title', text: 'Reasoning' }), el('p', { class: 'error', role: 'alert', text: 'Task schema ' + ref + ': ' + e.message }));
    return;
  }
  const shape = { textLength: codePoints(text), images: images.map((i) => ({ frames: 1, ...i })) };
  const annId = mine ? mine.id : state.current.id + '.' + state.me.id + '.' + Date.now().toString(36);
  const errorsBox = el('div', { id: 'form-errors', 'aria-live': 'polite' });
  const ctx = {
    shape, text, textEl, lastRegion: () => state.current.region,
    onChange: () => {
      const errs = collectErrors(state.form.values(), schema, shape, annId);
      errorsBox.replaceChildren(errs.length ? el('ul', { class: 'field-error' }, errs.map((x) => el('li', { text: x.message }))) : el('p', { class: 'ok', text: 'No rule is broken.' }));
    },
  };
  const initial = state.prefill || (mine ? mine.values : null);
  state.prefill = null;
  state.form = buildForm(schema, ctx, initial);
  const result = el('p', { id: 'submit-result', role: 'alert' });
  const reason = el('input', { id: 'change-reason', type: 'text' });
  const actions = el('div', { class: 'actions' });
  if (mine) {
    actions.append(el('button', { type: 'submit', class: 'primary', id: 'submit-btn' }, 'Submit revision ' + (mine.revision + 1)),
      el('button', { type: 'button', id: 'withdraw-btn', onclick: () => withdraw(mine, reason.value, result) }, 'Withdraw'));
  } else {
    actions.append(el('button', { type: 'submit', class: 'primary', id: 'submit-btn' }, 'Submit annotation'));
  }
  const form = el('form', { id: 'annotation-form', novalidate: true, 'aria-labelledby': 'ann-title' },
    el('p', { class: 'hint', text: 'Schema ' + schema.id + '@' + schema.version + (mine ? ' · your annotation ' + mine.id + ', revision ' + mine.revision : ' · new annotation') }),
    state.form.node, errorsBox,
    mine ? el('div', {}, el('label', { for: 'change-reason', text: 'Reason for the revision or withdrawal' }), reason) : '',
    actions, result);
  form.addEventListener('submit', (ev) => { ev.preventDefault(); submit(schema, annId, mine, reason.value, result); });
  box.replaceChildren(el('h2', { id: 'ann-title', text: 'Reasoning' }), form);
  ctx.onChange();
}

async function submit(schema, annId, mine, reason, result) {
  result.className = '';
  result.textContent = 'Sending…';
  const values = state.form.values();
  try {
    if (mine) {
      const body = { expected_revision: mine.revision, values };
      if (reason.trim()) body.reason = reason.trim();
      await api('POST', '/v1/annotations/' + encodeURIComponent(mine.id) + '/revisions', body);
    } else {
      await api('POST', '/v1/annotations', { annotation_id: annId, record: state.current.id, schema: schema.id + '@' + schema.version, values });
    }
  } catch (e) {
    result.className = 'error';
    result.textContent = e.code === 'ABORTED'
      ? 'Someone else\'s change won (revision ' + mine.revision + ' is no longer current): ' + e.message + ' Reload the record to see the current revision, then revise again.'
      : e.message;
    return;
  }
  const done = state.current.id;
  await openRecord(done);
  const r = document.getElementById('submit-result');
  r.className = 'ok';
  r.textContent = (mine ? 'Revision saved for ' : 'Annotation saved for ') + done + '.';
}

async function withdraw(mine, reason, result) {
  if (!reason.trim()) { result.className = 'error'; result.textContent = 'Say why you withdraw the annotation (reason).'; return; }
  try {
    await api('POST', '/v1/annotations/' + encodeURIComponent(mine.id) + '/withdrawal', { expected_revision: mine.revision, reason: reason.trim() });
  } catch (e) {
    result.className = 'error';
    result.textContent = e.code === 'ABORTED' ? 'Someone else\'s change won: ' + e.message : e.message;
    return;
  }
  await openRecord(state.current.id);
  const r = document.getElementById('submit-result');
  r.className = 'ok';
  r.textContent = 'Annotation ' + mine.id + ' withdrawn.';
}
