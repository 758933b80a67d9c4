// The researcher page's dataset versions (docs/workspace.md, "Researcher"):
// the project's snapshot tags from GET /v1/projects/{P}/snapshots, and per
// version (and for the latest ledger position) buttons that download its
// manifest.json and data.jsonl. A link cannot carry the bearer token, so a
// download is a fetch with the Authorization header whose bytes become a
// Blob saved through a temporary object URL; the bytes are never parsed or
// shown (the page holds no record content, whatever the export carries).
import { ApiError, api, describeError, el, token } from '/app/api.js';

const enc = encodeURIComponent;
// At most this many pages of 1000 tags are read for the list.
const MAX_PAGES = 20;

let projectOf = () => '';
// The ledger position the "latest" row exports: fixed when the list is
// read, so its manifest and data name the same prefix.
let latestSeq = null;

// The panel's controls; `getProject` gives the page's current project.
export function versionsPanel(getProject) {
  projectOf = getProject;
  const content = el('select', { id: 'export-content', 'aria-describedby': 'export-content-hint' },
    el('option', { value: 'hash', text: 'Content hashes only (content=hash)' }),
    el('option', { value: 'full', text: 'Full record content (content=full; admins of the project only)' }));
  return [
    el('p', { class: 'hint', text: 'Each version is a ledger prefix; its export is the same bytes every time (docs/snapshots.md). Each data.jsonl download is recorded in the access history.' }),
    el('div', { class: 'actions' },
      el('label', { for: 'export-content', text: 'Record content in the export' }), content,
      el('button', { type: 'button', id: 'versions-refresh', onclick: () => loadVersions() }, 'Refresh the list')),
    el('p', { class: 'hint', id: 'export-content-hint', text: 'Researchers export content hashes: the record text is granted only to admins of the project, and the server refuses full content to anyone else (403).' }),
    el('div', { id: 'versions-out', 'aria-live': 'polite' }),
    el('p', { id: 'export-status', role: 'status', 'aria-live': 'polite' }),
  ];
}

// Reads every page of the project's tags and shows them, newest first,
// under a row for the latest position.
export async function loadVersions() {
  const out = document.getElementById('versions-out');
  if (!out) return;
  const project = projectOf();
  if (!project) { out.replaceChildren(el('p', { class: 'hint', text: 'Choose a project to list its dataset versions.' })); return; }
  out.replaceChildren(el('p', { text: 'Loading…' }));
  try {
    const tags = [];
    let from = 1;
    let head = null;
    for (let page = 0; page < MAX_PAGES && from !== null; page++) {
      const d = await api('GET', '/v1/projects/' + enc(project) + '/snapshots?limit=1000&from=' + from);
      if (head === null) head = d.head_seq;
      tags.push(...d.tags);
      from = d.next_from;
    }
    latestSeq = head;
    out.replaceChildren(versionsTable(project, tags.reverse(), head, from !== null));
  } catch (e) {
    out.replaceChildren(el('p', { class: 'error', role: 'alert', text: describeError(e) }));
  }
  out.dataset.loaded = String(Date.now());
}

function downloadButtons(version, label) {
  return el('td', { class: 'downloads' }, ['manifest.json', 'data.jsonl'].map((file) =>
    el('button', { type: 'button', class: 'download', 'data-file': file, 'data-version': version,
      'aria-label': 'Download ' + file + ' of ' + label, onclick: (ev) => download(version, file, label, ev.currentTarget) }, file)));
}

function versionsTable(project, tags, head, truncated) {
  const head2 = el('thead', {}, el('tr', {}, ['Version', 'Ledger prefix (events)', 'Tagged (UTC)', 'By', 'Note', 'Download']
    .map((h) => el('th', { scope: 'col', text: h }))));
  const latest = el('tr', { 'data-latest': String(head) },
    el('th', { scope: 'row', text: 'Latest (not tagged)' }), el('td', { class: 'num', text: '1–' + head }),
    el('td', { text: '—' }), el('td', { text: '—' }), el('td', { class: 'hint', text: 'the ledger as this list was read' }),
    downloadButtons(String(head), 'the latest position, event ' + head));
  const rows = tags.map((t) => el('tr', { 'data-tag': t.name, 'data-version': t.version, 'data-seq': String(t.as_of_seq) },
    el('th', { scope: 'row', text: t.name }), el('td', { class: 'num', text: '1–' + t.as_of_seq }),
    el('td', { text: t.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z') }), el('td', { text: t.tagged_by }),
    el('td', { text: t.note || '' }), downloadButtons(t.version, 'version ' + t.name)));
  return el('div', { class: 'wide', tabindex: '0', role: 'region', 'aria-label': 'Dataset versions (scrolls sideways)' },
    el('table', { id: 'versions-table' },
      el('caption', { text: 'Dataset versions of ' + project + ' (' + tags.length + ' tagged; the ledger at event ' + head + ')' }),
      head2, el('tbody', {}, latest, rows)),
    tags.length ? null : el('p', { class: 'hint', text: 'No version is tagged yet (an admin tags one: consilium snapshot tag, or POST /v1/projects/' + project + '/snapshots).' }),
    truncated ? el('p', { class: 'hint', text: 'Only the first ' + (MAX_PAGES * 1000) + ' tags are listed.' }) : null);
}

async function sha256Hex(buf) {
  if (!globalThis.crypto || !crypto.subtle) return null;  // not a secure context
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
  return [...d].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// Fetches the file with the bearer token and saves it as a download.
async function download(version, file, label, button) {
  const status = document.getElementById('export-status');
  const project = projectOf();
  const content = document.getElementById('export-content').value;
  const path = '/v1/projects/' + enc(project) + '/snapshots/' + enc(version) + '/' + file + '?content=' + content;
  status.className = '';
  status.textContent = 'Exporting ' + file + ' of ' + label + '…';
  button.disabled = true;
  try {
    const res = await fetch(path, { headers: { Authorization: 'Bearer ' + token() }, cache: 'no-store' });
    if (!res.ok) {
      const text = await res.text();
      let e = null;
      try { e = JSON.parse(text).error; } catch { e = null; }
      throw new ApiError(res.status, e ? e.code : 'HTTP_' + res.status, e ? e.message : text || res.statusText);
    }
    const bytes = await res.arrayBuffer();
    const name = project + '-' + version + '-' + content + '-' + file;
    const url = URL.createObjectURL(new Blob([bytes], { type: res.headers.get('Content-Type') || 'application/octet-stream' }));
    const a = el('a', { href: url, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    // The browser has taken the file once the click was handled; the URL
    // is released a little later so slow save dialogs still find it.
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    const digest = await sha256Hex(bytes);
    status.className = 'ok';
    status.dataset.file = name;
    status.textContent = 'Saved ' + name + ' (' + bytes.byteLength + ' bytes' + (digest ? ', SHA-256 ' + digest : '') + ').' +
      (file === 'data.jsonl' ? ' Check it against its manifest: consilium snapshot verify.' : '');
  } catch (e) {
    status.className = 'error';
    status.textContent = describeError(e);
  } finally {
    button.disabled = false;
  }
}
