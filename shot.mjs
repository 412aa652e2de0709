import { chromium } from 'playwright-core';
import { serveSite } from './dist/pipelines/publish/serve.js';
const { server, url } = await serveSite('reports/build');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
const external = [];
page.on('request', (r) => { if (!r.url().startsWith(url) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) external.push(r.url()); });
page.on('console', (m) => { if (m.type() === 'error') console.log('console error:', m.text().slice(0, 200)); });
for (const [path, file] of [['/', 'overview'], ['/cohorts/', 'cohorts'], ['/retention/2026-09/', 'retention'], ['/customers/C000001/', 'customer-spa'], ['/health/', 'health']]) {
  const t = Date.now();
  await page.goto(url + path, { waitUntil: 'networkidle' });
  await page.waitForTimeout(1500);
  await page.screenshot({ path: `/tmp/${file}.png`, fullPage: false });
  const errors = await page.locator('text=/Error in|error/i').count();
  console.log(path, Date.now() - t, 'ms; error-like text', errors);
}
console.log('external requests:', external.slice(0, 5));
await browser.close(); server.close();
