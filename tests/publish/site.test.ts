import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { loadProject, type Project } from '../../pipelines/config.js';
import { runPipeline } from '../../pipelines/orchestration/runner.js';
import { loadDefinitions } from '../../pipelines/definitions.js';
import { serveSite } from '../../pipelines/publish/serve.js';
import { copyReportsProject } from '../../pipelines/publish/reports-copy.js';
import { FIXTURES, query } from '../helpers/warehouse.js';
import { withWarehouse } from '../../pipelines/warehouse/connection.js';
import { CHART_PICTURES, launchChromium, overlappingChartLabels, pictureFits } from '../helpers/browser.js';
import { LABELS, type LabelKind } from '../../pipelines/publish/labels.js';

/** What the pages call a code in the default locale (zh-CN). */
const name = (kind: LabelKind, code: string) => LABELS[kind][code]?.zh ?? code;

// Builds the real Evidence site from the mini fixture in a copy of reports/ (sharing its
// node_modules), serves it on localhost and reads it in headless Chromium. Two customers are
// prerendered; the others render in the browser from the Arrow tables.
describe('the report site, built and read offline', () => {
  let paths: Project;
  let server: Server;
  let site: string;
  let browser: Browser;
  const outside: string[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clm-site-'));
    const reports = copyReportsProject(loadProject().reports, join(dir, 'reports'));
    cpSync(join(FIXTURES, 'mini'), join(dir, 'landing'), { recursive: true });
    paths = loadProject({ warehouse: join(dir, 'warehouse.duckdb'), landing: join(dir, 'landing'), reports, settings: { reports: { prerenderCustomers: 2 } } });
    const summary = await runPipeline({ paths, assets: (await loadDefinitions(paths)).assets });
    expect(summary.assets.find((a) => a.key === 'reports.site')).toMatchObject({ status: 'success' });
    ({ server, url: site } = await serveSite(join(reports, 'build')));
    browser = await launchChromium();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  async function open(path: string): Promise<{ page: Page; text: string; arrowFiles: string[]; requests: string[] }> {
    const page = await browser.newPage();
    const arrowFiles: string[] = [];
    const requests: string[] = [];
    page.on('request', (request) => {
      const url = request.url();
      requests.push(url);
      if (!url.startsWith(site) && !url.startsWith('data:') && !url.startsWith('blob:')) outside.push(url);
      if (url.endsWith('.arrow') && url.includes('/data/clm/')) arrowFiles.push(url.split('/data/clm/')[1]!.split('/')[0]!);
    });
    await page.goto(`${site}${path}`);
    // Wait for the content, not for the network (a busy machine keeps both slow): no section is
    // still loading, there are tables or charts, and every chart is live (the prerendered page
    // shows pictures of them until the browser has drawn its own).
    await page.waitForFunction(
      `!document.body.innerText.includes('Loading') && document.querySelectorAll('table, .chart-container').length > 0
        && document.querySelectorAll('[_echarts_instance_]').length >= document.querySelectorAll('.chart-container').length`,
      undefined,
      { timeout: 120_000 },
    );
    const text = (await page.innerText('body')).replace(/\s+/g, ' ');
    expect(text, `${path} shows an error box`).not.toMatch(/Error in|Dataset is empty|Catalog Error/);
    return { page, text, arrowFiles, requests };
  }

  it('overview: KPI cards equal the warehouse, in one vocabulary, with a glossary and the latest month linked', async () => {
    const [kpi] = await query(paths, `select active_customers, customers_to_date, retention_pct, month_key from marts.kpi_monthly where is_latest_month`);
    const [people] = await query(paths, `select count(*) as n from marts.customers`);
    const { page, text } = await open('/');
    expect(text).toMatch(new RegExp(`People 全部客户\\s+${people!['n']}\\b`));
    expect(text).toMatch(new RegExp(`Buyers 购买客户\\s+${kpi!['customers_to_date']}\\b`));
    expect(text).toMatch(new RegExp(`Active buyers 活跃买家\\s+${kpi!['active_customers']}\\b`));
    expect(text).toMatch(new RegExp(`Retention 留存 %\\s+${Number(kpi!['retention_pct']).toFixed(1)}\\b`));
    expect(text).toContain('Glossary');
    expect(await page.locator(`a[href="/retention/${kpi!['month_key']}/"]`).count()).toBeGreaterThan(0);
    expect(await page.locator('.chart canvas, .chart svg, [_echarts_instance_]').count()).toBeGreaterThan(0);
    // Algolia's search box, which this site does not configure, is in none of the scripts the page
    // loads (it was in the layout's, 130 KB for every page).
    const scripts = await page.evaluate(() => performance.getEntriesByType('resource').map((entry) => entry.name).filter((name) => name.endsWith('.js')));
    expect(scripts.length).toBeGreaterThan(0);
    const bodies = await page.evaluate((urls) => Promise.all(urls.map((url) => fetch(url).then((response) => response.text()))), scripts);
    expect(bodies.filter((body) => body.includes('@docsearch/js'))).toEqual([]);
    await page.close();
  });

  it('cohorts: each row names its cohort and size; the labels never overlap, wide or narrow; a channel filter changes the numbers', async () => {
    const sizes = await query(paths, `select strftime(cohort_month, '%Y-%m') as cohort, any_value(cohort_customers) as n from marts.cohort_retention group by 1 order by 1`);
    const { page, requests } = await open('/cohorts/');
    const duckdbWasm = () => requests.filter((url) => /duckdb-[^/]*\.wasm/.test(url));
    const rows = () => page.locator('[_echarts_instance_]').first().locator('svg text').allTextContents().then((t) => t.filter((x) => /^\d{4}-\d{2} · \d+$/.test(x)).sort());
    await expect.poll(rows, { timeout: 60_000 }).toEqual(sizes.map((r) => `${r['cohort']} · ${r['n']}`));
    for (const width of [1440, 400]) {
      await page.setViewportSize({ width, height: 900 });
      await expect.poll(() => overlappingChartLabels(page), { timeout: 30_000 }).toEqual([]);
    }
    // Every query of the page, the filters' options included, was prerendered: DuckDB-Wasm is
    // fetched only when a filter changes and the browser must run a query itself (without the
    // patches, the filters' options were queried again as the page mounted, after its charts).
    await page.waitForLoadState('networkidle');
    expect(duckdbWasm()).toEqual([]);
    // The live charts replaced their pictures without growing again from nothing (the line
    // chart of the average curve would otherwise animate; the heatmap never does).
    const animated = () =>
      page.evaluate(() => {
        type Chart = { isDisposed(): boolean; getOption(): { animation?: unknown } };
        const charts = (globalThis as unknown as Record<symbol, Record<string, Chart> | undefined>)[Symbol.for('__evidence-chart-window-debug__')] ?? {};
        return Object.values(charts).filter((chart) => !chart.isDisposed()).map((chart) => chart.getOption().animation !== false);
      });
    expect(await animated()).toEqual(new Array(await page.locator('.chart-container').count()).fill(false));
    await page.setViewportSize({ width: 1440, height: 900 });
    // Leave out the biggest acquisition channel: every cohort's size becomes its buyers from the others.
    const [channel] = await query(paths, `select acquisition_channel as code, count(*) from marts.customers where is_buyer group by 1 order by 2 desc, 1 limit 1`);
    const without = await query(paths, `
      select strftime(cohort_month, '%Y-%m') as cohort, count(*) as n from marts.customers
      where is_buyer and acquisition_channel <> '${channel!['code']}' group by 1 order by 1`);
    await page.locator('button', { hasText: 'Acquisition channel' }).click();
    await page.locator('[role=option]', { hasText: name('channel', String(channel!['code'])) }).click();
    await page.keyboard.press('Escape');
    await expect.poll(rows, { timeout: 60_000 }).toEqual(without.map((r) => `${r['cohort']} · ${r['n']}`));
    expect(duckdbWasm()).toHaveLength(1);
    await page.close();
  }, 300_000);

  it('a prerendered page shows its charts and tables before any script runs, as the browser draws them, on a desktop and on a phone', async () => {
    const sizes = await query(paths, `select strftime(cohort_month, '%Y-%m') as cohort, any_value(cohort_customers) as n from marts.cohort_retention group by 1 order by 1`);
    const noScript = await browser.newContext({ javaScriptEnabled: false });
    const shown = `${CHART_PICTURES}:visible`;
    try {
      const page = await noScript.newPage();
      await page.goto(`${site}/cohorts/`);
      expect(await page.locator(shown).count()).toBe(await page.locator('.chart-container').count());
      const rows = (await page.locator(shown).first().locator('text').allTextContents()).filter((t) => /^\d{4}-\d{2} · \d+$/.test(t)).sort();
      expect(rows).toEqual(sizes.map((r) => `${r['cohort']} · ${r['n']}`));
      await page.goto(`${site}/segments/`);
      const pictures = await page.locator(shown).count();
      expect(pictures).toBeGreaterThanOrEqual(3);
      expect(pictures).toBe(await page.locator('.chart-container').count());
      const tables = async (p: Page) => (await p.locator('.table-container table:visible').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
      const prerendered = await tables(page);
      const live = await open('/segments/');
      expect(prerendered.length).toBeGreaterThan(0);
      expect(prerendered).toEqual(await tables(live.page));
      await live.page.close();
      // Each chart is drawn for a desktop's width and a phone's: the page shows the picture that
      // fits, at nearly its own size (a desktop picture on a phone was drawn at half its size, its
      // text unreadable, with a gap below it), and its labels overlap nowhere.
      for (const path of ['/cohorts/', '/segments/', '/lifecycle/', '/retention/2024-04/']) {
        await page.goto(`${site}${path}`);
        for (const width of [1440, 400, 360]) {
          await page.setViewportSize({ width, height: 900 });
          const fits = await pictureFits(page);
          expect(fits.length, `${path} at ${width} px`).toBe(await page.locator('.chart-container').count());
          for (const fit of fits) {
            expect(fit.scale, `${path} at ${width} px`).toBeGreaterThanOrEqual(0.85);
            expect(fit.filled, `${path} at ${width} px`).toBeGreaterThanOrEqual(0.85);
          }
          expect(await overlappingChartLabels(page, CHART_PICTURES), `${path} at ${width} px`).toEqual([]);
        }
      }
    } finally {
      await noScript.close();
    }
  });

  it('segments and lifecycle: no matrix label overlaps another, wide or narrow', async () => {
    for (const path of ['/segments/', '/lifecycle/']) {
      const { page } = await open(path);
      for (const width of [1440, 400]) {
        await page.setViewportSize({ width, height: 900 });
        await expect.poll(() => overlappingChartLabels(page), { timeout: 30_000 }).toEqual([]);
      }
      await page.close();
    }
  }, 300_000);

  it('monthly retention: sentences in the configured locale with the warehouse’s numbers, previous/next links, the month in the tab title', async () => {
    const [month] = await query(paths, `
      select r.*, k.active_customers - k.previous_active_customers as active_change
      from marts.monthly_retention as r join marts.kpi_monthly as k using (month_key) where month_key = '2024-04'`);
    const change = (n: unknown) => `${Number(n) >= 0 ? '增加' : '减少'} ${Math.abs(Number(n))} 人`;
    const { page } = await open('/retention/2024-04/');
    const sentence = () => page.innerText('body').then((t) => t.replace(/\s+/g, ' '));
    await expect.poll(sentence, { timeout: 60_000 }).toContain(`2024年4月，活跃客户 ${month!['active_customers']} 人（近三个月内有购买），比上月${change(month!['active_change'])}，去年同期尚无数据。`);
    await expect.poll(sentence, { timeout: 60_000 }).toContain(`月初活跃的 ${month!['customers_at_start']} 人中，${month!['retained_customers']} 人留存、${month!['churned_customers']} 人流失，留存率 ${Number(month!['retention_pct']).toFixed(1)}%`);
    // April is the data's last month: a link back, none forward.
    expect(await page.locator('a[rel=prev]').getAttribute('href')).toBe('/retention/2024-03/');
    expect(await page.locator('a[rel=next]').count()).toBe(0);
    await expect.poll(() => page.title()).toContain('2024年4月');
    await page.close();
    // The first months of data are a warm-up: retention is not stated as 100%.
    const first = await open('/retention/2024-01/');
    expect(await first.page.locator('a[rel=next]').getAttribute('href')).toBe('/retention/2024-02/');
    await expect.poll(() => first.page.innerText('body'), { timeout: 60_000 }).toContain('预热期');
    expect(await first.page.innerText('body')).not.toMatch(/留存率 100/);
    await first.page.close();
  }, 300_000);

  it('an unknown month, customer or group gets a plain message, not error boxes', async () => {
    for (const [path, message] of [['/retention/2030-01/', 'No data for this month'], ['/customers/03/crm:NOBODY/', 'No such customer'], ['/customers-in/segment/nothing/', 'No such group']] as const) {
      const page = await browser.newPage();
      await page.goto(`${site}${path}`);
      await expect.poll(() => page.innerText('body'), { timeout: 60_000 }).toContain(message);
      expect(await page.innerText('body')).not.toMatch(/Error in|Dataset is empty|Catalog Error|Binder Error/);
      await page.close();
    }
  }, 300_000);

  it('drill-down: a segment, a stage and a risk band open exactly their customers, each linking to a profile', async () => {
    const [segment] = await query(paths, `select segment, count(*) as n from marts.customer_rfm where is_latest group by 1 order by 2 desc, 1 limit 1`);
    const names = await query(paths, `
      select c.customer_name from marts.customer_rfm as r join marts.customers as c using (customer_id)
      where r.is_latest and r.segment = '${String(segment!['segment']).replace(/'/g, "''")}' order by c.revenue desc, c.customer_id`);
    const { page } = await open('/segments/');
    await page.locator('table tr:visible', { hasText: name('segment', String(segment!['segment'])) }).first().click();
    await page.waitForURL(/\/customers-in\/segment\//, { timeout: 60_000 });
    await expect.poll(() => page.locator('h1').last().innerText(), { timeout: 60_000 }).toContain(`${segment!['n']} customers`);
    const shown = await page.innerText('table');
    for (const row of names.slice(0, 5)) expect(shown).toContain(String(row['customer_name']));
    await page.locator('table tr:visible', { hasText: String(names[0]!['customer_name']) }).first().click();
    await page.waitForURL(/\/customers\/\d\d\//, { timeout: 60_000 });
    await expect.poll(() => page.locator('h1').last().innerText(), { timeout: 60_000 }).toContain(String(names[0]!['customer_name']));
    await page.close();
    for (const [path, sql] of [
      ['/customers-in/stage/active/', `select count(*) as n from marts.customer_lifecycle where month = (select max(month) from marts.customer_lifecycle) and stage = 'active'`],
      ['/customers-in/risk/high/', `select count(*) as n from marts.customer_churn_risk where risk_band = 'high'`],
    ] as const) {
      const [expected] = await query(paths, sql);
      if (Number(expected!['n']) === 0) continue;
      const drill = await open(path);
      expect(drill.text).toContain(`${expected!['n']} customers`);
      await drill.page.close();
    }
  }, 300_000);

  it('shows names, not codes: no stage, channel or touchpoint code on any page', async () => {
    for (const path of ['/', '/lifecycle/', '/churn/', '/journey/', '/customers/', '/segments/', '/clv/']) {
      const { page, text } = await open(path);
      expect(text, path).not.toMatch(/\b(at_risk|won_back|erp_only|email_sent|email_opened|web_visit|support_ticket|wechat)\b/);
      await page.close();
    }
  }, 300_000);

  it('health: checks counted with failures first, the runs with their status, each asset’s last result in colour', async () => {
    const [checks] = await query(paths, `
      select count(*) filter (where passed) as passed from (select passed from meta.check_results
      qualify row_number() over (partition by asset_key, check_name order by checked_at desc) = 1)`);
    const { page } = await open('/health/');
    const text = () => page.innerText('body').then((t) => t.replace(/\s+/g, ' '));
    await expect.poll(text, { timeout: 60_000 }).toMatch(new RegExp(`Passing\\s+${checks!['passed']}\\b`));
    await expect.poll(text, { timeout: 60_000 }).toContain('this run (building the site)');
    expect(await page.locator('span[style*="color"]', { hasText: 'success' }).count()).toBeGreaterThan(5);
    await page.close();
  }, 300_000);

  it('every month of the data has its page, linked from the index', async () => {
    const months = await query(paths, `select month_key from marts.monthly_retention order by 1`);
    const { page } = await open('/retention/');
    const links = await page.locator('a[href^="/retention/20"]').evaluateAll((as) => [...new Set(as.map((a) => a.getAttribute('href')))]);
    expect(links.sort()).toEqual(months.map((m) => `/retention/${m['month_key']}/`));
    await page.close();
  });

  it('customer pages, prerendered or not, show the stitched identity masked and the warehouse’s totals', async () => {
    for (const id of ['crm:C1', 'crm:C2']) {
      const [customer] = await query(paths, `
        select customer_name, order_count, revenue, mask_email(email) as email, mask_mobile(mobile) as mobile, email as raw_email,
               profile_link(customer_id, report_shards((select count(*) from marts.customers))) as page
        from marts.customers where customer_id = '${id}'`);
      const { page, text } = await open(String(customer!['page']));
      expect(text).toContain(String(customer!['customer_name']));
      expect(text).toMatch(new RegExp(`Orders 订单\\s+${customer!['order_count']}\\b`));
      expect(text).toMatch(new RegExp(`Revenue 收入\\s+¥${Number(customer!['revenue']).toLocaleString('en-US')}\\b`));
      expect(text).toContain(String(customer!['email'] ?? customer!['mobile']));
      expect(text).not.toContain(String(customer!['raw_email']));
      expect(await page.locator('table').count()).toBeGreaterThan(1);
      await page.close();
    }
  });

  it('a profile rendered in the browser downloads only its own shard of the customer detail', async () => {
    // Two customers are prerendered (C1 and E4, the top by revenue); C2's page is rendered in the browser.
    const [c2] = await query(paths, `select lpad(report_shard('crm:C2', report_shards((select count(*) from marts.customers)))::varchar, 2, '0') as shard`);
    const { page, arrowFiles } = await open(`/customers/${c2!['shard']}/crm:C2/`);
    expect([...new Set(arrowFiles)].sort()).toEqual([`customers_s${c2!['shard']}`, `orders_s${c2!['shard']}`, `stage_history_s${c2!['shard']}`, `touchpoints_s${c2!['shard']}`]);
    await page.close();
  });

  it('the customer finder finds anyone by the start of their name or by their id, reading one small table for each', async () => {
    const [c2] = await query(paths, `select customer_name, customer_id from marts.customers where customer_id = 'crm:C2'`);
    const name = String(c2!['customer_name']);
    const { page, arrowFiles } = await open('/customers/');
    arrowFiles.length = 0;
    const onScreen = (text: string) => `document.body.innerText.replace(/\\s+/g, ' ').includes(${JSON.stringify(text)})`;
    const shows = (expected: string, timeout: number) => page.waitForFunction(onScreen(expected), undefined, { timeout });
    async function find(typed: string, expected: string): Promise<void> {
      // The finder empties between searches, so an answer on screen is this search's answer.
      await page.fill('input', '');
      await page.waitForFunction(`!${onScreen(expected)}`, undefined, { timeout: 60_000 });
      // Typed again if nothing shows: the first keystrokes may come before the page is live.
      for (let attempt = 1; ; attempt++) {
        await page.fill('input', typed);
        try {
          return void (await shows(expected, attempt * 20_000));
        } catch (error) {
          if (attempt === 3) throw error;
          await page.fill('input', '');
        }
      }
    }
    for (const typed of [Array.from(name).slice(0, 2).join(''), 'C2', 'crm:c2']) await find(typed, `${name} crm:C2 `);
    await find('没有这个人', "Nobody's name starts with that");
    expect(arrowFiles.length).toBeGreaterThan(0);
    expect(arrowFiles.filter((file) => !/^customer_find_s\d\d$/.test(file))).toEqual([]);
    await page.close();
  }, 300_000);

  it('lifecycle, segments, CLV, churn risk and journey pages render their charts and tables with the warehouse’s numbers', async () => {
    const pages: [string, number][] = [['/lifecycle/', 2], ['/segments/', 3], ['/clv/', 2], ['/churn/', 0], ['/journey/', 1]];
    for (const [path, charts] of pages) {
      const { page } = await open(path);
      expect(await page.locator('[_echarts_instance_]').count(), path).toBeGreaterThanOrEqual(charts);
      expect(await page.locator('table').count(), path).toBeGreaterThan(0);
      await page.close();
    }
    const [thresholds] = await query(paths, 'select active_days, at_risk_days, dormant_days, loyal_orders from marts.lifecycle_thresholds order by month desc limit 1');
    const { page, text } = await open('/lifecycle/');
    expect(text).toContain(`${thresholds!['active_days']} ${thresholds!['at_risk_days']} ${thresholds!['dormant_days']} ${thresholds!['loyal_orders']}`);
    await page.close();
    const funnel = await query(paths, `select stage, customers from marts.journey_funnel where acquisition_channel = 'wechat' order by stage_order`);
    const journey = await open('/journey/');
    for (const row of funnel) expect(journey.text).toMatch(new RegExp(`${name('funnel', String(row['stage']))} ${row['customers']}\\b`));
    await journey.page.close();
  });

  it('publishes no e-mail address or mobile number unmasked, in any table', async () => {
    const arrowFiles = readdirSync(join(paths.reports, 'build', 'data'), { recursive: true }).map(String).filter((f) => f.endsWith('.arrow'));
    expect(arrowFiles.length).toBeGreaterThan(20);
    const leaks: string[] = [];
    for (const file of arrowFiles) {
      const table = tableFromIPC(readFileSync(join(paths.reports, 'build', 'data', file)));
      for (const field of table.schema.fields) {
        for (const value of table.getChild(field.name)?.toArray() ?? []) {
          if (typeof value !== 'string') continue;
          if (/[^\s*@]{2,}@/.test(value) || /(?<!\d)1[3-9]\d{9}(?!\d)/.test(value.replace(/[\s-]/g, ''))) leaks.push(`${file} ${field.name}: ${value}`);
        }
      }
    }
    expect(leaks).toEqual([]);
  });

  it('never asks the network for anything', () => {
    expect(outside).toEqual([]);
  });

  it('leaves the live site in place when a build fails', async () => {
    const live = readlinkSync(join(paths.reports, 'build'));
    const broken = join(paths.reports, 'pages', 'broken.md');
    // A page Svelte cannot compile: the Evidence build fails.
    writeFileSync(broken, '# Broken\n\n{#if true}\n\nnever closed\n');
    try {
      const summary = await runPipeline({ paths, assets: (await loadDefinitions(paths)).assets, selection: 'reports.site' });
      expect(summary.assets.find((a) => a.key === 'reports.site')?.status).toBe('failed');
    } finally {
      rmSync(broken);
    }
    expect(readlinkSync(join(paths.reports, 'build'))).toBe(live);
    expect(existsSync(join(paths.reports, 'build', 'index.html'))).toBe(true);
    // The failed build's copy is gone; its log stays beside the live one.
    const left = readdirSync(join(paths.reports, '.builds'));
    expect(left.filter((entry) => !entry.endsWith('.log'))).toEqual([live.split(/[/\\]/)[1]]);
    expect(left.filter((entry) => entry.endsWith('.log'))).toHaveLength(1);
    const { page } = await open('/');
    await page.close();
  }, 600_000);

  it('a rebuild with new data prerenders the compiled pages again, and they show the new data', async () => {
    // The pages did not change since the live build (the broken page above was taken out): only the data.
    await withWarehouse(paths.warehouse, (w) => w.run(`update marts.customers set customer_name = '复用编译' where customer_id = 'crm:C1'`));
    const before = readlinkSync(join(paths.reports, 'build'));
    const summary = await runPipeline({ paths, assets: (await loadDefinitions(paths)).assets, selection: 'reports.site' });
    const site = summary.assets.find((a) => a.key === 'reports.site');
    expect(site).toMatchObject({ status: 'success' });
    expect(site?.summary).toContain('pages compiled by the previous build');
    expect(readlinkSync(join(paths.reports, 'build'))).not.toBe(before);
    const [c1] = await query(paths, `select profile_link(customer_id, report_shards((select count(*) from marts.customers))) as page, order_count from marts.customers where customer_id = 'crm:C1'`);
    // C1's profile is prerendered: its HTML holds the new name; the Arrow table the browser reads too.
    const html = readFileSync(join(paths.reports, 'build', String(c1!['page']), 'index.html'), 'utf8');
    expect(html).toContain('复用编译');
    const { text } = await open(String(c1!['page']));
    expect(text).toContain('复用编译');
    expect(text).toMatch(new RegExp(`Orders 订单\\s+${c1!['order_count']}\\b`));
    const pages = readdirSync(join(paths.reports, 'build'), { recursive: true }).filter((f) => String(f).endsWith('index.html'));
    expect(pages.length).toBeGreaterThan(20);
  }, 600_000);
});
