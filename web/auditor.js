// The auditor's page (docs/workspace.md, "Auditor"): the ledger head, an
// inclusion proof verified in the browser against the signed checkpoint's
// root (and, with the verifier key, its signature), and access history by
// record or principal and time. The key this server says it signs with is
// shown for comparison with the operator's copy; the key checked is always
// the one in the Verifier key field. Never record content.
import { api, describeError, el } from '/app/api.js';
import { qs } from '/app/readpage.js';
import { bytesToB64, bytesToHex, b64ToBytes, cryptoAvailable, parseCheckpointNote, rootFromInclusionProof, verifyNoteSignature } from '/app/merkle.js';

const field = (id, label, attrs = {}) => [el('label', { for: id, text: label }), el(attrs.rows ? 'textarea' : 'input', { id, type: attrs.rows ? null : 'text', class: attrs.mono ? 'mono' : null, ...attrs.extra })];
const panel = (id, title, ...children) => el('section', { class: 'panel', id, 'aria-labelledby': id + '-title' }, el('h3', { id: id + '-title', text: title }), ...children);

export async function render(page) {
  page.append(el('h2', { text: 'Audit' }), el('p', { class: 'hint', text: 'Who read what, and the ledger\'s proofs, checked in this browser. Times are UTC (2026-12-01T00:00:00Z).' }));
  page.append(panel('aud-head', 'Ledger head', el('div', { id: 'head-out', 'aria-live': 'polite' }),
    el('div', { class: 'actions' }, el('button', { type: 'button', id: 'head-btn', onclick: loadHead }, 'Refresh'))));
  page.append(panel('aud-proof', 'Verify that an event is in the signed ledger',
    el('p', { class: 'hint', text: 'The proof is checked here with WebCrypto SHA-256 (RFC 9162): from the event\'s hash up the proof path to a root, which must equal the root of the signed checkpoint. Give the ledger\'s verifier key (the copy you were given by whoever runs the ledger) to check the checkpoint\'s signature too. You may edit or paste the checkpoint and the proof.' }),
    ...field('server-vkey', 'The key this server signs its checkpoints with (read-only)', { mono: true, extra: { readonly: true, 'aria-describedby': 'server-vkey-hint' } }),
    el('p', { class: 'hint', id: 'server-vkey-hint', text: 'As this server reports it (GET /v1/ledger/verifier-key): compare it with the copy you were given by the ledger\'s operator before trusting a \'verified\': whoever controls this server controls this key too.' }),
    el('div', { class: 'actions' }, el('button', { type: 'button', id: 'server-vkey-copy', onclick: copyServerKey, disabled: true }, 'Copy into the verifier key field')),
    ...field('vkey', 'Verifier key (NAME+KEYID+BASE64)', { mono: true, extra: { autocomplete: 'off', spellcheck: 'false' } }),
    ...field('checkpoint-note', 'Signed checkpoint (C2SP signed note)', { rows: true, mono: true, extra: { class: 'mono', spellcheck: 'false' } }),
    el('div', { class: 'actions' }, el('button', { type: 'button', id: 'checkpoint-btn', onclick: loadCheckpoint }, 'Fetch the signed checkpoint')),
    ...field('proof-seq', 'Event sequence number', { extra: { inputmode: 'numeric' } }),
    el('div', { class: 'actions' }, el('button', { type: 'button', id: 'proof-btn', onclick: loadProof }, 'Fetch its inclusion proof')),
    el('p', { id: 'event-out', class: 'mono', 'aria-live': 'polite' }),
    ...field('proof-json', 'Inclusion proof (JSON)', { rows: true, mono: true, extra: { class: 'mono', spellcheck: 'false' } }),
    el('div', { class: 'actions' }, el('button', { type: 'button', class: 'primary', id: 'verify-btn', onclick: verify }, 'Verify')),
    el('ul', { id: 'verify-steps', class: 'mono' }),
    el('p', { id: 'verify-verdict', role: 'status' })));
  const access = el('form', { id: 'access-form' },
    ...field('acc-record', 'Record (or leave empty and give a principal)'), ...field('acc-principal', 'Principal'),
    ...field('acc-from', 'From (inclusive, UTC)', { extra: { placeholder: '2026-03-01T00:00:00Z' } }), ...field('acc-to', 'To (exclusive, UTC)'),
    el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Show access history')));
  access.addEventListener('submit', (ev) => { ev.preventDefault(); loadAccess(); });
  page.append(panel('aud-access', 'Access history', access, el('div', { id: 'access-out', 'aria-live': 'polite' })));
  await Promise.all([loadHead(), loadServerKey()]);
  performance.mark('workspace-interactive');
}

async function loadHead() {
  const out = document.getElementById('head-out');
  try {
    const h = await api('GET', '/v1/ledger/head');
    out.replaceChildren(el('dl', { class: 'trace' }, el('dt', { text: 'Events' }), el('dd', { id: 'head-seq', text: String(h.seq) }),
      el('dt', { text: 'Newest event hash' }), el('dd', { class: 'mono', id: 'head-hash', text: h.hash }),
      el('dt', { text: 'Time' }), el('dd', { text: h.time || '(empty ledger)' })));
    const seq = document.getElementById('proof-seq');
    if (seq && !seq.value && h.seq) seq.value = String(h.seq);
  } catch (e) {
    out.replaceChildren(el('p', { class: 'error', role: 'alert', text: describeError(e) }));
  }
}

// The key the server says it signs with; empty until it signed a checkpoint
// (fetching one signs it, so it is read again after each fetch).
async function loadServerKey() {
  const box = document.getElementById('server-vkey');
  const copy = document.getElementById('server-vkey-copy');
  try {
    const k = await api('GET', '/v1/ledger/verifier-key');
    box.value = k.verifier_key || '';
    box.placeholder = k.verifier_key ? '' : 'none yet: this server has not signed a checkpoint';
    copy.disabled = !k.verifier_key;
  } catch (e) {
    box.value = ''; box.placeholder = describeError(e); copy.disabled = true;
  }
}

function copyServerKey() {
  const key = document.getElementById('server-vkey').value;
  if (!key) return;
  document.getElementById('vkey').value = key;
  const verdict = document.getElementById('verify-verdict');
  verdict.className = ''; verdict.textContent = 'The server\'s key was copied into the verifier key field: Verify checks with it, so a \'verified\' means something only if it equals the operator\'s copy.';
}

// Whose key Verify checks with: the typed one, said to be the server's own
// when it equals what the server reports.
function keyOrigin(vkey) {
  return vkey === document.getElementById('server-vkey').value
    ? 'checked with the key in the verifier key field, which is the key this server reports: trust it only if it equals the operator\'s copy'
    : 'checked with the key in the verifier key field, not the key this server reports';
}

async function loadCheckpoint() {
  const verdict = document.getElementById('verify-verdict');
  try {
    document.getElementById('checkpoint-note').value = await api('GET', '/v1/ledger/checkpoint');
    await loadServerKey();
    verdict.className = ''; verdict.textContent = 'Checkpoint fetched; fetch a proof and verify.';
  } catch (e) {
    verdict.className = 'error'; verdict.textContent = describeError(e);
  }
}

// The proof for the checkpoint's tree size (never the head's: the root to
// check against is the signed one), and the event's hash from the events
// route, which the proof's leaf hash must equal.
async function loadProof() {
  const verdict = document.getElementById('verify-verdict');
  const seq = document.getElementById('proof-seq').value.trim();
  try {
    if (!/^[1-9][0-9]*$/.test(seq)) throw new Error('Give an event sequence number (1 or more).');
    if (!document.getElementById('checkpoint-note').value.trim()) await loadCheckpoint();
    const note = parseCheckpointNote(document.getElementById('checkpoint-note').value);
    const page = await api('GET', '/v1/ledger/events?from=' + seq + '&limit=1');
    const ev = page.events[0];
    if (!ev || String(ev.seq) !== seq) throw new Error('event ' + seq + ' is not in the ledger (head ' + page.head_seq + ')');
    const out = document.getElementById('event-out');
    out.textContent = 'Event ' + ev.seq + ': ' + ev.type + ' by ' + ev.actor + ' at ' + ev.time + ', hash ' + ev.hash;
    out.dataset.hash = ev.hash;
    out.dataset.seq = String(ev.seq);
    const proof = await api('GET', '/v1/ledger/proofs/inclusion?seq=' + seq + '&size=' + note.size);
    document.getElementById('proof-json').value = JSON.stringify(proof, null, 2);
    verdict.className = ''; verdict.textContent = 'Proof fetched for tree size ' + note.size + '; press Verify.';
  } catch (e) {
    verdict.className = 'error'; verdict.textContent = e.status ? describeError(e) : e.message;
  }
}

async function verify() {
  const steps = document.getElementById('verify-steps');
  const verdict = document.getElementById('verify-verdict');
  steps.replaceChildren();
  delete verdict.dataset.verdict;
  const step = (ok, text) => steps.append(el('li', { class: ok ? 'ok' : 'error', text: (ok ? '✓ ' : '✗ ') + text }));
  const fail = (why) => { verdict.className = 'not-verified'; verdict.dataset.verdict = 'not-verified'; verdict.textContent = 'NOT verified: ' + why; };
  if (!cryptoAvailable()) { fail('this page needs WebCrypto, which browsers give only over HTTPS or on localhost'); return; }
  try {
    const note = parseCheckpointNote(document.getElementById('checkpoint-note').value);
    step(true, 'checkpoint of ' + note.origin + ': ' + note.size + ' events, root ' + bytesToB64(note.root));
    const vkey = document.getElementById('vkey').value.trim();
    if (vkey) step(true, await verifyNoteSignature(note, vkey) + ' (' + keyOrigin(vkey) + ')');
    else step(false, 'signature not checked: no verifier key given');
    let proof;
    try { proof = JSON.parse(document.getElementById('proof-json').value); } catch (e) { throw new Error('the proof is not JSON: ' + e.message); }
    const ev = document.getElementById('event-out').dataset;
    if (ev.seq) {
      if (Number(ev.seq) !== proof.leafIdx + 1) throw new Error('the proof is for leaf ' + proof.leafIdx + ' (event ' + (proof.leafIdx + 1) + '), not event ' + ev.seq);
      if (bytesToHex(b64ToBytes(proof.leafHash)) !== ev.hash) throw new Error('the proof\'s leaf hash is not event ' + ev.seq + '\'s hash ' + ev.hash);
      step(true, 'leaf ' + proof.leafIdx + ' is event ' + ev.seq + ' (hash ' + ev.hash + ')');
    }
    if (proof.treeSize !== note.size) throw new Error('the proof is for a tree of ' + proof.treeSize + ' events, the checkpoint for ' + note.size);
    const root = await rootFromInclusionProof(proof);
    const computed = bytesToB64(root);
    step(true, 'root computed from the leaf and ' + proof.proof.length + ' path hashes: ' + computed);
    if (computed !== bytesToB64(note.root)) throw new Error('the computed root ' + computed + ' is not the checkpoint\'s root ' + bytesToB64(note.root));
    verdict.className = 'verified';
    verdict.dataset.verdict = 'verified';
    verdict.textContent = 'verified: event ' + (proof.leafIdx + 1) + ' is in the ledger of ' + note.size + ' events whose root the checkpoint ' +
      (vkey ? 'signs (' + (vkey === document.getElementById('server-vkey').value ? 'with the key this server reports; compare it with the operator\'s copy' : 'with the key you gave') + ')'
        : 'states (its signature was not checked: give the verifier key)');
  } catch (e) {
    step(false, e.message);
    fail(e.message);
  }
}

async function loadAccess() {
  const out = document.getElementById('access-out');
  const v = (id) => document.getElementById(id).value.trim();
  out.replaceChildren(el('p', { text: 'Loading…' }));
  try {
    const d = await api('GET', '/v1/audit/access' + qs({ record: v('acc-record'), principal: v('acc-principal'), from: v('acc-from'), to: v('acc-to') }));
    out.replaceChildren(d.access.length ? el('div', { class: 'wide', tabindex: '0', role: 'region', 'aria-label': 'Table (scrolls sideways)' }, el('table', { id: 'access-table' },
      el('caption', { text: d.access.length + ' access events, in ledger order' }),
      el('thead', {}, el('tr', {}, ['Event', 'Time', 'Principal', 'Resource', 'Action', 'Purpose', 'Allowed'].map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, d.access.map((a) => el('tr', { 'data-seq': a.seq },
        el('td', { text: String(a.seq) }), el('td', { text: a.time }), el('td', { text: a.actor }), el('td', { text: a.resource_kind + ':' + a.resource_id }),
        el('td', { text: a.action }), el('td', { text: a.purpose }), el('td', { text: a.allowed ? 'yes' : 'denied' + (a.reason ? ': ' + a.reason : '') }))))))
      : el('p', { text: 'No access in that range.' }));
  } catch (e) {
    out.replaceChildren(el('p', { class: 'error', role: 'alert', text: describeError(e) }));
  }
}
