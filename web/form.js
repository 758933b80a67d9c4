// A form generated from a task-schema document (docs/schema-language.md),
// and the client-side copy of the annotation rules with the server's
// messages (schemas/annotation_validator.cc): "annotation <id>: <path>:
// <rule>". The server stays the judge: its message is shown verbatim on
// submit.
import { el } from '/app/api.js';

let uid = 0;
const nextId = (p) => p + '-' + (++uid);

export const codePoints = (s) => [...s].length;

// ICD-10 syntax (letter, digit, alphanumeric, optional dot and 1-4 more).
const ICD10 = /^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$/;

function categoryCodes(f) {
  return (f.categories || []).map((c) => (typeof c === 'string' ? c : c.code));
}
function categoryLabel(f, code) {
  const c = (f.categories || []).find((x) => (typeof x === 'string' ? x : x.code) === code);
  return c && typeof c !== 'string' && c.label ? c.label : '';
}

// Every rule error of `values` against `schema` in the server's order: in
// each object, present keys in order (recursing), then missing required.
export function collectErrors(values, schema, shape, annotationId) {
  const ref = schema.id + '@' + schema.version;
  const errors = [];
  const fail = (path, rule) => errors.push({ path, message: 'annotation ' + annotationId + ': ' + path + ': ' + rule });
  const count = (n, f, noun, path) => {
    const min = f.min_items || 0;
    if (n < min) { fail(path, n + ' ' + noun + ', at least ' + min + ' required'); return false; }
    if (f.max_items !== undefined && n > f.max_items) { fail(path, n + ' ' + noun + ', at most ' + f.max_items + ' allowed'); return false; }
    return true;
  };
  const checkValue = (f, v, path) => {
    switch (f.type) {
      case 'categorical': {
        const codes = categoryCodes(f);
        if (codes.includes(v)) return;
        if (f.open && f.code_system === 'icd10') { if (!ICD10.test(v)) fail(path, '"' + v + '" is not a valid ICD-10 code'); return; }
        if (f.open && f.code_system === 'snomedct') { if (!/^[1-9][0-9]{5,17}$/.test(v)) fail(path, '"' + v + '" is not a valid SNOMED CT concept id'); return; }
        if (!f.open) fail(path, '"' + v + '" is not a category of ' + ref);
        return;
      }
      case 'multi_categorical': count(v.length, f, 'selected', path); return;
      case 'ordinal': if (!f.levels.includes(v)) fail(path, '"' + v + '" is not a level of ' + ref); return;
      case 'numeric':
        if (typeof v !== 'number' || !Number.isFinite(v)) { fail(path, 'expected a number'); return; }
        if (f.integer && !Number.isInteger(v)) fail(path, v + ' is not an integer');
        else if (f.min !== undefined && v < f.min) fail(path, v + ' is below min ' + f.min);
        else if (f.max !== undefined && v > f.max) fail(path, v + ' is above max ' + f.max);
        return;
      case 'confidence':
        if ((f.scale || 'probability') === 'probability') {
          if (typeof v !== 'number' || !(v >= 0 && v <= 1)) fail(path, 'expected a probability in [0, 1]');
        } else if (!f.levels.includes(v)) fail(path, '"' + v + '" is not a level of ' + ref);
        return;
      case 'text': {
        const max = f.max_length === undefined ? 4000 : f.max_length;
        if (codePoints(v) > max) fail(path, 'text longer than ' + max + ' code points');
        return;
      }
      case 'text_span':
        if (!(v.start < v.end)) fail(path, 'empty or reversed span [' + v.start + ', ' + v.end + ')');
        else if (v.end > shape.textLength) fail(path, 'span [' + v.start + ', ' + v.end + ') exceeds the record text (' + shape.textLength + ' code points)');
        return;
      case 'image_region': {
        const im = shape.images.find((i) => i.name === v.image);
        if (!im) fail(path, 'no image "' + v.image + '" in the record');
        return;
      }
      case 'list':
        if (!count(v.length, f, v.length === 1 ? 'item' : 'items', path)) return;
        v.forEach((item, i) => checkObject(item, f.fields, path + '[' + i + ']'));
        return;
      case 'group': checkObject(v, f.fields, path); return;
      default:
    }
  };
  const checkObject = (obj, fields, path) => {
    for (const [k, v] of Object.entries(obj)) {
      const f = fields.find((x) => x.name === k);
      const p = path ? path + '.' + k : k;
      if (!f) fail(p, 'not a field of ' + ref);
      else checkValue(f, v, p);
    }
    for (const f of fields) {
      if (f.required && !(f.name in obj)) fail(path ? path + '.' + f.name : f.name, 'required by ' + ref);
    }
  };
  checkObject(values, schema.fields, '');
  return errors;
}

// The span [start, end) in code points of the selection inside `textEl`, or
// null when nothing of it is selected.
export function selectionSpan(textEl) {
  const sel = window.getSelection();
  if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
  const r = sel.getRangeAt(0);
  if (!textEl.contains(r.startContainer) || !textEl.contains(r.endContainer)) return null;
  const pre = document.createRange();
  pre.selectNodeContents(textEl);
  pre.setEnd(r.startContainer, r.startOffset);
  const start = codePoints(pre.toString());
  const end = start + codePoints(r.toString());
  return start < end ? { start, end } : null;
}

// The form. ctx: {shape, text, textEl, lastRegion(), onChange()}.
export function buildForm(schema, ctx, initial) {
  const values = initial ? structuredClone(initial) : {};
  const root = el('div', { class: 'schema-form' });
  renderFields(root, schema.fields, values, '', ctx);
  return { node: root, values: () => values };
}

function renderFields(container, fields, obj, path, ctx) {
  for (const f of fields) container.append(renderField(f, obj, path ? path + '.' + f.name : f.name, ctx));
}

function labelText(f) {
  return f.name.replace(/_/g, ' ') + (f.required ? ' (required)' : '') + (f.layer ? ' · ' + f.layer : '');
}

function setOrDelete(obj, name, v, ctx) {
  if (v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v))) delete obj[name];
  else obj[name] = v;
  ctx.onChange();
}

function renderField(f, obj, path, ctx) {
  const id = nextId('f');
  const wrap = el('div', { class: 'field', 'data-path': path });
  const desc = f.description ? el('p', { class: 'hint', id: id + '-d', text: f.description }) : null;
  const lab = el('label', { for: id, text: labelText(f) });
  const common = { id, name: path, 'aria-describedby': desc ? id + '-d' : null, 'aria-required': f.required ? 'true' : null };
  switch (f.type) {
    case 'categorical': {
      const codes = categoryCodes(f);
      const listId = id + '-codes';
      const input = el('input', { ...common, type: 'search', list: listId, autocomplete: 'off',
        placeholder: f.code_system ? 'search ' + f.code_system + ' code or label' : 'choose',
        oninput: () => { const v = input.value.trim().split(' ')[0]; setOrDelete(obj, f.name, v || undefined, ctx); shown.textContent = categoryLabel(f, v); } });
      const dl = el('datalist', { id: listId }, codes.map((c) => el('option', { value: c, label: categoryLabel(f, c) || c })));
      const shown = el('p', { class: 'hint', 'aria-live': 'polite' });
      if (obj[f.name]) { input.value = obj[f.name]; shown.textContent = categoryLabel(f, obj[f.name]); }
      wrap.append(lab, desc || '', input, dl, shown);
      return wrap;
    }
    case 'multi_categorical': {
      const fs = el('fieldset', {}, el('legend', { text: labelText(f) }));
      const cur = new Set(obj[f.name] || []);
      for (const c of categoryCodes(f)) {
        const cid = nextId('c');
        const box = el('input', { type: 'checkbox', id: cid, checked: cur.has(c),
          onchange: () => { box.checked ? cur.add(c) : cur.delete(c); setOrDelete(obj, f.name, cur.size ? [...cur] : undefined, ctx); } });
        fs.append(el('div', {}, box, el('label', { for: cid, class: 'inline', text: c + (categoryLabel(f, c) ? ' — ' + categoryLabel(f, c) : '') })));
      }
      wrap.append(fs);
      return wrap;
    }
    case 'ordinal':
    case 'confidence': {
      if (f.type === 'ordinal' || f.scale === 'ordinal') {
        const sel = el('select', { ...common, onchange: () => setOrDelete(obj, f.name, sel.value || undefined, ctx) },
          el('option', { value: '', text: '—' }), (f.levels || []).map((l) => el('option', { value: l, text: l, selected: obj[f.name] === l })));
        wrap.append(lab, desc || '', sel);
        return wrap;
      }
      const input = el('input', { ...common, type: 'number', min: '0', max: '1', step: '0.01', placeholder: '0 to 1',
        oninput: () => setOrDelete(obj, f.name, input.value === '' ? undefined : Number(input.value), ctx) });
      if (obj[f.name] !== undefined) input.value = obj[f.name];
      wrap.append(lab, desc || '', input);
      return wrap;
    }
    case 'numeric': {
      const input = el('input', { ...common, type: 'number', step: f.integer ? '1' : 'any', min: f.min, max: f.max,
        oninput: () => setOrDelete(obj, f.name, input.value === '' ? undefined : Number(input.value), ctx) });
      if (obj[f.name] !== undefined) input.value = obj[f.name];
      wrap.append(lab, desc || '', input);
      return wrap;
    }
    case 'boolean': {
      const sel = el('select', { ...common, onchange: () => setOrDelete(obj, f.name, sel.value === '' ? undefined : sel.value === 'true', ctx) },
        el('option', { value: '', text: '—' }), el('option', { value: 'true', text: 'yes', selected: obj[f.name] === true }),
        el('option', { value: 'false', text: 'no', selected: obj[f.name] === false }));
      wrap.append(lab, desc || '', sel);
      return wrap;
    }
    case 'text': {
      const ta = el('textarea', { ...common, maxlength: null, oninput: () => setOrDelete(obj, f.name, ta.value.trim() ? ta.value : undefined, ctx) });
      if (obj[f.name] !== undefined) ta.value = obj[f.name];
      wrap.append(lab, desc || '', ta);
      return wrap;
    }
    case 'text_span': return spanWidget(f, obj, path, ctx, wrap, id);
    case 'image_region': return regionWidget(f, obj, path, ctx, wrap, id);
    case 'list': return listWidget(f, obj, path, ctx, wrap);
    case 'group': {
      const fs = el('fieldset', {}, el('legend', { text: labelText(f) }));
      if (!obj[f.name]) obj[f.name] = {};
      renderFields(fs, f.fields, obj[f.name], path, ctx);
      wrap.append(fs);
      return wrap;
    }
    default:
      wrap.append(el('p', { class: 'error', text: path + ': field type ' + f.type + ' has no input in this workspace' }));
      return wrap;
  }
}

function spanWidget(f, obj, path, ctx, wrap, id) {
  const show = el('span', { class: 'anchor', id: id + '-s', 'aria-live': 'polite' });
  const paint = () => {
    const v = obj[f.name];
    show.textContent = v ? '[' + v.start + ', ' + v.end + ') "' + [...ctx.text].slice(v.start, v.end).join('') + '"' : 'no text selected yet';
  };
  const btn = el('button', { type: 'button', id, class: 'use-span', 'aria-describedby': id + '-s',
    onclick: () => {
      const s = selectionSpan(ctx.textEl);
      if (!s) { show.textContent = 'Select a passage of the record text first.'; return; }
      setOrDelete(obj, f.name, s, ctx);
      paint();
    } }, 'Use selected text as ' + f.name.replace(/_/g, ' '));
  paint();
  wrap.append(el('div', {}, btn, ' ', show));
  return wrap;
}

function regionWidget(f, obj, path, ctx, wrap, id) {
  const show = el('span', { class: 'anchor', id: id + '-s', 'aria-live': 'polite' });
  const paint = () => {
    const v = obj[f.name];
    show.textContent = v ? (v.points ? 'polygon of ' + v.points.length + ' points on ' + v.image + (v.frame !== undefined ? ' frame ' + v.frame : '') : 'box on ' + v.image + (v.frame !== undefined ? ' frame ' + v.frame : '') +
      ' at (' + v.x + ', ' + v.y + ') ' + v.w + '×' + v.h) : 'no region drawn yet';
  };
  const btn = el('button', { type: 'button', id, class: 'use-region', 'aria-describedby': id + '-s',
    disabled: ctx.shape.images.length === 0,
    onclick: () => {
      const r = ctx.lastRegion();
      if (!r) { show.textContent = 'Draw a box or a polygon on the image first.'; return; }
      setOrDelete(obj, f.name, r, ctx);
      paint();
    } }, 'Use drawn region as ' + f.name.replace(/_/g, ' '));
  paint();
  wrap.append(el('div', {}, btn, ' ', show));
  if (ctx.shape.images.length === 0) wrap.append(el('p', { class: 'hint', text: 'This record has no image.' }));
  return wrap;
}

function listWidget(f, obj, path, ctx, wrap) {
  const fs = el('fieldset', {}, el('legend', { text: labelText(f) + (f.description ? ' — ' + f.description : '') }));
  const items = el('div');
  const redraw = () => {
    items.replaceChildren();
    (obj[f.name] || []).forEach((item, i) => {
      const ip = path + '[' + i + ']';
      const box = el('fieldset', { class: 'item', 'data-path': ip }, el('legend', { text: f.name.replace(/_/g, ' ') + ' ' + (i + 1) }));
      renderFields(box, f.fields, item, ip, ctx);
      box.append(el('button', { type: 'button', 'aria-label': 'Remove ' + f.name.replace(/_/g, ' ') + ' ' + (i + 1),
        onclick: () => { obj[f.name].splice(i, 1); if (!obj[f.name].length) delete obj[f.name]; ctx.onChange(); redraw(); } }, 'Remove'));
      items.append(box);
    });
  };
  const add = el('button', { type: 'button', class: 'add-item', 'data-list': path,
    onclick: () => { (obj[f.name] = obj[f.name] || []).push({}); ctx.onChange(); redraw(); } },
  'Add ' + f.name.replace(/_/g, ' '));
  fs.append(items, add);
  redraw();
  wrap.append(fs);
  return wrap;
}
