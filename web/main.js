// Sign in, the principal's pages (from GET /v1/whoami), the page switch.
import { api, token, setToken, clearToken, el } from '/app/api.js';

const PAGES = [
  { id: 'annotator', title: 'Annotate', role: 'annotator', load: () => import('/app/annotator.js') },
  { id: 'adjudicator', title: 'Adjudicate', role: 'adjudicator', load: () => import('/app/adjudicator.js') },
  { id: 'researcher', title: 'Research', role: 'researcher', load: () => import('/app/researcher.js') },
  { id: 'auditor', title: 'Audit', role: 'auditor', load: () => import('/app/auditor.js') },
];

// "annotator@dyspnoea-dx" -> {role, project}; "admin" -> {role, project: ''}.
export function parseRoles(roles) {
  return roles.map((r) => {
    const at = r.indexOf('@');
    return at < 0 ? { role: r, project: '' } : { role: r.slice(0, at), project: r.slice(at + 1) };
  });
}

let me = null;
// The page on screen; a page module may export leave() to stop its timers
// (the adjudicator's heartbeat and queue poll) when another page is shown.
let shown = null;

async function signIn(t) {
  setToken(t);
  try {
    const who = await api('GET', '/v1/whoami');
    me = { id: who.principal, roles: parseRoles(who.roles) };
  } catch (e) {
    clearToken();
    document.getElementById('signin-error').textContent = 'Sign-in failed: ' + e.message;
    return;
  }
  document.getElementById('signin').hidden = true;
  document.getElementById('page').hidden = false;
  const who = document.getElementById('who');
  who.replaceChildren('Signed in as ', el('strong', { text: me.id }),
    el('button', { type: 'button', onclick: signOut }, 'Sign out'));
  renderNav();
  await show();
}

function signOut() {
  clearToken();
  location.hash = '';
  location.reload();
}

function allowedPages() {
  return PAGES.filter((p) => me.roles.some((r) => r.role === p.role));
}

function renderNav() {
  const nav = document.getElementById('nav');
  nav.replaceChildren(...allowedPages().map((p) => el('a', { href: '#' + p.id, id: 'nav-' + p.id }, p.title)));
}

async function show() {
  const pages = allowedPages();
  const page = document.getElementById('page');
  if (pages.length === 0) {
    page.replaceChildren(el('p', { class: 'notice', role: 'status' },
      'Your roles (' + (me.roles.map((r) => r.role).join(', ') || 'none') +
      ') have no page in the workspace yet.'));
    return;
  }
  const wanted = location.hash.slice(1);
  const current = pages.find((p) => p.id === wanted) || pages[0];
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.id === 'nav-' + current.id) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  delete document.body.dataset.ready;
  if (shown && shown.leave) shown.leave();
  const mod = await current.load();
  shown = mod;
  page.replaceChildren();
  await mod.render(page, me, current.role);
  document.body.dataset.ready = current.id;
}

document.getElementById('signin-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  signIn(document.getElementById('token').value.trim());
});
window.addEventListener('hashchange', () => { if (me) show(); });
if (token()) signIn(token());
else document.getElementById('token').focus();
