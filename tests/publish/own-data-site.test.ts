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
    const [customer] = await query(paths, 'select profile_link(customer_id) as page from marts.customers order by revenue desc limit 1');
    const pages = ['/', '/cohorts/', '/retention/', `/retention/${kpi!['month_key']}/`, '/segments/', '/lifecycle/', '/clv/', '/churn/', '/journey/', '/customers/', String(customer!['page']), '/health/'];
    for (const path of pages) {
      const text = await textOf(path);
      expect(text, path).not.toMatch(/Error in|Dataset is empty|Catalog Error|Binder Error/);
      expect(text, path).not.toContain('¥');
    }
    const overview = await textOf('/');
    expect(overview).toMatch(new RegExp(`Revenue 收入\\s+\\$${Number(kpi!['revenue']).toLocaleString('en-US', { maximumFractionDigits: 0 })}\\b`));
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
