// What the browser scenarios share (docs/workspace.md, "Browser tests"): a
// demo ledger, a real `consilium serve` on a free port, Debian's chromium
// through playwright-core with every request to another origin aborted and
// counted, axe-core, and checks that throw with their reason.
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

export function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
  console.log('ok: ' + what);
}

// The spans and regions of evidence anchors anywhere in `v` (a reasoning
// trace as shown, or a values document as exported), as comparable strings.
export function anchorsIn(v, acc = new Set()) {
  if (Array.isArray(v)) { for (const x of v) anchorsIn(x, acc); return acc; }
  if (v && typeof v === 'object') {
    if (v.span && typeof v.span.start === 'number') acc.add('span ' + v.span.start + '-' + v.span.end);
    if (v.region && typeof v.region === 'object') acc.add('region ' + JSON.stringify(Object.fromEntries(Object.entries(v.region).sort())));
    for (const x of Object.values(v)) anchorsIn(x, acc);
  }
  return acc;
}

// A fresh demo ledger in OUT/NAME; before(data) runs before the server
// starts (e.g. to configure a checkpoint key). Returns {data, tokenOf, base,
// origin, server, call, stop}.
export async function startDemoServer(consilium, out, name, before) {
  const data = path.join(out, name);
  fs.rmSync(data, { recursive: true, force: true });
  execFileSync(consilium, ['demo', '--data', data], { stdio: ['ignore', 'ignore', 'inherit'] });
  const tokens = JSON.parse(fs.readFileSync(path.join(data, 'demo-tokens.json'), 'utf8')).accounts;
  const tokenOf = (p) => tokens.find((a) => a.principal === p).token;
  if (before) before(data);
  const server = spawn(consilium, ['serve', '--data', data, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise((resolve, reject) => {
    let buf = '';
    server.stdout.on('data', (d) => {
      buf += d;
      const m = buf.match(/listening on (http:\/\/[^\s]+)/);
      if (m) resolve(m[1].replace(/\/$/, ''));
    });
    server.on('exit', (c) => reject(new Error('consilium serve exited ' + c)));
    setTimeout(() => reject(new Error('consilium serve did not start')), 60000);
  });
  console.log('server at ' + base);
  // An API call; throws with the status and body unless `expect` is given,
  // in which case it returns {status, body} for any answer.
  async function call(token, method, p, body, expect) {
    const res = await fetch(base + p, {
      method, headers: { Authorization: 'Bearer ' + token, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let doc = text;
    try { doc = text ? JSON.parse(text) : null; } catch { /* text/plain */ }
    if (expect) return { status: res.status, body: doc };
    if (!res.ok) throw new Error(method + ' ' + p + ': ' + res.status + ' ' + text);
    return doc;
  }
  return { data, tokenOf, base, origin: new URL(base).origin, server, call, stop: () => server.kill('SIGTERM') };
}

export async function launchBrowser(out) {
  const require = createRequire(path.join(path.resolve(out), 'npm', 'package.json'));
  const { chromium } = require('playwright-core');
  const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run'],
  });
  return { browser, axeSource };
}

// Pages of one browser against one server: foreign requests and page errors
// are collected for the final checks.
export function pageFactory(browser, origin, axeSource) {
  const foreign = [];
  const failures = [];
  async function newPage(name) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.route('**/*', (route) => {
      const u = route.request().url();
      if (!u.startsWith(origin + '/') && !u.startsWith('data:')) { foreign.push(u); return route.abort(); }
      return route.continue();
    });
    const page = await context.newPage();
    const bodies = [];
    page.on('response', async (r) => { try { bodies.push({ url: r.url(), body: await r.text() }); } catch { /* redirects */ } });
    page.on('pageerror', (e) => failures.push(name + ': page error: ' + e.message));
    page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) failures.push(name + ': console: ' + m.text()); });
    return { context, page, bodies };
  }
  async function axeCheck(page, what) {
    await page.evaluate(axeSource);
    const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    for (const v of bad) console.log('axe ' + what + ': ' + v.impact + ' ' + v.id + ': ' + v.help + ' ' + v.nodes.map((n) => n.target.join(' ')).join(', '));
    check(bad.length === 0, 'axe-core: no serious or critical violations on the ' + what + ' page');
  }
  function finalChecks() {
    check(foreign.length === 0, 'no request to another origin' + (foreign.length ? ': ' + foreign.join(', ') : ''));
    check(failures.length === 0, 'no page errors' + (failures.length ? ': ' + failures.join('; ') : ''));
  }
  return { newPage, axeCheck, finalChecks };
}

export async function signIn(page, base, token, ready) {
  await page.goto(base + '/app' + (ready && ready !== 'annotator' ? '#' + ready : ''));
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  if (ready) await page.waitForSelector('body[data-ready="' + ready + '"]');
}
