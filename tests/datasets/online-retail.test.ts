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
  it('judges each month by the gaps between orders known at its end, as the raw files give them', async () => {
    // Each invoice is an order at its first line's time; a gap is counted in the month of the order that closes it.
    const expected = await independently<Record<string, unknown>>(`
      with invoices as (select customer, InvoiceNo, min(InvoiceDate) as placed_at from RAW group by all),
      gaps as (select customer, date_trunc('month', placed_at)::date as month, datediff('day', lag(placed_at) over (partition by customer order by placed_at), placed_at) as gap from invoices),
      months as (select distinct month from gaps)
      select
          strftime(m.month, '%Y-%m') as month_key,
          (select count(gap) from gaps where month <= m.month) as gaps_observed,
          (select ceil(quantile_cont(gap, 0.75))::integer from gaps where month <= m.month) as active_days,
          (select ceil(quantile_cont(gap, 0.9))::integer from gaps where month <= m.month) as at_risk_days,
          (select median(gap) from gaps where month <= m.month) as median_gap_days,
          (select greatest(3, ceil(quantile_cont(n, 0.8))::integer) from (select count(*) as n from gaps where month <= m.month group by customer)) as loyal_orders
      from months as m
      order by 1`);
    const actual = await query(paths, 'select month_key, gaps_observed, active_days, at_risk_days, median_gap_days, loyal_orders from marts.lifecycle_thresholds order by month');
    expect(actual.length).toBe(13);
    // Every month of this data has seen at least 100 gaps, so each is judged by its own; they move as the data grows.
    expect(expected.every((row) => Number(row['gaps_observed']) >= 100)).toBe(true);
    expect(new Set(actual.map((row) => row['active_days'])).size).toBeGreaterThan(1);
    expect(actual).toEqual(expected);
  });
});
