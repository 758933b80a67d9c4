// Opens the HTML report in headless Chromium (Debian's /usr/bin/chromium)
// through playwright-core: fails on any request other than the report file
// itself, on a console error or an uncaught page error, and when a chart has
// no size; saves a full-page screenshot and the rendered DOM (page.content())
// for report_check.py. Usage: node report_browser.mjs REPORT.html SHOT.png DOM.html
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(path.join(process.env.PLAYWRIGHT_PREFIX, 'x.js'));
const { chromium } = require('playwright-core');

const [report, shot, domOut] = process.argv.slice(2);
const url = pathToFileURL(path.resolve(report)).href;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu',
         '--disable-background-networking', '--disable-component-update',
         '--no-first-run'],
});
const problems = [];
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.on('request', (r) => {
    if (r.url() !== url) problems.push(`request to ${r.url()}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  const response = await page.goto(url, { waitUntil: 'load' });
  if (!response) problems.push('no response for the report file');
  const sizes = await page.$$eval('svg[role="img"]', (svgs) =>
    svgs.map((s) => { const b = s.getBoundingClientRect();
                      return [s.querySelector('title')?.textContent ?? '',
                              b.width, b.height]; }));
  if (sizes.length === 0) problems.push('no chart in the page');
  for (const [title, w, h] of sizes) {
    if (!(w > 10 && h > 10)) problems.push(`chart "${title}" renders ${w}x${h}`);
  }
  const tables = await page.$$eval('table', (t) => t.length);
  const headings = await page.$$eval('h1, h2', (h) => h.length);
  if (headings < 7) problems.push(`only ${headings} h1/h2 headings`);
  await page.screenshot({ path: shot, fullPage: true });
  const fs = await import('node:fs');
  fs.writeFileSync(domOut, await page.content());
  console.log(`rendered ${sizes.length} charts, ${tables} tables; ` +
              `screenshot ${shot}`);
} finally {
  await browser.close();
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
