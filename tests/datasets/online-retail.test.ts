import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Project } from '../../pipelines/config.js';
import { withWarehouse } from '../../pipelines/warehouse/connection.js';
import { projectWithSources, query, ROOT, run, SHARED } from '../helpers/warehouse.js';

const DATASETS = join(SHARED, 'datasets');
const FILES = join(DATASETS, 'online_retail', 'by-day', '*.csv');

/** The same numbers computed straight from the 305 raw files, by rules stated here, not by clm. */
async function independently<T>(sql: string): Promise<T[]> {
  const raw = `(select *, regexp_replace(CustomerID::varchar, '\\.0$', '') as customer
               from read_csv('${FILES}', header = true, all_varchar = false, types = {'CustomerID': 'VARCHAR', 'InvoiceNo': 'VARCHAR', 'UnitPrice': 'DECIMAL(12,3)'})
               where CustomerID is not null and not starts_with(InvoiceNo, 'C'))`;
  return withWarehouse(':memory:', (w) => w.readAll(sql.replaceAll('RAW', () => raw))) as Promise<T[]>;
}

describe.runIf(existsSync(join(DATASETS, 'online_retail')))('UCI Online Retail, from its one source file to the marts', () => {
  let paths: Project;

  beforeAll(async () => {
    paths = projectWithSources([join(ROOT, 'examples', 'sources', 'online-retail.ts')], {
      landing: DATASETS,
      settings: { currency: { code: 'GBP', symbol: '£' }, locale: 'en' },
    });
    const result = await run(paths);
    expect(result.status, result.log.join('\n')).toBe('success');
  }, 300_000);

  it('loads every one of the 541,909 lines', async () => {
    expect(await query(paths, 'select sum(rows_read) as read, sum(rows_loaded) as loaded, count(*) as files from meta.loaded_files')).toEqual([
      { read: 541909, loaded: 541909, files: 305 },
    ]);
  });

  it('has the raw files’ customers, invoices and revenue, to the penny', async () => {
    const [expected] = await independently<{ customers: number; orders: number; revenue: number }>(
      'select count(distinct customer) as customers, count(distinct InvoiceNo) as orders, sum(Quantity * UnitPrice)::double as revenue from RAW',
    );
    const [actual] = await query(paths, `
      select count(distinct customer_id) as customers, count(*) as orders, sum(net_revenue)::double as revenue from marts.orders`);
    expect(actual).toEqual(expected);
    expect(await query(paths, 'select count(*) as buyers from marts.customers where is_buyer')).toEqual([{ buyers: expected!.customers }]);
  });

  it('sizes the December 2010 cohort and counts May 2011’s purchasing customers as the raw files do', async () => {
    const [expected] = await independently<{ cohort: number; may: number }>(`
      with firsts as (select customer, min(InvoiceDate) as first_at from RAW group by customer)
      select
          (select count(*) from firsts where date_trunc('month', first_at) = date '2010-12-01') as cohort,
          (select count(distinct customer) from RAW where date_trunc('month', InvoiceDate) = date '2011-05-01') as may`);
    const [cohort] = await query(paths, `select cohort_customers from marts.cohort_retention where cohort_month = date '2010-12-01' and months_since_first_order = 0`);
    const [may] = await query(paths, `select purchasing_customers from marts.monthly_retention where month_key = '2011-05'`);
    expect({ cohort: cohort!['cohort_customers'], may: may!['purchasing_customers'] }).toEqual(expected);
  });

  it('leaves margins empty (no cost) and still scores CLV, RFM, ABC and lifecycle for every buyer', async () => {
    const [row] = await query(paths, `
      select
          (select count(margin) from marts.orders) as margins,
          (select count(*) from marts.customer_clv) as clv,
          (select count(*) from marts.customer_rfm where is_latest) as rfm,
          (select count(*) from marts.customer_abc) as abc,
          (select count(*) from marts.customers where is_buyer) as buyers,
          (select count(*) from marts.customer_lifecycle where month = (select max(month) from marts.customer_lifecycle) and stage <> 'prospect') as staged,
          (select any_value(value_basis) from marts.customer_clv) as basis,
          (select count(*) from marts.customers where acquisition_channel = 'unknown') as unknown_channel`);
    expect(row).toMatchObject({ margins: 0, basis: 'revenue' });
    expect(row!['clv']).toBe(row!['buyers']);
    expect(row!['abc']).toBe(row!['buyers']);
    expect(row!['staged']).toBe(row!['buyers']);
    expect(row!['unknown_channel']).toBeGreaterThan(4000);
  });
});
