// Evidence of several annotations on one record, for the adjudicator: the
// record text with every annotation's spans highlighted in its reader's
// colour, the images with every box and polygon, and a structured view of a
// reasoning trace (docs/workspace.md, "Adjudicator"). Offsets are code
// points, as the server stores them (docs/schema-language.md).
import { el } from '/app/api.js';

const NS = 'http://www.w3.org/2000/svg';
// Stroke colours of the six reader classes (.reader-0 ... .reader-5 in
// style.css hold the matching light backgrounds, which keep the text's
// contrast above 4.5:1).
export const STROKES = ['#b07800', '#1c6fc4', '#2b8a3e', '#c92a2a', '#6741d9', '#c2410c'];
export const readerClass = (k) => 'reader-' + (k % STROKES.length);

const isSpan = (v) => v && typeof v === 'object' && Number.isInteger(v.start) && Number.isInteger(v.end) && Object.keys(v).length === 2;
const isRegion = (v) => v && typeof v === 'object' && typeof v.image === 'string' && (Array.isArray(v.points) || 'w' in v);

// Every evidence anchor in a values document: [{kind: 'span'|'region', value, path}].
export function anchorsOf(values) {
  const out = [];
  const walk = (v, path) => {
    if (Array.isArray(v)) { v.forEach((x, i) => walk(x, path + '[' + i + ']')); return; }
    if (!v || typeof v !== 'object') return;
    if (isSpan(v)) { out.push({ kind: 'span', value: v, path }); return; }
    if (isRegion(v)) { out.push({ kind: 'region', value: v, path }); return; }
    for (const [k, x] of Object.entries(v)) walk(x, path ? path + '.' + k : k);
  };
  walk(values, '');
  return out;
}

// The record text with the spans of every reader marked. spans: [{k, label,
// start, end}]. A stretch covered by several readers is marked once, in the
// first reader's colour, and names all of them (title and data-readers).
export function highlightedText(text, spans, id) {
  const cps = [...text];
  const cuts = new Set([0, cps.length]);
  for (const s of spans) { cuts.add(Math.max(0, Math.min(cps.length, s.start))); cuts.add(Math.max(0, Math.min(cps.length, s.end))); }
  const points = [...cuts].sort((a, b) => a - b);
  const box = el('div', { class: 'record-text', id });
  for (let i = 0; i + 1 < points.length; i++) {
    const [a, b] = [points[i], points[i + 1]];
    const piece = cps.slice(a, b).join('');
    const by = spans.filter((s) => s.start <= a && s.end >= b);
    if (!by.length) { box.append(piece); continue; }
    const ks = [...new Set(by.map((s) => s.k))];
    box.append(el('mark', { class: readerClass(ks[0]) + (ks.length > 1 ? ' shared' : ''), 'data-readers': ks.map((k) => k + 1).join(' '),
      title: 'evidence of ' + [...new Set(by.map((s) => s.label))].join(', ') }, piece));
  }
  return box;
}

// One image's frame with the regions drawn on it. regions: [{k, label, value}].
export function regionsFigure(image, regions) {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 ' + image.width + ' ' + image.height);
  svg.setAttribute('role', 'img');
  const mine = regions.filter((r) => r.value.image === image.name);
  svg.setAttribute('aria-label', 'Image ' + image.name + ' (' + image.width + '×' + image.height + '; pixels are not served) with ' +
    (mine.length ? mine.map((r) => describeRegion(r.value) + ' by ' + r.label).join('; ') : 'no region drawn on it'));
  const bg = document.createElementNS(NS, 'rect');
  for (const [k, v] of [['x', 0], ['y', 0], ['width', image.width], ['height', image.height], ['fill', '#333']]) bg.setAttribute(k, v);
  svg.append(bg);
  const sw = Math.max(image.width, image.height) / 150;
  for (const r of mine) {
    const v = r.value;
    const shape = document.createElementNS(NS, v.points ? 'polygon' : 'rect');
    if (v.points) shape.setAttribute('points', v.points.map((p) => p[0] + ',' + p[1]).join(' '));
    else for (const [k, x] of [['x', v.x], ['y', v.y], ['width', v.w], ['height', v.h]]) shape.setAttribute(k, x);
    for (const [k, x] of [['fill', 'none'], ['stroke', STROKES[r.k % STROKES.length]], ['stroke-width', sw], ['data-reader', r.k + 1]]) shape.setAttribute(k, x);
    svg.append(shape);
  }
  return el('figure', { class: 'adj-image' }, svg, el('figcaption', { class: 'hint', text: image.name + (image.frames > 1 ? ' (' + image.frames + ' frames)' : '') }));
}

export function describeRegion(v) {
  const frame = v.frame !== undefined ? ' frame ' + v.frame : '';
  if (v.points) return 'polygon of ' + v.points.length + ' points on ' + v.image + frame;
  return 'box on ' + v.image + frame + ' at (' + v.x + ', ' + v.y + ') ' + v.w + '×' + v.h;
}

const humanize = (k) => k.replace(/_/g, ' ');

// A reasoning trace as nested definition lists: each key in the document's
// order, lists numbered, evidence spans quoted from the record text and
// marked in the reader's colour, regions described.
export function traceView(values, text, k) {
  const cps = [...text];
  const render = (v) => {
    if (isSpan(v)) {
      return el('span', {}, el('mark', { class: readerClass(k) }, '“' + cps.slice(v.start, v.end).join('') + '”'), ' [' + v.start + ', ' + v.end + ')');
    }
    if (isRegion(v)) return el('span', { class: 'anchor' }, describeRegion(v));
    if (Array.isArray(v)) return v.length ? el('ol', {}, v.map((x) => el('li', {}, render(x)))) : el('span', { class: 'hint', text: '(none)' });
    if (v && typeof v === 'object') {
      return el('dl', { class: 'trace' }, Object.entries(v).flatMap(([key, x]) => [el('dt', { text: humanize(key) }), el('dd', {}, render(x))]));
    }
    return String(v);
  };
  return render(values);
}
