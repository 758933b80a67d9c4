// The adjudicator, researcher and auditor pages in a real browser against a
// real `consilium serve` on a demo ledger with a checkpoint key
// (docs/workspace.md, "Browser tests", web_roles). Any failed check throws:
// exit 1 with the reason.
//   node roles.mjs CONSILIUM_BINARY OUT_DIR
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { anchorsIn, check, startDemoServer, launchBrowser, pageFactory, signIn } from './harness.mjs';

const [consilium, out] = process.argv.slice(2);
const shots = path.join(out, 'screenshots');
fs.mkdirSync(shots, { recursive: true });
const P = 'dyspnoea-dx';

let vkey = '';
const srv = await startDemoServer(consilium, out, 'roles-ledger', (data) => {
  const key = path.join(out, 'roles-checkpoint.key');
  fs.rmSync(key, { force: true });
  vkey = execFileSync(consilium, ['keygen', '--name', 'consilium.test/web-roles', '--out', key], { encoding: 'utf8' }).trim().split('\n').pop().trim();
  execFileSync(consilium, ['configure', '--data', data, '--checkpoint-key', key], { stdio: ['ignore', 'ignore', 'inherit'] });
});
const { base, call, tokenOf } = srv;
const admin = tokenOf('admin');
const { browser, axeSource } = await launchBrowser(out);
const { newPage, axeCheck, finalChecks } = pageFactory(browser, srv.origin, axeSource);

// Polls a condition in the page with page.evaluate (page.waitForFunction
// evaluates a string, which the workspace's CSP refuses: no eval).
async function until(page, fn, arg, what, timeout = 15000) {
  const end = Date.now() + timeout;
  while (!(await page.evaluate(fn, arg))) {
    if (Date.now() > end) throw new Error('timed out waiting: ' + what);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const navOf = (page) => page.$$eval('#nav a', (as) => as.map((a) => a.id));
const num = (page, sel) => page.$eval(sel, (e) => Number(e.dataset.value));
// Everything a page sent and received, in order: HTTP requests and the
// WebSocket's frames (parsed), so a test can say what came before what.
function recordTraffic(page) {
  const log = [];
  page.on('request', (r) => log.push({ kind: 'http', method: r.method(), url: r.url() }));
  page.on('websocket', (ws) => {
    const parse = (f) => { try { return JSON.parse(f.payload); } catch { return null; } };
    ws.on('framesent', (f) => log.push({ kind: 'sent', msg: parse(f) }));
    ws.on('framereceived', (f) => log.push({ kind: 'received', msg: parse(f) }));
  });
  return log;
}
// The index of the first entry at or after `from` that satisfies `pred`.
async function waitLog(log, from, pred, what, timeout = 15000) {
  const end = Date.now() + timeout;
  for (;;) {
    for (let i = from; i < log.length; i++) if (pred(log[i])) return i;
    if (Date.now() > end) throw new Error('timed out waiting: ' + what);
    await new Promise((r) => setTimeout(r, 50));
  }
}
// The answer to the next `type` message the page sends over the socket.
async function wsAnswer(log, from, type, what) {
  const i = await waitLog(log, from, (e) => e.kind === 'sent' && e.msg && e.msg.type === type, what + ': the page sends ' + type);
  const id = log[i].msg.id;
  const j = await waitLog(log, i, (e) => e.kind === 'received' && e.msg && e.msg.id === id, what + ': the answer to ' + type);
  return { sent: i, at: j, msg: log[j].msg };
}
const isQueueGet = (e) => e.kind === 'http' && e.url.includes('/adjudication/queue');
const itemOf = async (token, record, field) => call(admin, 'GET', '/v1/projects/' + P + '/records/' + record + '/adjudication?field=' + encodeURIComponent(field));

// The researcher's dataset versions: the page lists the API's tags; its
// download buttons save exactly the route's bytes (the page fetches them
// with the bearer token); the version tagged after the browser's decision
// carries that decision and the annotators' evidence anchors, and no record
// content; full content is refused to a researcher (403).
async function checkVersions(res, rt, shown, claim, value) {
  const api = await call(rt, 'GET', '/v1/projects/' + P + '/snapshots');
  const row = '#versions-table tr[data-tag="web-after-decision"]';
  await res.page.waitForSelector(row);
  const names = await res.page.$$eval('#versions-table tr[data-tag]', (trs) => trs.map((t) => t.dataset.tag));
  check(JSON.stringify(names) === JSON.stringify(api.tags.map((t) => t.name).reverse()), 'the page lists the API\'s dataset versions, newest first: ' + names.join(', '));
  const tag = api.tags.find((t) => t.name === 'web-after-decision');
  const cells = await res.page.$$eval(row + ' td', (tds) => tds.map((t) => t.textContent));
  check(cells[0] === '1–' + tag.as_of_seq && cells[2] === tag.tagged_by && cells[3] === 'WEBNOTE after the decisions' && tag.tagged_by !== 'admin',
    'the version row shows its prefix, the tagger by pseudonym (' + tag.tagged_by + ') and the note');
  const saved = {};
  for (const file of ['manifest.json', 'data.jsonl']) {
    const [dl] = await Promise.all([res.page.waitForEvent('download'), res.page.click(row + ' button[data-file="' + file + '"]')]);
    const bytes = fs.readFileSync(await dl.path());
    const route = Buffer.from(await (await fetch(base + '/v1/projects/' + P + '/snapshots/' + tag.version + '/' + file + '?content=hash',
      { headers: { Authorization: 'Bearer ' + rt } })).arrayBuffer());
    check(bytes.length > 0 && bytes.equals(route), 'the downloaded ' + dl.suggestedFilename() + ' is the route\'s bytes (' + bytes.length + ')');
    saved[file] = bytes.toString('utf8');
  }
  await res.page.waitForSelector('#export-status.ok');
  const manifest = JSON.parse(saved['manifest.json']);
  const digest = crypto.createHash('sha256').update(saved['data.jsonl']).digest('hex');
  check(manifest.data.sha256 === digest && manifest.spec.tag === 'web-after-decision' && manifest.spec.content === 'hash' && manifest.ledger.size === tag.as_of_seq,
    'the manifest names the tag, content hashes and the data file\'s SHA-256');
  check((await res.page.textContent('#export-status')).includes(digest), 'the page shows the SHA-256 of the file it saved');
  const line = saved['data.jsonl'].split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.record_id === claim.record);
  const decided = line && line.adjudications.find((a) => a.field_path === claim.field || a.field_path === claim.field.replace(/\[\d+\]/g, '[]'));
  check(decided && decided.outcome === 'decided' && JSON.stringify(decided.value) === JSON.stringify(value) && decided.rationale.includes('WEBRATIONALE'),
    'the export carries the browser\'s decision on ' + claim.record + ' / ' + claim.field + ' (' + JSON.stringify(value) + ', with its rationale)');
  const want = anchorsIn(shown.annotations.map((a) => a.trace));
  const got = anchorsIn(line.annotations.map((a) => a.revisions[a.revisions.length - 1].values));
  check(want.size > 0 && [...want].every((a) => got.has(a)), 'the export carries the annotators\' evidence anchors (' + [...want].join('; ') + ')');
  check(line.content === null && !saved['data.jsonl'].includes(shown.record_content.text.slice(0, 40)) && !/"dr-[a-z]+"/.test(saved['data.jsonl']),
    'the researcher\'s export holds no record content (content hashes) and no annotator identity');
  // The latest position: its manifest names the ledger as the list read it.
  const latestRow = '#versions-table tr[data-latest]';
  const latestSeq = Number(await res.page.getAttribute(latestRow, 'data-latest'));
  check(latestSeq === api.head_seq || latestSeq >= tag.seq, 'a "latest" row at the listed head (event ' + latestSeq + ')');
  const [ldl] = await Promise.all([res.page.waitForEvent('download'), res.page.click(latestRow + ' button[data-file="manifest.json"]')]);
  check(JSON.parse(fs.readFileSync(await ldl.path(), 'utf8')).ledger.size === latestSeq, 'the latest export is the ledger prefix 1..' + latestSeq);
  // Full content is not the researcher's: the page says the server refused.
  await res.page.selectOption('#export-content', 'full');
  await res.page.click(row + ' button[data-file="data.jsonl"]');
  await res.page.waitForSelector('#export-status.error');
  check((await res.page.textContent('#export-status')).includes('Refused by the server (403 PERMISSION_DENIED)'), 'full record content is refused to a researcher (403), said on the page');
  await res.page.selectOption('#export-content', 'hash');
  await res.page.screenshot({ path: path.join(shots, 'researcher-versions.png'), fullPage: true });
}

try {
  // ---- Adjudicator: claim by keyboard, heartbeat, decide by keyboard. ----
  const adj = await newPage('dr-gallagher');
  const traffic = recordTraffic(adj.page);
  await signIn(adj.page, base, tokenOf('dr-gallagher'), 'adjudicator');
  await adj.page.waitForSelector('#live-state[data-state="live"]');
  check(traffic.some((e) => e.kind === 'sent' && e.msg && e.msg.type === 'subscribe' && e.msg.queue === P), 'the page opened the WebSocket and subscribed to the queue of ' + P);
  check(JSON.stringify(await navOf(adj.page)) === '["nav-adjudicator"]', 'an adjudicator-only principal sees only the Adjudicate page');
  const q0 = await call(tokenOf('dr-gallagher'), 'GET', '/v1/projects/' + P + '/adjudication/queue?limit=2');
  await adj.page.waitForSelector('#queue-depth[data-queued]');
  const depth0 = Number(await adj.page.getAttribute('#queue-depth', 'data-queued'));
  check(depth0 === q0.queued, 'the page shows the queue depth the API gives (' + depth0 + ')');
  check(await adj.page.locator('#queue-items tbody tr').first().getAttribute('data-record') === q0.items[0].record, 'the queue lists items in claim order');
  await axeCheck(adj.page, 'adjudicator (queue)');

  await adj.page.fill('#adj-ttl', '6');
  // The queue shrinks on the claim: the new depth must come from a push.
  // REST reads of the queue are held (not answered) until it has shown, and
  // none may be sent between the claim and the push.
  const held = [];
  await adj.page.route('**/adjudication/queue*', (route) => { held.push(route); });
  const mark = traffic.length;
  await adj.page.keyboard.press('Alt+C');
  const claimAnswer = await wsAnswer(traffic, mark, 'claim', 'Alt+C claims over the WebSocket');
  const claim = claimAnswer.msg.result;
  await adj.page.waitForSelector('#lease-status[data-seconds-left]');
  const [ms, msReq, msRender] = await adj.page.evaluate(() => ['shown', 'request', 'render'].map((n) => performance.getEntriesByName('adjudicator-claim-' + n)[0].duration));
  console.log('PERF adjudicator claim -> shown ' + ms.toFixed(1) + ' ms (request ' + msReq.toFixed(1) + ' ms, render ' + msRender.toFixed(1) + ' ms; target 100 ms; not asserted)');
  check([ms, msReq, msRender].every((x) => Number.isFinite(x) && x > 0) && ms >= msReq, 'claim -> shown was measured with the Performance API');
  await until(adj.page, (d) => Number(document.getElementById('queue-depth').dataset.queued) < d, depth0, 'the depth to shrink after the claim');
  const pushAt = traffic.findIndex((e, i) => i >= mark && e.kind === 'received' && e.msg && e.msg.type === 'queue_depth' && e.msg.depth < depth0);
  const shownDepth = await adj.page.$eval('#queue-depth', (p) => ({ queued: Number(p.dataset.queued), source: p.dataset.source }));
  check(pushAt > 0 && shownDepth.source === 'push' && shownDepth.queued === traffic[pushAt].msg.depth,
    'the adjudicator watches the queue shrink (' + depth0 + ' -> ' + shownDepth.queued + ') from a queue_depth push');
  check(!traffic.slice(mark, pushAt).some(isQueueGet) && held.length <= 1,
    'no REST read of the queue between the claim and the pushed depth (' + held.length + ' read after it, held)');
  await adj.page.unroute('**/adjudication/queue*');
  for (const r of held) await r.continue();
  check(claim.record === q0.items[0].record, 'Alt+C claims the first item of the queue (' + claim.record + ' / ' + claim.field + ')');
  const s = claim.shown;
  check((await adj.page.textContent('#adj-record-text')) === s.record_content.text, 'the claimed record\'s text is shown');
  check(await adj.page.locator('.trace-card').count() === s.annotations.length, 'one reasoning trace per current annotation (' + s.annotations.length + ')');
  const firstSpan = s.annotations.flatMap((a) => a.trace.key_findings || []).flatMap((f) => f.evidence || []).find((e) => e.span);
  const marked = await adj.page.$$eval('#adj-record-text mark', (ms2) => ms2.map((m) => m.textContent));
  check(!firstSpan || marked.join('').includes([...s.record_content.text].slice(firstSpan.span.start, firstSpan.span.end).join('').slice(0, 10)),
    'evidence spans are highlighted in the record text');
  for (const a of s.annotations) check((await adj.page.textContent('#adj-item .traces')).includes(JSON.stringify(a.value)), 'the trace of event ' + a.seq + ' shows its value ' + JSON.stringify(a.value));
  const soft = s.distribution[s.distribution.length - 1].soft_label;
  check(await adj.page.locator('table.dist').count() === s.distribution.length, 'the distribution and soft label per schema version are shown');
  check(!soft || (await adj.page.textContent('table.dist')).includes(Object.keys(soft)[0]), 'the soft label\'s values are listed');
  // A lease of 6 s is extended by the heartbeat to the policy's length.
  const hb = await wsAnswer(traffic, claimAnswer.at, 'heartbeat', 'the automatic heartbeat');
  check(hb.msg.type === 'result' && hb.msg.result.expires_us > claim.expires_us, 'the heartbeat goes over the WebSocket and extends the lease');
  await until(adj.page, () => Number(document.getElementById('lease-status').dataset.secondsLeft) > 60, null, 'the lease extended');
  await new Promise((r) => setTimeout(r, 6500));
  check((await itemOf(admin, claim.record, claim.field)).item.state === 'claimed', 'the heartbeat kept the 6 s lease alive past 6 s (the server still has it claimed)');
  await axeCheck(adj.page, 'adjudicator (claimed item)');
  await adj.page.screenshot({ path: path.join(shots, 'adjudicator-item.png'), fullPage: true });

  // Keyboard only: the value, then Ctrl+Enter without a rationale (refused
  // in the page), then with one.
  const value = s.annotations[0].value;
  await adj.page.focus('#outcome-value');
  await adj.page.keyboard.press('Tab');
  await adj.page.keyboard.type(String(value));
  await adj.page.keyboard.press('Control+Enter');
  check((await adj.page.textContent('#decide-result')).includes('A rationale is required'), 'a decision without a rationale is refused in the page');
  check((await itemOf(admin, claim.record, claim.field)).item.state === 'claimed', 'and nothing reached the server');
  await adj.page.keyboard.press('Tab');
  await adj.page.keyboard.type('WEBRATIONALE the focal findings and the soft label agree');
  await adj.page.keyboard.press('Control+Enter');
  await adj.page.waitForSelector('#decide-result.ok');
  const item = await itemOf(admin, claim.record, claim.field);
  const decided = item.history.filter((h) => h.what === 'decided' || h.what === 'AdjudicationDecided');
  check(item.item.state === 'decided' && JSON.stringify(item).includes('WEBRATIONALE') && JSON.stringify(item).includes(JSON.stringify(value)),
    'the decision (' + JSON.stringify(value) + ', with its rationale) is readable over HTTP after (' + item.item.state + ', ' + decided.length + ' history entries)');
  check(await adj.page.$eval('#decide-fields', (f) => f.disabled), 'after the decision the form is closed');
  const apiDepth = (await call(tokenOf('dr-gallagher'), 'GET', '/v1/projects/' + P + '/adjudication/queue?limit=1')).queued;
  await until(adj.page, (d) => Number(document.getElementById('queue-depth').dataset.queued) === d, apiDepth, 'the depth after the decision');
  check(true, 'after the decision the page shows the API\'s depth (' + apiDepth + ', below ' + depth0 + ')');
  const decisionSeq = Number((await adj.page.textContent('#decide-result')).match(/event (\d+)/)[1]);
  // The next item, marked ambiguous with the keyboard only (arrow keys in
  // the outcome radios).
  await adj.page.fill('#adj-ttl', '');
  const mark2 = traffic.length;
  await adj.page.keyboard.press('Alt+C');
  const claim2 = (await wsAnswer(traffic, mark2, 'claim', 'the second claim')).msg.result;
  await adj.page.waitForSelector('#lease-status[data-seconds-left]:not([data-ended])');
  await adj.page.focus('#outcome-value');
  await adj.page.keyboard.press('ArrowDown');
  check(await adj.page.$eval('#outcome-ambiguous', (r) => r.checked), 'the arrow key moves the outcome to "ambiguous"');
  await adj.page.keyboard.press('Tab');
  await adj.page.keyboard.press('Tab');
  await adj.page.keyboard.type('genuinely ambiguous between the readers');
  await adj.page.keyboard.press('Control+Enter');
  await adj.page.waitForSelector('#decide-result.ok');
  const item2 = await itemOf(admin, claim2.record, claim2.field);
  check(item2.item.state === 'ambiguous', claim2.record + ' marked ambiguous with the keyboard: the server says ' + item2.item.state);
  await adj.context.close();

  // ---- No WebSocket: the page says so and polls the queue over REST. ----
  const nows = await newPage('dr-gallagher (no WebSocket)');
  await nows.page.routeWebSocket('**/v1/ws', (ws) => ws.close({ code: 1011, reason: 'test: no live connection' }));
  let queueReads = 0;
  nows.page.on('response', (r) => { if (r.url().includes('/adjudication/queue')) queueReads++; });
  await signIn(nows.page, base, tokenOf('dr-gallagher'), 'adjudicator');
  await nows.page.waitForSelector('#live-state[data-state="polling"]');
  check((await nows.page.textContent('#live-state')).includes('polled every'), 'without the WebSocket the page says it polls: ' + await nows.page.textContent('#live-state'));
  const qNow = await call(tokenOf('dr-gallagher'), 'GET', '/v1/projects/' + P + '/adjudication/queue?limit=1');
  await until(nows.page, () => document.getElementById('queue-depth').dataset.source === 'rest', null, 'a polled depth');
  check(Number(await nows.page.getAttribute('#queue-depth', 'data-queued')) === qNow.queued, 'and shows the polled depth, the API\'s (' + qNow.queued + ')');
  const reads0 = queueReads;
  for (let i = 0; queueReads < reads0 + 1; i++) {
    if (i > 150) throw new Error('timed out waiting: a second poll of the queue');
    await new Promise((r) => setTimeout(r, 100));
  }
  check(true, 'the queue is polled again while the socket is down');
  await axeCheck(nows.page, 'adjudicator (polling)');
  await nows.context.close();

  // ---- Lease expiry: heartbeats cannot get through, the lease runs out. ----
  const exp = await newPage('dr-adeyemi');
  let blocked = 0;
  let dropHeartbeats = true;
  // The page's socket through a relay that drops heartbeats while asked to.
  await exp.page.routeWebSocket('**/v1/ws', (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => {
      let msg = null;
      try { msg = JSON.parse(m); } catch { /* forwarded as is */ }
      if (dropHeartbeats && msg && msg.type === 'heartbeat') { blocked++; return; }
      server.send(m);
    });
  });
  const expTraffic = recordTraffic(exp.page);
  await signIn(exp.page, base, tokenOf('dr-adeyemi'), 'adjudicator');
  check(JSON.stringify(await navOf(exp.page)) === '["nav-annotator","nav-adjudicator"]', 'an annotator and adjudicator sees exactly those two pages');
  await exp.page.waitForSelector('#live-state[data-state="live"]');
  const claimOf = async (what) => {
    const m = expTraffic.length;
    const sent = (async () => (await wsAnswer(expTraffic, m, 'claim', what)).msg)();
    await exp.page.click('#claim-btn');
    const a = await sent;
    if (a.type !== 'result') throw new Error(what + ': ' + JSON.stringify(a));
    await exp.page.waitForSelector('#lease-status[data-seconds-left]:not([data-ended])');
    return a.result;
  };
  await exp.page.fill('#adj-ttl', '4');
  const expClaim = await claimOf('a claim with a 4 s lease');
  check(expClaim.lease > 0 && (await exp.page.$eval('#decide-fields', (f) => f.disabled)) === false, 'a second adjudicator claims with a 4 s lease');
  await exp.page.waitForSelector('#lease-status[data-ended="expired"]', { timeout: 30000 });
  check((await exp.page.textContent('#lease-alert')).includes('expired'), 'the page says the lease expired: ' + await exp.page.textContent('#lease-alert'));
  check(await exp.page.$eval('#decide-fields', (f) => f.disabled), 'and deciding is disabled');
  check(blocked > 0, 'the page tried to heartbeat (' + blocked + ' attempts, all dropped)');
  await exp.page.screenshot({ path: path.join(shots, 'adjudicator-expired.png'), fullPage: true });
  // The server's sweep (every 500 ms) returns the item; then a decision on
  // the lease is refused.
  for (let i = 0; (await itemOf(admin, expClaim.record, expClaim.field)).item.state === 'claimed'; i++) {
    if (i > 100) throw new Error('the server did not expire lease ' + expClaim.lease);
    await new Promise((r) => setTimeout(r, 200));
  }
  const refused = await call(tokenOf('dr-adeyemi'), 'POST', '/v1/adjudication/leases/' + expClaim.lease + '/decide',
    { field: expClaim.field, value: expClaim.shown.annotations[0].value, rationale: 'too late' }, true);
  check(refused.status === 400 && refused.body.error.code === 'FAILED_PRECONDITION', 'the server refuses a decision on the expired lease: ' + JSON.stringify(refused.body));
  const back = await itemOf(admin, expClaim.record, expClaim.field);
  check(back.item.state !== 'claimed' && back.item.lease === null, 'the item is back in the queue (' + back.item.state + ')');
  // A lease ended elsewhere (another tab releases it): the server pushes
  // lease_lost, and the page says so at once, without waiting for a
  // heartbeat (the 60 s lease heartbeats every 20 s).
  dropHeartbeats = false;
  await exp.page.fill('#adj-ttl', '60');
  const lostClaim = await claimOf('a claim with a 60 s lease');
  const markLost = expTraffic.length;
  await call(tokenOf('dr-adeyemi'), 'POST', '/v1/adjudication/leases/' + lostClaim.lease + '/release');
  await exp.page.waitForSelector('#lease-status[data-ended="lost"]', { timeout: 15000 });
  const pushed = expTraffic.slice(markLost).find((e) => e.kind === 'received' && e.msg && e.msg.type === 'lease_lost' && e.msg.lease === lostClaim.lease);
  check(pushed && pushed.msg.reason === 'released' && !expTraffic.slice(markLost).some((e) => e.kind === 'sent' && e.msg && e.msg.type === 'heartbeat'),
    'a lease released elsewhere: the server pushed lease_lost (released), before any heartbeat');
  check((await exp.page.textContent('#lease-alert')).includes('no longer held: it was released elsewhere') && await exp.page.$eval('#decide-fields', (f) => f.disabled),
    'the page says at once that the lease was lost and disables deciding: ' + await exp.page.textContent('#lease-alert'));
  await exp.page.screenshot({ path: path.join(shots, 'adjudicator-lost.png'), fullPage: true });
  // A reload while holding a lease: claiming again is refused with the
  // server's reason, and the queue offers to release the held lease.
  await exp.page.fill('#adj-ttl', '');
  await claimOf('a claim before the reload');
  await exp.page.reload();
  await exp.page.waitForSelector('body[data-ready="adjudicator"]');
  await exp.page.waitForSelector('#live-state[data-state="live"]');
  await exp.page.click('#claim-btn');
  await exp.page.waitForSelector('#claim-result.error');
  check((await exp.page.textContent('#claim-result')).includes('already holds lease'), 'after a reload, claiming again says the lease is still held');
  await exp.page.click('button.release-other');
  await exp.page.waitForSelector('#claim-result.ok');
  await claimOf('a claim after releasing from the queue row');
  check(true, 'released from the queue row, the next claim succeeds');
  await exp.page.click('#release-btn');
  await exp.page.waitForSelector('#lease-status[data-ended="released"]');
  check((await exp.page.textContent('#lease-alert')).includes('back in the queue'), 'Release gives the item back');
  // Escalate: the item goes to the senior tier (dr-gallagher) and leaves
  // this adjudicator's queue.
  const esc = await claimOf('a claim to escalate');
  const rowSel = '#queue-items tr[data-record="' + esc.record + '"][data-field="' + esc.field + '"]';
  await until(exp.page, (sel) => document.querySelector(sel) !== null && document.querySelector(sel).textContent.includes('by you'), rowSel, 'the claimed item in the page\'s queue, by you');
  await exp.page.check('#outcome-escalate');
  await exp.page.fill('#decide-rationale', 'WEBESCALATE the readers split on the imaging; a senior should read it');
  await exp.page.click('#decide-btn');
  await exp.page.waitForSelector('#decide-result.ok');
  check(await exp.page.getAttribute('#decide-result', 'data-state') === 'escalated' && (await exp.page.textContent('#decide-result')).includes('senior tier'),
    'escalated from the page: ' + await exp.page.textContent('#decide-result'));
  const escItem = await itemOf(admin, esc.record, esc.field);
  check(escItem.item.state === 'escalated' && JSON.stringify(escItem).includes('WEBESCALATE'), 'the server has ' + esc.record + ' / ' + esc.field + ' escalated, with the rationale');
  const mine = await call(tokenOf('dr-adeyemi'), 'GET', '/v1/projects/' + P + '/adjudication/queue?limit=200');
  check(!mine.items.some((i) => i.record === esc.record && i.field === esc.field), 'the escalated item is no longer offered to dr-adeyemi (API)');
  await until(exp.page, (sel) => document.querySelector(sel) === null && document.getElementById('queue-items').children.length > 0, rowSel, 'the escalated item to leave the page\'s queue');
  check(true, 'and it left the queue on dr-adeyemi\'s page');
  const senior = await call(tokenOf('dr-gallagher'), 'GET', '/v1/projects/' + P + '/adjudication/queue?limit=200');
  check(senior.items.some((i) => i.record === esc.record && i.field === esc.field && i.escalated), 'the senior adjudicator\'s queue offers it, marked escalated');
  await axeCheck(exp.page, 'adjudicator (escalated)');
  await exp.context.close();

  // ---- Researcher: the page's numbers are the API's. ----
  // A dataset version tagged after the browser's decisions (admin, API).
  const tagged = await call(admin, 'POST', '/v1/projects/' + P + '/snapshots', { name: 'web-after-decision', note: 'WEBNOTE after the decisions' });
  check(tagged.as_of_seq > decisionSeq, 'a version is tagged after the decision (as of event ' + tagged.as_of_seq + ')');
  const res = await newPage('res-lindqvist');
  const rt = tokenOf('res-lindqvist');
  await signIn(res.page, base, rt, 'researcher');
  check(JSON.stringify(await navOf(res.page)) === '["nav-researcher"]', 'a researcher sees only the Research page');
  await res.page.fill('#dist-records', claim.record + ', ' + q0.items[1].record);
  await res.page.fill('#dist-field', claim.field);
  await res.page.click('#res-dist-form button[type=submit]');
  await res.page.waitForSelector('#dist-table');
  const dist = await call(rt, 'GET', '/v1/records/' + claim.record + '/distribution');
  for (const f of dist.fields.filter((x) => x.path === claim.field)) {
    const row = '#dist-table tr[data-record="' + claim.record + '"][data-schema="' + f.schema_id + '@' + f.schema_version + '"]';
    check(await num(res.page, row + ' td.num') === f.human.normalized_entropy, 'normalized entropy of ' + claim.record + ' (' + f.schema_version + ') equals the API\'s');
    check(await res.page.getAttribute(row + ' td.outcome', 'data-state') === f.adjudication.state, 'the adjudicated outcome beside it is the API\'s (' + f.adjudication.state + ')');
  }
  check((await res.page.textContent('#dist-table')).includes('decided: ' + JSON.stringify(value)), 'the decision taken in the browser is the outcome shown');
  const cal0 = await call(rt, 'GET', '/v1/projects/' + P + '/calibration');
  await res.page.fill('#agr-batches', 'cal-1 cal-2');
  await res.page.click('#res-agr-form button[type=submit]');
  await res.page.waitForSelector('table.agreement[data-batch="cal-2"]');
  for (const b of ['cal-1', 'cal-2']) {
    const agr = await call(rt, 'GET', '/v1/projects/' + P + '/agreement?batch=' + b);
    for (const f of agr.fields) {
      const row = 'table.agreement[data-batch="' + b + '"] tr[data-path="' + f.path + '"][data-schema="' + f.schema_id + '@' + f.schema_version + '"]';
      const cells = await res.page.$$eval(row + ' td.num', (tds) => tds.map((t) => t.dataset.value));
      check(JSON.stringify(cells) === JSON.stringify([f.primary, f.primary_items, f.raters, f.primary_ratings, f.percent_agreement_pairwise].map((x) => String(x ?? null))),
        'agreement of ' + b + ' ' + f.path + ' v' + f.schema_version + ' equals the API\'s');
    }
  }
  // The κ heatmap of cal-2's primary diagnosis (v2): every cell the API's.
  const agr2 = await call(rt, 'GET', '/v1/projects/' + P + '/agreement?batch=cal-2');
  const pd = agr2.fields.find((f) => f.path === 'primary_diagnosis' && f.schema_version === 2);
  await res.page.selectOption('#kappa-field', 'cal-2|primary_diagnosis|2');
  await res.page.waitForSelector('#kappa-table');
  const cellsK = await res.page.$$eval('#kappa-table td.num', (tds) => tds.map((t) => t.dataset.value));
  const wantK = pd.rater_names.flatMap((a) => pd.rater_names.filter((b) => b !== a).map((b) =>
    String(pd.cohen_kappa_pairs.find((x) => (x.rater_a === a && x.rater_b === b) || (x.rater_a === b && x.rater_b === a)).cohen_kappa)));
  check(JSON.stringify(cellsK) === JSON.stringify(wantK), 'the κ heatmap of cal-2 primary_diagnosis v2 holds the API\'s ' + wantK.length + ' pairwise κ');
  await res.page.waitForSelector('#cal-table');
  check(await res.page.locator('.reliability-fig svg').count() === cal0.annotators.filter((a) => a.confidence_calibration).length, 'one reliability diagram per physician');
  const cal = await call(rt, 'GET', '/v1/projects/' + P + '/calibration');
  for (const a of cal.annotators) {
    const cells = await res.page.$$eval('#cal-table tr[data-annotator="' + a.pseudonym + '"] td.num', (tds) => tds.map((t) => t.dataset.value));
    const r = (x) => (x && x.compared ? x.rate : 'null');
    const cc = a.confidence_calibration || {};
    const want = [a.annotations, r(a.leave_one_out_majority), r(a.gold_accuracy), r(a.adjudicated_accuracy),
      a.ambiguous_decisions, cc.brier_score ?? 'null', cc.expected_calibration_error ?? 'null'].map(String);
    check(JSON.stringify(cells) === JSON.stringify(want), 'calibration of ' + a.pseudonym + ' equals the API\'s');
  }
  check((await res.page.textContent('#export-command')).includes('consilium snapshot export --data DIR --project ' + P), 'the export command is shown');
  await checkVersions(res, rt, s, claim, value);
  const resText = await res.page.evaluate(() => document.documentElement.outerHTML);
  check(!resText.includes(s.record_content.text.slice(0, 40)) && !/dr-[a-z]+/.test(resText.replace(/res-lindqvist/g, '')), 'the researcher page holds no record content and no annotator identity');
  await axeCheck(res.page, 'researcher (loaded)');
  await res.page.screenshot({ path: path.join(shots, 'researcher-loaded.png'), fullPage: true });
  await res.context.close();

  // ---- Auditor: a real proof verifies, a tampered one does not. ----
  const aud = await newPage('audit-hale');
  const at = tokenOf('audit-hale');
  await signIn(aud.page, base, at, 'auditor');
  check(JSON.stringify(await navOf(aud.page)) === '["nav-auditor"]', 'an auditor sees only the Audit page');
  await aud.page.click('#head-btn');
  const head = await call(at, 'GET', '/v1/ledger/head');
  await until(aud.page, (h) => document.getElementById('head-hash') && document.getElementById('head-hash').textContent === h, head.hash, 'the head');
  check(Number(await aud.page.textContent('#head-seq')) === head.seq, 'the ledger head is the API\'s (' + head.seq + ')');
  await aud.page.click('#checkpoint-btn');
  await until(aud.page, () => document.getElementById('checkpoint-note').value.includes('\u2014 '), null, 'the checkpoint');
  // The server's verifier key, shown read-only once it signed: the route's,
  // and the one `consilium keygen` printed; the button copies it into the
  // field Verify checks with.
  await until(aud.page, () => document.getElementById('server-vkey').value !== '', null, 'the server\'s verifier key');
  const served = await call(at, 'GET', '/v1/ledger/verifier-key');
  const shown = await aud.page.inputValue('#server-vkey');
  check(shown === served.verifier_key && shown === vkey && served.verifier_key.includes('+' + served.key_id + '+'),
    'the page shows the key the server signs with, the route\'s and keygen\'s: ' + shown);
  check(await aud.page.getAttribute('#server-vkey', 'readonly') !== null && (await aud.page.textContent('#server-vkey-hint')).includes('compare it with the copy you were given by the ledger\'s operator'),
    'the server\'s key is read-only, with the advice to compare it with the operator\'s copy');
  check(await aud.page.inputValue('#vkey') === '', 'the verifier key field is not filled from the server by itself');
  await aud.page.click('#server-vkey-copy');
  check(await aud.page.inputValue('#vkey') === vkey, 'the copy button puts the server\'s key into the verifier key field');
  await aud.page.fill('#proof-seq', String(decisionSeq));
  await aud.page.click('#proof-btn');
  await until(aud.page, () => document.getElementById('proof-json').value.includes('leafHash'), null, 'the proof');
  await aud.page.click('#verify-btn');
  await aud.page.waitForSelector('#verify-verdict[data-verdict]');
  check(await aud.page.getAttribute('#verify-verdict', 'data-verdict') === 'verified' && (await aud.page.textContent('#verify-steps')).includes('verifies (Ed25519)'),
    'the decision event\'s inclusion proof and the checkpoint signature verify in the browser: ' + await aud.page.textContent('#verify-verdict'));
  check((await aud.page.textContent('#verify-steps')).includes('which is the key this server reports'), 'the page says it checked with the server\'s own key');
  await aud.page.screenshot({ path: path.join(shots, 'auditor-verified.png'), fullPage: true });
  const good = await aud.page.inputValue('#proof-json');
  const proofDoc = JSON.parse(good);
  const flip = (h) => (h[0] === 'A' ? 'B' : 'A') + h.slice(1);
  proofDoc.proof[Math.floor(proofDoc.proof.length / 2)] = flip(proofDoc.proof[Math.floor(proofDoc.proof.length / 2)]);
  await aud.page.fill('#proof-json', JSON.stringify(proofDoc, null, 2));
  await aud.page.click('#verify-btn');
  await aud.page.waitForSelector('#verify-verdict[data-verdict]');
  check(await aud.page.getAttribute('#verify-verdict', 'data-verdict') === 'not-verified' && (await aud.page.textContent('#verify-verdict')).includes('is not the checkpoint\'s root'),
    'one altered path hash: NOT verified, with the computed and the checkpoint\'s roots');
  await aud.page.screenshot({ path: path.join(shots, 'auditor-tampered.png'), fullPage: true });
  await aud.page.fill('#proof-json', good);
  const note = await aud.page.inputValue('#checkpoint-note');
  const lines = note.split('\n');
  lines[1] = String(Number(lines[1]) + 1);
  await aud.page.fill('#checkpoint-note', lines.join('\n'));
  await aud.page.click('#verify-btn');
  await aud.page.waitForSelector('#verify-verdict[data-verdict]');
  check(await aud.page.getAttribute('#verify-verdict', 'data-verdict') === 'not-verified' && (await aud.page.textContent('#verify-verdict')).includes('does not verify'),
    'an altered checkpoint: its signature does not verify');
  await aud.page.fill('#acc-record', claim.record);
  await aud.page.click('#access-form button[type=submit]');
  await aud.page.waitForSelector('#access-table');
  const acc = await call(at, 'GET', '/v1/audit/access?record=' + claim.record);
  check(await aud.page.locator('#access-table tbody tr').count() === acc.access.length, 'access history of ' + claim.record + ': ' + acc.access.length + ' events, as the API gives');
  const accText = await aud.page.textContent('#access-table');
  check(accText.includes('dr-gallagher') && accText.includes('adjudicate') && accText.includes('res-lindqvist'), 'it lists the adjudicator\'s claim and the researcher\'s read');
  check(!(await aud.page.evaluate(() => document.documentElement.outerHTML)).includes(s.record_content.text.slice(0, 40)), 'the auditor page holds no record content');
  await axeCheck(aud.page, 'auditor (verified, access history)');
  await aud.context.close();

  // ---- A 403 is shown as such: an auditor of one project on ledger routes. ----
  const pa = (await call(admin, 'POST', '/v1/principals', { id: 'web-proj-auditor', roles: [{ role: 'auditor', project: P }] })).token;
  const p403 = await newPage('web-proj-auditor');
  await signIn(p403.page, base, pa, 'auditor');
  await p403.page.waitForSelector('#head-out .error');
  check((await p403.page.textContent('#head-out')).includes('Refused by the server (403 PERMISSION_DENIED)'), 'a refused read says 403 and the server\'s reason');
  await axeCheck(p403.page, 'auditor (403)');
  await p403.context.close();

  finalChecks();
  console.log('screenshots in ' + shots);
} finally {
  await browser.close();
  srv.stop();
}
