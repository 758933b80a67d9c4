// The adjudicator's page (docs/workspace.md, "Adjudicator"): the queue of a
// project with its depth live from the server's WebSocket pushes
// (`queue_depth`; polled over REST only while the socket cannot open), claim
// the next item, the item as the claim returns it (record with every
// reader's evidence, the reasoning traces side by side, distribution, soft
// label, agreement), decide / ambiguous / escalate with a rationale,
// release; an automatic heartbeat while the page holds a lease, a countdown
// to its deadline, and the lease's loss shown as soon as the server pushes
// it (`lease_lost`). Claim, heartbeat, decide and release go over the socket
// (the server pushes a lease's warnings and loss to the session that last
// claimed or heartbeat it), over REST while it is down.
import { api, token, ApiError, describeError, el } from '/app/api.js';
import { projectsOf } from '/app/readpage.js';
import { anchorsOf, highlightedText, regionsFigure, traceView, readerClass } from '/app/evidence.js';
import { AdjudicationSocket } from '/app/adjws.js';

const POLL_MS = 4000;
const RECONNECT_MS = [1000, 2000, 5000, 10000, 30000];
let st = null;

export function leave() {
  if (!st) return;
  st.left = true;
  clearInterval(st.pollTimer);
  clearTimeout(st.reconnectTimer);
  if (st.sock) st.sock.close();
  stopLease();
  document.removeEventListener('keydown', onKey);
  st = null;
}

export async function render(page, me, role) {
  leave();
  const projects = projectsOf(me, role);
  st = { project: projects[0] || '', offsetMs: 0, lease: null, sock: null, live: false, attempts: 0, depthSeq: -1 };
  const projectInput = projects.length > 1 || !projects.length
    ? (projects.length
      ? el('select', { id: 'adj-project' }, projects.map((p) => el('option', { value: p, text: p })))
      : el('input', { id: 'adj-project', type: 'text', placeholder: 'project id' }))
    : null;
  const ttl = el('input', { id: 'adj-ttl', type: 'number', min: '1', max: '86400', inputmode: 'numeric', 'aria-describedby': 'adj-ttl-hint' });
  page.append(el('h2', { text: 'Adjudicate' }),
    el('div', { class: 'adj-layout' },
      el('section', { class: 'panel', id: 'adj-queue', 'aria-labelledby': 'adj-queue-title' },
        el('h3', { id: 'adj-queue-title', text: 'Queue' + (projects.length === 1 ? ' of ' + projects[0] : '') }),
        projectInput ? [el('label', { for: 'adj-project', text: 'Project' }), projectInput] : null,
        el('p', { id: 'queue-depth', class: 'depth', 'aria-live': 'polite', text: 'Loading the queue…' }),
        el('p', { id: 'live-state', class: 'hint', role: 'status', 'data-state': 'connecting', text: 'Connecting to the server for live updates…' }),
        el('label', { for: 'adj-ttl', text: 'Lease length in seconds (optional)' }), ttl,
        el('p', { class: 'hint', id: 'adj-ttl-hint', text: 'Empty: the project policy\'s. Each heartbeat extends the lease by the policy\'s length.' }),
        el('div', { class: 'actions' }, el('button', { type: 'button', id: 'claim-btn', class: 'primary', 'aria-keyshortcuts': 'Alt+C', onclick: claim }, 'Claim the next item')),
        el('p', { id: 'claim-result', role: 'status' }),
        el('div', { id: 'queue-items' })),
      el('section', { class: 'panel', id: 'adj-item', 'aria-labelledby': 'adj-item-title', tabindex: '-1' },
        el('h3', { id: 'adj-item-title', text: 'Item' }),
        el('p', { class: 'hint', text: 'Claim an item to see the record, every reader\'s reasoning and evidence, and decide.' }))));
  if (projectInput) {
    projectInput.addEventListener('change', () => { switchProject(projectInput.value.trim()); });
    st.project = projectInput.value.trim();
  }
  document.addEventListener('keydown', onKey);
  // The list first; the socket connects on its own (the page works, polling,
  // if it never does).
  connect();
  await loadQueue();
  performance.mark('workspace-interactive');
}

function onKey(e) {
  if (!st) return;
  if (e.altKey && (e.key === 'c' || e.key === 'C')) { e.preventDefault(); claim(); }
}

// The server's clock: the queue's now_at against the midpoint of the call.
const serverNow = () => Date.now() + st.offsetMs;
const enc = encodeURIComponent;

// ---- live updates: the WebSocket, or polling while it cannot open ----

function liveState(state, text) {
  const p = document.getElementById('live-state');
  if (!p) return;
  p.dataset.state = state;
  p.className = state === 'polling' ? 'notice' : 'hint';
  p.textContent = text;
}

async function connect() {
  if (!st || st.left) return;
  const mine = st;
  const sock = new AdjudicationSocket({ token: token(), onPush, onClose: (ev) => onSocketClosed(mine, sock, ev) });
  mine.sock = sock;
  try {
    await sock.connect();
    if (mine !== st) { sock.close(); return; }
    await subscribe();
  } catch (e) {
    if (mine !== st) return;
    if (sock.open) liveState('polling', 'Live updates refused (' + describeError(e) + '): the queue is polled every ' + POLL_MS / 1000 + ' s.');
    sock.close();
    onSocketClosed(mine, sock, { code: 0, reason: describeError(e), opened: false });
    return;
  }
  mine.live = true;
  mine.attempts = 0;
  clearInterval(mine.pollTimer);
  mine.pollTimer = null;
  liveState('live', 'Live: the depth is pushed by the server over the WebSocket.');
  // A lease held across a reconnect: heartbeat on this session so its
  // warnings and loss are pushed here.
  if (mine.lease && !mine.lease.ended) heartbeat();
}

async function subscribe() {
  if (!st || !st.project || !st.sock || !st.sock.open) return;
  const r = await st.sock.send('subscribe', { queue: st.project });
  st.subscribed = st.project;
  applyDepth(r.depth, r.seq, 'push');
}

async function switchProject(p) {
  if (!st) return;
  if (st.sock && st.sock.open && st.subscribed && st.subscribed !== p) {
    st.sock.send('unsubscribe', { queue: st.subscribed }).catch(() => {});
    st.subscribed = null;
  }
  st.project = p;
  st.depthSeq = -1;
  await loadQueue();
  if (st && st.sock && st.sock.open) subscribe().catch((e) => liveState('polling', 'Live updates refused: ' + describeError(e)));
}

// The socket closed or could not open: poll until a reconnect succeeds.
function onSocketClosed(mine, sock, ev) {
  if (mine !== st || mine.left || mine.sock !== sock) return;
  mine.live = false;
  mine.sock = null;
  const wait = RECONNECT_MS[Math.min(mine.attempts, RECONNECT_MS.length - 1)];
  mine.attempts++;
  liveState('polling', (ev.opened ? 'The live connection closed' : 'No live connection') +
    (ev.reason ? ' (' + ev.reason + ')' : ev.code ? ' (' + ev.code + ')' : '') +
    ': the queue is polled every ' + POLL_MS / 1000 + ' s; reconnecting in ' + wait / 1000 + ' s.');
  if (!mine.pollTimer) mine.pollTimer = setInterval(loadQueue, POLL_MS);
  clearTimeout(mine.reconnectTimer);
  mine.reconnectTimer = setTimeout(connect, wait);
}

function onPush(m) {
  if (!st) return;
  if (m.type === 'queue_depth') {
    if (m.queue !== st.project || m.field !== null) return;
    applyDepth(m.depth, m.seq, 'push');
    loadQueue(); // the list in claim order, once per (coalesced) push
  } else if (m.type === 'lease_lost') {
    onLeaseLost(m);
  } else if (m.type === 'lease_expiring') {
    const l = st.lease;
    if (!l || l.ended || m.lease !== l.id) return;
    const note = document.getElementById('lease-note');
    if (note) note.textContent = 'The server warns that lease ' + l.id + ' ends in ' + Math.round(m.remaining_ms / 1000) + ' s: heartbeating now.';
    heartbeat();
  }
}

// The depth: the newest by the server's sequence number wins, whether it
// came with a push or a REST read.
function applyDepth(depth, seq, source) {
  const p = document.getElementById('queue-depth');
  if (!st || !p || seq < st.depthSeq) return;
  if (seq === st.depthSeq && source === 'rest' && p.dataset.source === 'push') return;
  st.depthSeq = seq;
  p.className = 'depth';
  p.dataset.queued = depth;
  p.dataset.seq = seq;
  p.dataset.source = source;
  p.textContent = depth + ' waiting' + (st.leases !== undefined ? ', ' + st.leases + ' leased' : '') +
    ' (as of event ' + seq + (source === 'push' ? ', live' : '') + ')';
}

// The list in claim order (REST: the socket carries depths, not lists); the
// depth it carries counts only when newer than the last push.
async function loadQueue() {
  if (!st || !st.project) return;
  if (st.loading) { st.loadAgain = true; return; }
  st.loading = true;
  try {
    do {
      st.loadAgain = false;
      await loadQueueOnce();
    } while (st && st.loadAgain);
  } finally {
    if (st) st.loading = false;
  }
}

async function loadQueueOnce() {
  const mine = st;
  const t0 = Date.now();
  let q;
  try {
    q = await api('GET', '/v1/projects/' + enc(mine.project) + '/adjudication/queue?limit=50');
  } catch (e) {
    const depth = document.getElementById('queue-depth');
    if (depth && mine === st) { depth.className = 'error'; depth.textContent = describeError(e); }
    return;
  }
  if (mine !== st || !document.getElementById('queue-items')) return;
  st.offsetMs = Date.parse(q.now_at) - (t0 + Date.now()) / 2;
  st.leases = q.leases;
  st.lastQueue = q;
  applyDepth(q.queued, q.as_of_seq, 'rest');
  renderRows();
}

// The list of the last queue read; drawn again when this page's lease
// starts or ends ("by you"), without asking the server.
function renderRows() {
  const q = st && st.lastQueue;
  const box = document.getElementById('queue-items');
  if (!q || !box) return;
  const rows = q.items.map((it) => el('tr', { 'data-record': it.record, 'data-field': it.field },
    el('td', {}, it.record, el('br'), el('span', { class: 'hint', text: it.reason + ' (' + it.annotations + ' readers)' })),
    el('td', { text: it.field }),
    el('td', {}, it.state + (it.escalated ? ' (escalated)' : '') + (it.lease ? (st.lease && st.lease.id === it.lease && !st.lease.ended ? ', by you' : ', lease ' + it.lease) : ''),
      // A lease this page does not hold (claimed before a reload, or in
      // another tab) can be given back from here; the server judges whose it is.
      it.lease && !(st.lease && st.lease.id === it.lease && !st.lease.ended)
        ? el('button', { type: 'button', class: 'release-other', 'data-lease': it.lease, onclick: () => releaseOther(it.lease) }, 'Release lease ' + it.lease) : null),
    el('td', { class: 'num', text: String(it.priority) })));
  box.replaceChildren(q.items.length
    ? el('div', {}, el('table', { class: 'queue' }, el('caption', { text: 'Items in claim order (first ' + q.items.length + ', as of event ' + q.as_of_seq + ')' }),
      el('thead', {}, el('tr', {}, ['Record', 'Field', 'State', 'Priority'].map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, rows)))
    : el('p', { text: 'Nothing in your queue.' }));
}

// A lease message over the socket when it is up, else the REST route.
function leaseCall(type, lease, body) {
  if (st.sock && st.live && st.sock.open) return st.sock.send(type, { lease, ...(body || {}) });
  return api('POST', '/v1/adjudication/leases/' + lease + '/' + type, body);
}

async function claim() {
  if (!st || !st.project) return;
  const out = document.getElementById('claim-result');
  if (st.lease && !st.lease.ended) { out.className = 'error'; out.textContent = 'You hold lease ' + st.lease.id + ': decide or release it first.'; return; }
  if (st.claiming) return;
  const ttl = document.getElementById('adj-ttl').value.trim();
  out.className = ''; out.textContent = 'Claiming…';
  const t0 = performance.now();
  let c;
  st.claiming = true;
  try {
    const body = ttl ? { ttl_seconds: Number(ttl) } : {};
    c = st.sock && st.live && st.sock.open ? await st.sock.send('claim', { queue: st.project, ...body })
      : await api('POST', '/v1/projects/' + enc(st.project) + '/adjudication/claim', body);
  } catch (e) {
    out.className = 'error';
    out.textContent = e instanceof ApiError && e.code === 'NOT_FOUND' ? 'Nothing to claim: ' + e.message : describeError(e);
    return;
  } finally {
    if (st) st.claiming = false;
  }
  if (!st) return;
  const t1 = performance.now();
  out.textContent = 'Claimed ' + c.record + ' / ' + c.field + ' (lease ' + c.lease + ').';
  showItem(c);
  // Claim to shown, split into the server's answer (the access event is
  // durable first) and the page's rendering.
  const t2 = performance.now();
  performance.measure('adjudicator-claim-shown', { start: t0, end: t2 });
  performance.measure('adjudicator-claim-request', { start: t0, end: t1 });
  performance.measure('adjudicator-claim-render', { start: t1, end: t2 });
  startLease(c);
  renderRows();
  document.getElementById('adj-item').focus();
  if (!st.live) loadQueue();
}

// ---- the lease: countdown, heartbeat, end ----

function startLease(c) {
  const expires = c.expires_us / 1000;
  st.lease = { id: c.lease, field: c.field, record: c.record, expiresMs: expires, ended: null };
  const lengthMs = Math.max(1000, expires - serverNow());
  st.lease.tick = setInterval(tick, 250);
  st.lease.hb = setInterval(heartbeat, Math.min(20000, Math.max(1000, lengthMs / 3)));
  tick();
}

function stopLease() {
  if (!st || !st.lease) return;
  clearInterval(st.lease.tick);
  clearInterval(st.lease.hb);
}

function tick() {
  const l = st && st.lease;
  const box = document.getElementById('lease-status');
  if (!l || !box || l.ended) return;
  const left = Math.max(0, Math.ceil((l.expiresMs - serverNow()) / 1000));
  box.textContent = 'Lease ' + l.id + ': ' + Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0') +
    ' left (until ' + new Date(l.expiresMs).toISOString().slice(11, 19) + ' UTC; heartbeat every few seconds while this page is open)';
  box.dataset.secondsLeft = left;
  if (left <= 0) endLease('expired', 'Your lease ' + l.id + ' expired: the item went back to the queue and deciding is disabled. Claim again to continue.');
}

async function heartbeat() {
  const l = st && st.lease;
  if (!l || l.ended || l.beating) return;
  l.beating = true;
  try {
    const r = await leaseCall('heartbeat', l.id);
    if (r.expires_us) l.expiresMs = r.expires_us / 1000;
    document.getElementById('lease-note').textContent = '';
  } catch (e) {
    // The server says the lease ended (FAILED_PRECONDITION "no longer
    // held"), is gone or is not ours; anything else (a concurrent command on
    // the lease: 409, an expired session: 401, the network, no answer) is
    // retried at the next beat.
    if (e instanceof ApiError && ['FAILED_PRECONDITION', 'NOT_FOUND', 'PERMISSION_DENIED'].includes(e.code)) {
      endLease('lost', 'Your lease ' + l.id + ' was lost: ' + e.message + '. Deciding is disabled; claim again to continue.');
    } else if (!l.ended) {
      const note = document.getElementById('lease-note');
      if (note) note.textContent = 'Heartbeat failed (' + describeError(e) + '); retrying. The lease ends at its deadline unless one gets through.';
    }
  } finally {
    l.beating = false;
  }
}

// The server pushed the end of a lease (docs/websocket.md, "Pushes"):
// expired, lost, released / decided / escalated from elsewhere; or
// item_changed: still held, but a decision under it would be refused.
function onLeaseLost(m) {
  const l = st.lease;
  if (!l || l.ended || m.lease !== l.id) return;
  if (m.reason === 'item_changed') {
    const alert = document.getElementById('lease-alert');
    if (alert) { alert.className = 'error'; alert.textContent = 'The annotations of ' + l.record + ' changed since your claim: a decision under lease ' + l.id + ' would be refused. Release it and claim again.'; }
    l.changed = true;
    const btn = document.getElementById('decide-btn');
    if (btn) btn.disabled = true;
    return;
  }
  const how = { expired: 'expired', lost: 'was taken back (the item left the queue)', released: 'was released elsewhere', decided: 'was decided elsewhere', escalated: 'was escalated elsewhere' }[m.reason] || m.reason;
  endLease(m.reason === 'expired' ? 'expired' : 'lost', 'Your lease ' + l.id + ' is no longer held: it ' + how +
    (m.seq ? ' at event ' + m.seq : '') + ' (the server said so at once). Deciding is disabled; claim again to continue.');
}

// The lease ended: released, decided, expired or lost. Deciding is disabled
// (the server refuses it too: FAILED_PRECONDITION once a lease ended).
function endLease(why, message) {
  const l = st.lease;
  if (!l || l.ended) return;
  l.ended = why;
  stopLease();
  const status = document.getElementById('lease-status');
  if (status) { status.textContent = 'Lease ' + l.id + ' ' + why + '.'; status.dataset.secondsLeft = '0'; status.dataset.ended = why; }
  const alert = document.getElementById('lease-alert');
  if (alert && message) { alert.className = why === 'expired' || why === 'lost' ? 'error' : 'ok'; alert.textContent = message; }
  const form = document.getElementById('decide-fields');
  if (form) form.disabled = true;
  const release = document.getElementById('release-btn');
  if (release) release.disabled = true;
  renderRows();
  // Live or not: the list changed (the item is no longer ours) even when
  // this adjudicator's depth did not (a decided item was not counted while
  // claimed; an escalated one counts only for the senior tier), so no
  // queue_depth push may come.
  loadQueue();
}

async function release() {
  const l = st.lease;
  if (!l || l.ended) return;
  try {
    await leaseCall('release', l.id);
    endLease('released', 'Released: ' + l.record + ' / ' + l.field + ' is back in the queue.');
  } catch (e) {
    if (e instanceof ApiError && e.code === 'FAILED_PRECONDITION') endLease('lost', 'Your lease ' + l.id + ' was lost: ' + e.message);
    else document.getElementById('lease-alert').textContent = describeError(e);
  }
}

async function releaseOther(id) {
  const out = document.getElementById('claim-result');
  try {
    await leaseCall('release', id);
    out.className = 'ok'; out.textContent = 'Released lease ' + id + ': its item is back in the queue.';
  } catch (e) {
    out.className = 'error'; out.textContent = describeError(e);
  }
  if (!st.live) loadQueue();
}

// ---- the item ----

function showItem(c) {
  const s = c.shown;
  const box = document.getElementById('adj-item');
  const text = (s.record_content && s.record_content.text) || '';
  const images = (s.record_content && s.record_content.images) || [];
  // Readers by pseudonym, or numbered in submission order in a blind project.
  const readers = s.annotations.map((a, i) => ({ ...a, k: i, label: a.annotator || 'Reader ' + (i + 1) }));
  const spans = [];
  const regions = [];
  for (const r of readers) {
    for (const an of anchorsOf(r.trace)) {
      if (an.kind === 'span') spans.push({ k: r.k, label: r.label, ...an.value });
      else regions.push({ k: r.k, label: r.label, value: an.value });
    }
  }
  box.replaceChildren(
    el('h3', { id: 'adj-item-title', text: 'Record ' + s.record + ', field ' + s.field }),
    el('p', { id: 'lease-status', role: 'timer', 'aria-live': 'off' }),
    el('p', { id: 'lease-alert', role: 'alert' }),
    el('p', { id: 'lease-note', class: 'hint', 'aria-live': 'polite' }),
    decideForm(c, readers),
    el('h4', { text: 'The record' + (s.blind ? ' (blind project: readers are numbered, not named)' : '') }),
    s.record_sealed ? el('p', { class: 'notice', text: 'The record content is sealed (its subject\'s key was shredded).' })
      : highlightedText(text, spans, 'adj-record-text'),
    el('div', { class: 'adj-images' }, images.map((im) => regionsFigure({ frames: 1, ...im }, regions))),
    el('p', { class: 'legend' }, 'Evidence colours: ', readers.map((r) => el('mark', { class: readerClass(r.k) }, r.label))),
    el('h4', { text: 'Reasoning traces side by side' }),
    el('div', { class: 'traces' }, readers.map((r) => el('article', { class: 'trace-card ' + readerClass(r.k), 'aria-label': 'Reasoning of ' + r.label, 'data-seq': r.seq },
      el('h5', {}, el('mark', { class: readerClass(r.k) }, r.label), ': ', el('strong', { text: JSON.stringify(r.value) })),
      el('p', { class: 'hint', text: r.schema + ', revision ' + r.revision + ', event ' + r.seq + ', ' + r.submitted_at }),
      traceView(r.trace, text, r.k)))),
    distributionView(s),
    agreementView(s));
}

function fmt(x) { return x === null || x === undefined ? '—' : Number.isFinite(x) ? String(Math.round(x * 1000) / 1000) : String(x); }

function distributionView(s) {
  return el('section', { 'aria-labelledby': 'adj-dist-title' }, el('h4', { id: 'adj-dist-title', text: 'Distribution and soft label of ' + s.field }),
    s.distribution.map((d) => el('table', { class: 'dist' },
      el('caption', { text: d.schema + ': normalized entropy ' + fmt(d.normalized_entropy) + ' (' + d.layer + ', ' + d.metric + ')' }),
      el('thead', {}, el('tr', {}, ['Value', 'Readers', 'Model pre-labels', 'Soft label (Dawid–Skene)'].map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, [...new Set([...Object.keys(d.counts), ...Object.keys(d.model_prelabels || {}), ...Object.keys(d.soft_label || {})])]
        .sort((a, b) => ((d.soft_label || {})[b] || 0) - ((d.soft_label || {})[a] || 0) || (d.counts[b] || 0) - (d.counts[a] || 0))
        .map((v) => el('tr', {}, el('th', { scope: 'row', text: v }), el('td', { text: String(d.counts[v] || 0) }),
          el('td', { text: String((d.model_prelabels || {})[v] || 0) }), el('td', { text: d.soft_label ? fmt(d.soft_label[v] || 0) : '—' })))))));
}

function agreementView(s) {
  return el('section', { 'aria-labelledby': 'adj-agr-title' }, el('h4', { id: 'adj-agr-title', text: 'Agreement on ' + s.field + ' in the project' }),
    s.agreement.length ? el('ul', {}, s.agreement.map((a) => el('li', {
      text: a.schema + ': ' + a.statistic.replace(/_/g, ' ') + ' ' + fmt(a.value) + ' (' + a.items + ' items, ' + a.raters + ' readers, ' + a.ratings + ' ratings)' })))
      : el('p', { class: 'hint', text: 'No agreement figure for this field yet.' }));
}

// Decide (a value), ambiguous (keep the distribution) or escalate, with a
// required rationale. Keyboard: the radios, the value, the rationale, then
// Ctrl+Enter or the button.
function decideForm(c, readers) {
  const values = [...new Set([...readers.map((r) => JSON.stringify(r.value)), ...c.shown.distribution.flatMap((d) => Object.keys(d.soft_label || {}).map((k) => JSON.stringify(k)))])];
  const textual = readers.every((r) => typeof r.value === 'string');
  const option = (v, label, checked) => el('div', { class: 'choice' },
    el('input', { type: 'radio', name: 'outcome', id: 'outcome-' + v, value: v, checked }), el('label', { for: 'outcome-' + v, class: 'inline', text: label }));
  const valueIn = el('input', { id: 'decide-value', type: 'text', list: 'decide-values', 'aria-describedby': 'decide-value-hint', autocomplete: 'off' });
  const rationale = el('textarea', { id: 'decide-rationale', required: true, 'aria-required': 'true' });
  const result = el('p', { id: 'decide-result', role: 'status' });
  const form = el('form', { id: 'decide-form', 'aria-labelledby': 'decide-title' },
    el('fieldset', { id: 'decide-fields' },
      el('legend', { id: 'decide-title', text: 'Your decision on ' + c.field }),
      el('div', { role: 'radiogroup', 'aria-label': 'Outcome' },
        option('value', 'Decide a value', true), option('ambiguous', 'Ambiguous: keep the distribution', false), option('escalate', 'Escalate', false)),
      el('label', { for: 'decide-value', text: 'Value' }), valueIn,
      el('datalist', { id: 'decide-values' }, values.map((v) => el('option', { value: textual ? JSON.parse(v) : v }))),
      el('p', { class: 'hint', id: 'decide-value-hint', text: textual ? 'Choose a reader\'s value or enter another one; the server checks it against the task schema.' : 'A JSON value (number, true/false, list) checked against the task schema.' }),
      el('label', { for: 'decide-rationale', text: 'Rationale (required)' }), rationale,
      el('div', { class: 'actions' },
        el('button', { type: 'submit', class: 'primary', id: 'decide-btn', 'aria-keyshortcuts': 'Control+Enter' }, 'Record decision'),
        el('button', { type: 'button', id: 'release-btn', onclick: release }, 'Release the item'))),
    result);
  form.addEventListener('submit', (ev) => { ev.preventDefault(); decide(form, c, textual); });
  form.addEventListener('keydown', (ev) => { if (ev.ctrlKey && ev.key === 'Enter') { ev.preventDefault(); decide(form, c, textual); } });
  return form;
}

async function decide(form, c, textual) {
  const l = st.lease;
  const result = document.getElementById('decide-result');
  if (!l || l.ended) { result.className = 'error'; result.textContent = 'The lease has ended: nothing can be decided on it.'; return; }
  if (l.changed) { result.className = 'error'; result.textContent = 'The annotations changed since your claim: release the item and claim again.'; return; }
  const outcome = form.querySelector('input[name=outcome]:checked').value;
  const rationale = document.getElementById('decide-rationale').value.trim();
  const raw = document.getElementById('decide-value').value.trim();
  const body = { field: c.field, rationale };
  const errors = [];
  if (!rationale) errors.push('A rationale is required.');
  if (outcome === 'value') {
    if (!raw) errors.push('Enter the decided value (or choose ambiguous or escalate).');
    else if (textual) body.value = raw;
    else { try { body.value = JSON.parse(raw); } catch { errors.push('The value is not JSON: ' + raw); } }
  } else body[outcome] = true;
  if (errors.length) { result.className = 'error'; result.textContent = errors.join(' '); return; }
  result.className = ''; result.textContent = 'Recording…';
  try {
    const d = await leaseCall('decide', l.id, body);
    result.className = 'ok';
    result.dataset.state = d.state;
    result.textContent = 'Recorded as event ' + d.seq + ': ' + d.outcome + (d.outcome === 'decided' ? ' ' + JSON.stringify(d.value) : '') + '; the item is now ' + d.state +
      (d.state === 'escalated' ? ': it went to the senior tier and leaves your queue unless you are a senior adjudicator.' : '.');
    endLease('ended by your decision', '');
  } catch (e) {
    result.className = 'error';
    result.textContent = describeError(e);
    if (e instanceof ApiError && e.code === 'FAILED_PRECONDITION') endLease('lost', 'Your lease ' + l.id + ' was lost: ' + e.message);
  }
}
