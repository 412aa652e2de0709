import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { withWarehouse } from '../../pipelines/warehouse/connection.js';
import { projectWithSources, query, ROOT, run, SHARED } from '../helpers/warehouse.js';

const DATASETS = join(SHARED, 'datasets');
const JAFFLE = join(DATASETS, 'jaffle_shop');

describe.runIf(existsSync(JAFFLE))('the jaffle_shop example source', () => {
  it('reaches the marts through the contract: customers, orders and revenue as the raw seeds say', async () => {
    const paths = projectWithSources([join(ROOT, 'pipelines', 'sources', 'jaffle-shop.ts')], { landing: DATASETS, settings: { currency: { code: 'USD', symbol: '$' }, locale: 'en' } });
    const result = await run(paths);
    expect(result.status, result.log.join('\n')).toBe('success');
    expect(await query(paths, 'select table_name, rows_read, rows_loaded, rows_quarantined from meta.loaded_files order by table_name')).toEqual([
      { table_name: 'customers', rows_read: 100, rows_loaded: 100, rows_quarantined: 0 },
      { table_name: 'orders', rows_read: 99, rows_loaded: 99, rows_quarantined: 0 },
      { table_name: 'payments', rows_read: 113, rows_loaded: 113, rows_quarantined: 0 },
    ]);
    // Independently: orders not returned, with their payments in cents, straight from the CSVs.
    const [expected] = await withWarehouse(':memory:', (w) => w.readAll(`
      with orders as (select * from read_csv('${JAFFLE}/raw_orders.csv')),
           paid as (select order_id, sum(amount) / 100 as amount from read_csv('${JAFFLE}/raw_payments.csv') group by order_id)
      select count(*) as orders, count(distinct user_id) as buyers, sum(coalesce(paid.amount, 0))::double as revenue,
             count(*) filter (where date_trunc('month', order_date) = date '2018-02-01') as february_orders
      from orders left join paid on paid.order_id = orders.id
      where status <> 'returned'`));
    expect((await query(paths, `
      select count(*) as orders, count(distinct customer_id) as buyers, sum(net_revenue)::double as revenue,
             count(*) filter (where order_month = date '2018-02-01') as february_orders
      from marts.orders`))[0]).toEqual(expected);
    expect(await query(paths, `select customer_name from marts.customers where customer_id = 'jaffle_shop:1'`)).toEqual([{ customer_name: 'Michael P.' }]);
    expect(await query(paths, 'select count(*) as people from marts.customers')).toEqual([{ people: 100 }]);
  });
});
