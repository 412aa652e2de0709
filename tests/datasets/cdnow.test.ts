import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { withWarehouse } from '../../pipelines/warehouse/connection.js';
import { projectWithSources, query, ROOT, run, SHARED } from '../helpers/warehouse.js';

const DATASETS = join(SHARED, 'datasets');
const ELOG = join(DATASETS, 'cdnow', 'cdnowElog.csv');

describe.runIf(existsSync(ELOG))('CDNOW, a purchase log with YYYYMMDD dates and no order id', () => {
  it('loads every purchase as an order and sizes the cohorts as the raw log does', async () => {
    const paths = projectWithSources([join(ROOT, 'examples', 'sources', 'cdnow.ts')], { landing: DATASETS, settings: { currency: { code: 'USD', symbol: '$' }, locale: 'en' } });
    const result = await run(paths);
    expect(result.status, result.log.join('\n')).toBe('success');
    const [expected] = await withWarehouse(':memory:', (w) => w.readAll(`
      with log as (select masterid::varchar as customer, strptime(date::varchar, '%Y%m%d') as ordered_at, sales from read_csv('${ELOG}'))
      select count(*) as orders, count(distinct customer) as buyers, sum(sales::decimal(12, 2))::double as revenue,
             (select count(*) from (select customer from log group by customer having date_trunc('month', min(ordered_at)) = date '1997-02-01')) as february_cohort
      from log`));
    expect((await query(paths, `
      select count(*) as orders, count(distinct customer_id) as buyers, sum(net_revenue)::double as revenue,
             (select cohort_customers from marts.cohort_retention where cohort_month = date '1997-02-01' and months_since_first_order = 0) as february_cohort
      from marts.orders`))[0]).toEqual(expected);
  });
});
