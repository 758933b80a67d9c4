// The shared shape of the read-only pages (researcher, auditor): sections,
// each a query form over one GET route. A route this server does not have
// yet (404 "no route for ...") is said plainly; nothing is invented.
import { api, probe, el } from '/app/api.js';

let formId = 0;

// section: {title, route (display), probePath, needs (text), inputs:
// [{name, label, value?, options?}], path(values) -> url, render?(doc) -> Node}
export async function renderSections(page, heading, intro, sections) {
  page.append(el('h2', { text: heading }), el('p', { class: 'hint', text: intro }));
  for (const s of sections) {
    const box = el('section', { class: 'panel', 'aria-labelledby': 'sec-' + (++formId) },
      el('h3', { id: 'sec-' + formId, text: s.title }));
    page.append(box);
    const p = s.probePath ? await probe(s.probePath) : { available: false };
    if (!p.available) {
      box.append(el('p', { class: 'notice', role: 'status', 'data-unavailable': s.route },
        'Not available on this server yet: this needs ' + s.route + '. ' + (s.needs || '')));
      continue;
    }
    const out = el('div', { 'aria-live': 'polite' });
    const form = el('form', {});
    for (const inp of s.inputs || []) {
      const id = 'in-' + (++formId);
      form.append(el('label', { for: id, text: inp.label }),
        inp.options
          ? el('select', { id, name: inp.name }, inp.options.map((o) => el('option', { value: o, text: o, selected: o === inp.value })))
          : el('input', { id, name: inp.name, type: 'text', value: inp.value || '' }));
    }
    form.append(el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Show')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const values = Object.fromEntries(new FormData(form).entries());
      out.replaceChildren(el('p', { text: 'Loading…' }));
      try {
        const doc = await api('GET', s.path(values));
        out.replaceChildren(s.render ? s.render(doc) : el('pre', { text: typeof doc === 'string' ? doc : JSON.stringify(doc, null, 1) }));
      } catch (e) {
        out.replaceChildren(el('p', { class: 'error', role: 'alert', text: e.message }));
      }
    });
    box.append(form, out);
  }
  performance.mark('workspace-interactive');
}

// Query string of the non-empty values.
export function qs(values) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== '' && v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? '?' + s : '';
}

export function projectsOf(me, role) {
  return [...new Set(me.roles.filter((r) => r.role === role).map((r) => r.project).filter(Boolean))];
}
