// The browser scenario of docs/workspace.md ("Browser tests"): a real
// `consilium serve` on a demo ledger, Debian's chromium through
// playwright-core. Any failed check throws: exit 1 with the reason.
//   node workspace.mjs CONSILIUM_BINARY OUT_DIR
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { anchorsIn, check, startDemoServer, launchBrowser, pageFactory, signIn as signInAt } from './harness.mjs';

const [consilium, out] = process.argv.slice(2);
const shots = path.join(out, 'screenshots');
fs.mkdirSync(shots, { recursive: true });

// A checkpoint key, so the server can sign the checkpoint an export names.
const srv = await startDemoServer(consilium, out, 'demo-ledger', (data) => {
  const key = path.join(out, 'workspace-checkpoint.key');
  fs.rmSync(key, { force: true });
  execFileSync(consilium, ['keygen', '--name', 'consilium.test/web-workspace', '--out', key], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync(consilium, ['configure', '--data', data, '--checkpoint-key', key], { stdio: ['ignore', 'ignore', 'inherit'] });
});
const { base, call, tokenOf } = srv;

// A blind project of our own with one record that has text and an image,
// assigned to three new annotators.
const admin = tokenOf('admin');
await call(admin, 'POST', '/v1/projects', { id: 'ws-e2e', name: 'Workspace e2e', overlap_target: 3, blind_mode: true });
const readers = {};
for (const who of ['ws-ann-1', 'ws-ann-2', 'ws-ann-3']) {
  readers[who] = (await call(admin, 'POST', '/v1/principals', { id: who, roles: [{ role: 'annotator', project: 'ws-e2e' }] })).token;
}
const TEXT = '71M, three days of fever and productive cough. Crackles at the right base. ' +
  'CXR: right lower lobe consolidation. CRP 180. Background: hypertension.';
await call(admin, 'POST', '/v1/projects/ws-e2e/records', { records: [
  { id: 'ws-rec-1', text: TEXT, images: [{ name: 'cxr-pa', width: 2048, height: 2500 }], metadata: { site: 'A' } }] });
for (const who of Object.keys(readers)) {
  await call(admin, 'POST', '/v1/projects/ws-e2e/assignments', { record: 'ws-rec-1', annotator: who });
}

const { browser, axeSource } = await launchBrowser(out);
const { newPage, axeCheck, finalChecks } = pageFactory(browser, srv.origin, axeSource);
const signIn = (page, token, ready) => signInAt(page, base, token, ready);

// The DOM as markup plus every form control's current value.
const pageText = (page) => page.evaluate(() => document.documentElement.outerHTML + '\n' +
  [...document.querySelectorAll('input, textarea, select')].map((e) => e.value).join('\n'));

// After a reload the record has left the work list: open it by id.
async function reopen(page) {
  await page.reload();
  await page.waitForSelector('body[data-ready="annotator"]');
  await page.fill('#open-record', 'ws-rec-1');
  await page.press('#open-record', 'Enter');
  await page.waitForSelector('#annotation-form');
}

const field = (page, p) => page.locator('[data-path="' + p + '"]').first();

async function selectText(page, needle) {
  await page.evaluate((n) => {
    const t = document.getElementById('record-text');
    const node = t.firstChild;
    const i = node.textContent.indexOf(n);
    const r = document.createRange();
    r.setStart(node, i);
    r.setEnd(node, i + n.length);
    const s = window.getSelection();
    s.removeAllRanges();
    s.addRange(r);
  }, needle);
}

async function fillReasoning(page, dx, finding, evidence, alt, why, conf, withImage) {
  await field(page, 'primary_diagnosis').locator('input').fill(dx);
  await page.click('button[data-list="key_findings"]');
  await field(page, 'key_findings[0].finding').locator('textarea').fill(finding);
  await page.click('button[data-list="key_findings[0].evidence"]');
  await selectText(page, evidence);
  await field(page, 'key_findings[0].evidence[0].span').locator('button').click();
  if (withImage) {
    await page.click('button[data-list="imaging_findings"]');
    await field(page, 'imaging_findings[0].finding').locator('input').fill('consolidation');
    const box = await page.locator('#image-box svg').boundingBox();
    if (withImage === 'polygon') {
      // Click four corners, then close the polygon.
      await page.selectOption('#image-shape', 'polygon');
      for (const [fx, fy] of [[0.2, 0.3], [0.4, 0.3], [0.45, 0.5], [0.25, 0.55]]) await page.mouse.click(box.x + box.width * fx, box.y + box.height * fy);
      await page.click('#polygon-close');
    } else {
      await page.mouse.move(box.x + box.width * 0.55, box.y + box.height * 0.6);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.7, { steps: 5 });
      await page.mouse.up();
    }
    await field(page, 'imaging_findings[0].region').locator('button').click();
  }
  await page.click('button[data-list="differential"]');
  await field(page, 'differential[0].alternative').locator('input').fill(alt);
  await field(page, 'differential[0].excluded_because').locator('textarea').fill(why);
  await field(page, 'confidence').locator('input').fill(String(conf));
}

try {
  // Sign-in page.
  const first = await newPage('ws-ann-1');
  await first.page.goto(base + '/app');
  const head = await first.page.request.get(base + '/app/main.js');
  check(head.headers()['content-type'].startsWith('text/javascript'), 'main.js is served as text/javascript');
  check((head.headers()['content-security-policy'] || '').includes("default-src 'self'"), "a strict CSP (default-src 'self')");
  await axeCheck(first.page, 'sign-in');
  await first.page.screenshot({ path: path.join(shots, 'signin.png') });

  // Annotator 1: the form, checked as it is entered, then a full reasoning trace.
  await signIn(first.page, readers['ws-ann-1'], 'annotator');
  await first.page.reload();
  await first.page.waitForSelector('body[data-ready="annotator"]');
  const ms = await first.page.evaluate(() => performance.getEntriesByName('workspace-interactive')[0].startTime);
  console.log('PERF annotator page interactive ' + ms.toFixed(1) + ' ms after navigation (target 300 ms; not asserted)');
  check(Number.isFinite(ms) && ms > 0, 'the annotator page\'s time to interactive was measured with the Performance API');
  check((await first.page.textContent('#record-text')) === TEXT, 'the record text is shown');
  const pending = await first.page.textContent('#form-errors');
  check(pending.includes('annotation ') && pending.includes(': primary_diagnosis: required by dx-reasoning@2'),
    'required fields are checked as entered, with the server\'s message');
  await field(first.page, 'primary_diagnosis').locator('input').fill('J18-9');
  check((await first.page.textContent('#form-errors')).includes('primary_diagnosis: "J18-9" is not a valid ICD-10 code'),
    'a bad code is named with the server\'s message');
  await axeCheck(first.page, 'annotator');
  await fillReasoning(first.page, 'J18.9', 'FIRSTREADER right basal crackles', 'Crackles at the right base',
    'I50.9', 'FIRSTREADER no oedema, fever and CRP point to infection', 0.85, true);
  check((await first.page.textContent('#form-errors')).includes('No rule is broken'), 'the filled form breaks no rule');
  await first.page.screenshot({ path: path.join(shots, 'annotator-filled.png'), fullPage: true });
  await first.page.keyboard.press('Control+Enter');
  await first.page.waitForSelector('#submit-result.ok');
  check((await first.page.textContent('#submit-result')).includes('Annotation saved'), 'submitted with Ctrl+Enter');

  const all = (await call(admin, 'GET', '/v1/records/ws-rec-1/annotations')).annotations;
  const a1 = all.find((a) => a.annotator === 'ws-ann-1');
  const span = a1.values.key_findings[0].evidence[0].span;
  check([...TEXT].slice(span.start, span.end).join('') === 'Crackles at the right base', 'the evidence span covers the selected text (code points)');
  const region = a1.values.imaging_findings[0].region;
  check(region.image === 'cxr-pa' && region.w > 0 && region.h > 0 && region.x + region.w <= 2048, 'the drawn box is stored on the image');

  // Two more annotators disagree; blind: nothing of the others reaches them.
  const others = [['ws-ann-2', 'I50.9', 'SECONDREADER', 'polygon'], ['ws-ann-3', 'J81.0', 'THIRDREADER', false]];
  for (const [who, dx, tag, image] of others) {
    const s = await newPage(who);
    await signIn(s.page, readers[who], 'annotator');
    await fillReasoning(s.page, dx, tag + ' crackles', 'Crackles at the right base', 'J18.9', tag + ' fever is explained otherwise', 0.6, image);
    await s.page.click('#submit-btn');
    await s.page.waitForSelector('#submit-result.ok');
    await reopen(s.page);
    const dom = await pageText(s.page);
    const seen = s.bodies.map((b) => b.body).join('\n');
    const foreignTags = ['FIRSTREADER', 'SECONDREADER', 'THIRDREADER'].filter((t) => t !== tag);
    check(dom.includes(tag) && !foreignTags.some((t) => dom.includes(t)), who + ' page shows their own work and nobody else\'s (DOM)');
    check(!foreignTags.some((t) => seen.includes(t)), who + ': no network response carries another annotator\'s values');
    await s.page.screenshot({ path: path.join(shots, who + '.png'), fullPage: true });
    await s.context.close();
  }
  const final = (await call(admin, 'GET', '/v1/records/ws-rec-1/annotations')).annotations;
  check(new Set(final.map((a) => a.values.primary_diagnosis)).size === 3, 'three annotators, three different primary diagnoses');
  const poly = final.find((a) => a.annotator === 'ws-ann-2').values.imaging_findings[0].region;
  check(poly.image === 'cxr-pa' && poly.points.length === 4 && poly.points.every(([x, y]) => x >= 0 && x <= 2048 && y >= 0 && y <= 2500) &&
    poly.points[1][0] > poly.points[0][0], 'the polygon clicked on the image is stored with its four corners: ' + JSON.stringify(poly.points));
  // The anchors drawn in the browser are in a dataset version's export.
  const version = await call(admin, 'POST', '/v1/projects/ws-e2e/snapshots', { name: 'ws-e2e-three-readers' });
  const exportRes = await fetch(base + '/v1/projects/ws-e2e/snapshots/' + version.version + '/data.jsonl', { headers: { Authorization: 'Bearer ' + admin } });
  check(exportRes.ok, 'the version ' + version.name + ' (as of event ' + version.as_of_seq + ') is exported');
  const jsonl = (await exportRes.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const line = jsonl.find((l) => l.record_id === 'ws-rec-1');
  const drawn = anchorsIn(final.map((a) => a.values));
  const exported = anchorsIn(line.annotations.map((a) => a.revisions[a.revisions.length - 1].values));
  check(drawn.has('span ' + span.start + '-' + span.end) && [...drawn].filter((a) => a.startsWith('region')).length === 2 && [...drawn].every((a) => exported.has(a)),
    'the export of ' + version.name + ' carries every evidence anchor drawn in the browser (' + drawn.size + ': the selected span, the box, the polygon)');

  // Revise, then lose a race: a change made elsewhere wins, the page says so.
  await reopen(first.page);
  await field(first.page, 'confidence').locator('input').fill('0.7');
  await first.page.fill('#change-reason', 're-read the film');
  await first.page.click('#submit-btn');
  await first.page.waitForSelector('#submit-result.ok');
  check((await first.page.textContent('#submit-result')).includes('Revision saved'), 'a revision with the expected revision');
  const cur = await call(readers['ws-ann-1'], 'GET', '/v1/annotations/' + a1.id);
  await call(readers['ws-ann-1'], 'POST', '/v1/annotations/' + a1.id + '/revisions', { expected_revision: cur.revision, values: cur.values, reason: 'other tab' });
  await field(first.page, 'confidence').locator('input').fill('0.75');
  await first.page.click('#submit-btn');
  await first.page.waitForSelector('#submit-result.error');
  check((await first.page.textContent('#submit-result')).includes('Someone else\'s change won'), 'a stale revision says someone else\'s change won (409)');
  await first.page.screenshot({ path: path.join(shots, 'annotator-conflict.png'), fullPage: true });

  // Withdraw.
  await reopen(first.page);
  await first.page.fill('#change-reason', 'wrong patient context');
  await first.page.click('#withdraw-btn');
  await first.page.waitForSelector('#submit-result.ok');
  check((await first.page.textContent('#submit-result')).includes('withdrawn'), 'withdrawn');

  // The other pages: adjudicator, researcher (no record content), auditor.
  for (const [who, ready, role] of [['dr-adeyemi', 'adjudicator', 'adjudicator'], ['res-lindqvist', 'researcher', 'researcher'], ['audit-hale', 'auditor', 'auditor']]) {
    const s = await newPage(who);
    await signIn(s.page, tokenOf(who), ready);
    await s.page.waitForLoadState('networkidle');
    const dom = await pageText(s.page);
    check(!dom.includes('Crackles at the right base'), who + ' (' + role + ') page holds no record content');
    await axeCheck(s.page, role);
    await s.page.screenshot({ path: path.join(shots, role + '.png'), fullPage: true });
    await s.context.close();
  }
  finalChecks();
  console.log('screenshots in ' + shots);
} finally {
  await browser.close();
  srv.stop();
}
