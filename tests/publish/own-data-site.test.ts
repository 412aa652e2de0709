import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import type { Project } from '../../pipelines/config.js';
import { serveSite } from '../../pipelines/publish/serve.js';
import { copyReportsProject } from '../../pipelines/publish/reports-copy.js';
import { projectWithSources, query, ROOT, run, SHARED, tempDir } from '../helpers/warehouse.js';
import { launchChromium } from '../helpers/browser.js';

const DATASETS = join(SHARED, 'datasets');

/** $12.5K / $1.2M as the `money_short` format writes amounts in English (one decimal above 1,000). */
function short(amount: number): string {
  if (Math.abs(amount) >= 1e6) return `$${(amount / 1e6).toFixed(1)}M`;
  if (Math.abs(amount) >= 1e3) return `$${(amount / 1e3).toFixed(1)}K`;
  return `$${Math.round(amount).toLocaleString('en-US')}`;
}

/** The same amount as the warehouse's money_label() writes it in sentences ($12.5K, $1.23M). */
function moneyLabel(amount: number): string {
  if (amount >= 1e9) return `$${(amount / 1e9).toFixed(2)}B`;
  if (amount >= 1e6) return `$${(amount / 1e6).toFixed(2)}M`;
  if (amount >= 1e4) return `$${(amount / 1e3).toFixed(1)}K`;
  return `$${Math.round(amount).toLocaleString('en-US')}`;
}

// A company with nothing but a purchase log (CDNOW: no CRM, no cost, dollars, English): every page
// builds and reads in its currency, and sections without data say so instead of showing errors.
describe.runIf(existsSync(join(DATASETS, 'cdnow')))('the report site on a purchase log only, in dollars', () => {
  let paths: Project;
  let server: Server;
  let site: string;
  let browser: Browser;

  beforeAll(async () => {
    const base = projectWithSources([join(ROOT, 'examples', 'sources', 'cdnow.ts')], {
      landing: DATASETS,
      settings: { currency: { code: 'USD', symbol: '$' }, locale: 'en', reports: { prerenderCustomers: 1 } },
    });
    paths = { ...base, reports: copyReportsProject(join(ROOT, 'reports'), join(tempDir(), 'reports')) };
    const result = await run(paths, { exclude: undefined });
    expect(result.status, result.log.join('\n')).toBe('success');
    ({ server, url: site } = await serveSite(join(paths.reports, 'build')));
    browser = await launchChromium();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  /** The page's text once it shows `expected` (and no longer says Loading): wait for the content, not for the network. */
  async function textOf(path: string, expected?: RegExp): Promise<string> {
    const page = await browser.newPage();
    await page.goto(`${site}${path}`);
    const shows = expected ? `new RegExp(${JSON.stringify(expected.source)}).test(text)` : 'true';
    await page.waitForFunction(`(() => { const text = document.body.innerText.replace(/\\s+/g, ' '); return !text.includes('Loading') && ${shows}; })()`, undefined, { timeout: 60_000 });
    const text = (await page.innerText('body')).replace(/\s+/g, ' ');
    await page.close();
    return text;
  }

  it('shows every page in dollars with no error box and no yuan', async () => {
    const [kpi] = await query(paths, 'select month_key, revenue from marts.kpi_monthly where is_latest_month');
    const [customer] = await query(paths, 'select profile_link(customer_id, report_shards((select count(*) from marts.customers))) as page from marts.customers order by revenue desc limit 1');
    const pages = ['/', '/cohorts/', '/retention/', `/retention/${kpi!['month_key']}/`, '/segments/', '/lifecycle/', '/clv/', '/churn/', '/journey/', '/customers/', String(customer!['page']), '/health/'];
    for (const path of pages) {
      const text = await textOf(path);
      expect(text, path).not.toMatch(/Error in|Dataset is empty|Catalog Error|Binder Error/);
      expect(text, path).not.toContain('¥');
    }
    const overview = await textOf('/');
    expect(overview).toMatch(new RegExp(`Revenue 收入\\s+\\${short(Number(kpi!['revenue']))}`));
  });

  it('the leadership page reads in English, against last month and last year, with a 13-month trend', async () => {
    const [month] = await query(paths, `
      select k.month_key, strftime(k.month, '%b %Y') as name, strftime(k.month - interval 12 month, '%b %Y') as last_year_name, k.revenue, k.last_year_revenue,
             k.active_customers, r.customers_at_start, r.retained_customers, r.churned_customers, r.retention_pct
      from marts.kpi_monthly as k join marts.monthly_retention as r using (month_key)
      where k.last_year_revenue is not null order by k.month desc limit 1`);
    expect(month, 'CDNOW spans 18 months: some month has last year').toBeDefined();
    const text = await textOf(`/retention/${month!['month_key']}/`, /Revenue was/);
    expect(text).toContain(`In ${month!['name']}, ${Number(month!['active_customers']).toLocaleString('en-US')} customers were active`);
    expect(text).toContain(`Of the ${Number(month!['customers_at_start']).toLocaleString('en-US')} customers active at the start of the month, ${Number(month!['retained_customers']).toLocaleString('en-US')} stayed and ${Number(month!['churned_customers']).toLocaleString('en-US')} lapsed: retention ${Number(month!['retention_pct']).toFixed(1)}%`);
    const change = Number(month!['revenue']) - Number(month!['last_year_revenue']);
    expect(text).toContain(`${change >= 0 ? '+' : '-'}${moneyLabel(Math.abs(change))} (${change >= 0 ? '+' : ''}${((100 * change) / Number(month!['last_year_revenue'])).toFixed(1)}%) on ${month!['last_year_name']}`);
    expect(text).toMatch(new RegExp(`Same month last year 去年同期\\s+\\${short(Number(month!['last_year_revenue']))}`));
    expect(text).toContain('The last 13 months');
  });

  it('says what is missing instead of showing empty sections: cost for CLV, touchpoints for the journey, surveys for NPS', async () => {
    expect(await textOf('/clv/', /Value here is revenue/)).toContain('Value here is revenue');
    expect(await textOf('/journey/', /No touchpoints in this data/)).toContain('No touchpoints in this data');
    expect(await textOf('/', /NPS: no survey answers in this data/)).toContain('NPS: no survey answers in this data');
    const [orders] = await query(paths, 'select count(*) as n from intermediate.int_orders_unioned');
    const coverage = new RegExp(`orders ${Number(orders!['n']).toLocaleString('en-US')} cdnow`);
    expect(await textOf('/health/', coverage)).toMatch(coverage);
  });
});
