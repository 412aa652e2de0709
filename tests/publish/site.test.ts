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
import { launchChromium } from '../helpers/browser.js';

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

  async function open(path: string): Promise<{ page: Page; text: string; arrowFiles: string[] }> {
    const page = await browser.newPage();
    const arrowFiles: string[] = [];
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(site) && !url.startsWith('data:') && !url.startsWith('blob:')) outside.push(url);
      if (url.endsWith('.arrow') && url.includes('/data/clm/')) arrowFiles.push(url.split('/data/clm/')[1]!.split('/')[0]!);
    });
    await page.goto(`${site}${path}`);
    // Wait for the content, not for the network (a busy machine keeps both slow): no section is
    // still loading and the page's tables and charts are drawn.
    await page.waitForFunction("!document.body.innerText.includes('Loading') && document.querySelectorAll('table, [_echarts_instance_]').length > 0", undefined, { timeout: 120_000 });
    const text = (await page.innerText('body')).replace(/\s+/g, ' ');
    expect(text, `${path} shows an error box`).not.toMatch(/Error in|Dataset is empty|Catalog Error/);
    return { page, text, arrowFiles };
  }

  it('overview: KPI cards equal the warehouse, with charts and no error box', async () => {
    const [kpi] = await query(paths, `select active_customers, customers_to_date, revenue, retention_pct, month_key from marts.kpi_monthly where is_latest_month`);
    const { page, text } = await open('/');
    expect(text).toContain(`Data as of ${kpi!['month_key']}`);
    expect(text).toMatch(new RegExp(`Active 活跃\\s+${kpi!['active_customers']}\\b`));
    expect(text).toMatch(new RegExp(`Customers 客户\\s+${kpi!['customers_to_date']}\\b`));
    expect(text).toMatch(new RegExp(`Revenue 收入\\s+¥${Number(kpi!['revenue']).toLocaleString('en-US')}\\b`));
    expect(text).toMatch(new RegExp(`Retention 留存 %\\s+${Number(kpi!['retention_pct']).toFixed(1)}\\b`));
    expect(await page.locator('.chart canvas, .chart svg, [_echarts_instance_]').count()).toBeGreaterThan(0);
    await page.close();
  });

  it('cohorts: heatmaps render and cohort sizes equal the warehouse', async () => {
    const sizes = await query(paths, `select strftime(cohort_month, '%Y-%m') as cohort, any_value(cohort_customers) as n from marts.cohort_retention group by 1 order by 1`);
    const { page, text } = await open('/cohorts/');
    for (const row of sizes) expect(text).toMatch(new RegExp(`${row['cohort']}\\s+${row['n']}\\b`));
    expect(await page.locator('[_echarts_instance_]').count()).toBe(2);
    await page.close();
  });

  it('monthly retention: the sentences carry the month’s numbers from the warehouse', async () => {
    const [month] = await query(paths, `
      select r.*, k.active_customers - k.previous_active_customers as active_change, k.retention_pct - k.previous_retention_pct as retention_change
      from marts.monthly_retention as r join marts.kpi_monthly as k using (month_key) where month_key = '2024-04'`);
    const signed = (n: unknown, digits = 0) => `${Number(n) > 0 ? '+' : ''}${Number(n).toFixed(digits)}`;
    const { page } = await open('/retention/2024-04/');
    // The sentences fill in as their values load: wait for the sentence itself.
    const sentence = () => page.innerText('body').then((t) => t.replace(/\s+/g, ' '));
    await expect.poll(sentence, { timeout: 60_000 }).toContain(`In 2024-04, ${month!['active_customers']} customers were active (bought in the last three months), ${signed(month!['active_change'])} against the month before, with no data yet for the same month last year.`);
    await expect.poll(sentence, { timeout: 60_000 }).toContain(`Of the ${month!['customers_at_start']} customers active at the start of the month, ${month!['retained_customers']} stayed and ${month!['churned_customers']} lapsed: a retention rate of ${Number(month!['retention_pct']).toFixed(1)}% (${signed(month!['retention_change'], 1)} points against the month before).`);
    expect(await page.locator('table').count()).toBeGreaterThan(0);
    await page.close();
  });

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
               profile_link(customer_id) as page
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
    const [c2] = await query(paths, `select lpad(report_shard('crm:C2')::varchar, 2, '0') as shard`);
    const { page, arrowFiles } = await open(`/customers/${c2!['shard']}/crm:C2/`);
    expect([...new Set(arrowFiles)].sort()).toEqual(['customers', `orders_s${c2!['shard']}`, `stage_history_s${c2!['shard']}`, `touchpoints_s${c2!['shard']}`]);
    await page.close();
  });

  it('lifecycle, segments, CLV, churn risk and journey pages render their charts and tables with the warehouse’s numbers', async () => {
    const pages: [string, number][] = [['/lifecycle/', 2], ['/segments/', 3], ['/clv/', 2], ['/churn/', 0], ['/journey/', 1]];
    for (const [path, charts] of pages) {
      const { page } = await open(path);
      expect(await page.locator('[_echarts_instance_]').count(), path).toBeGreaterThanOrEqual(charts);
      expect(await page.locator('table').count(), path).toBeGreaterThan(0);
      await page.close();
    }
    const [thresholds] = await query(paths, 'select active_days, at_risk_days, dormant_days, loyal_orders from marts.lifecycle_thresholds');
    const { page, text } = await open('/lifecycle/');
    expect(text).toContain(`${thresholds!['active_days']} ${thresholds!['at_risk_days']} ${thresholds!['dormant_days']} ${thresholds!['loyal_orders']}`);
    await page.close();
    const funnel = await query(paths, `select stage, customers from marts.journey_funnel where acquisition_channel = 'wechat' order by stage_order`);
    const journey = await open('/journey/');
    for (const row of funnel) expect(journey.text).toMatch(new RegExp(`wechat ${row['stage']} ${row['customers']}\\b`));
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
    expect(readdirSync(join(paths.reports, '.builds'))).toEqual([live.split(/[/\\]/)[1]]);
    const { page } = await open('/');
    await page.close();
  }, 600_000);
});
