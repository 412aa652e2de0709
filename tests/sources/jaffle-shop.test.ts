import { describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freshProject, query, run, SHARED } from '../helpers/warehouse.js';

const JAFFLE = join(SHARED, 'datasets', 'jaffle_shop');

describe.runIf(existsSync(JAFFLE))('the jaffle_shop example source', () => {
  it('loads dbt’s raw seeds (CRLF and LF files) with every row accounted for', async () => {
    const paths = freshProject();
    mkdirSync(join(paths.landing, 'jaffle_shop'), { recursive: true });
    cpSync(JAFFLE, join(paths.landing, 'jaffle_shop'), { recursive: true });
    const result = await run(paths, { selection: 'group:jaffle_shop' });
    expect(result.status).toBe('success');
    expect(await query(paths, `select table_name, rows_read, rows_loaded, rows_quarantined from meta.loaded_files order by table_name`)).toEqual([
      { table_name: 'customers', rows_read: 100, rows_loaded: 100, rows_quarantined: 0 },
      { table_name: 'orders', rows_read: 99, rows_loaded: 99, rows_quarantined: 0 },
      { table_name: 'payments', rows_read: 113, rows_loaded: 113, rows_quarantined: 0 },
    ]);
    expect(await query(paths, `select count(distinct user_id) as buyers, min(order_date)::varchar as first, sum(amount) / 100 as paid from raw.jaffle_shop__orders join raw.jaffle_shop__payments p on p.order_id = raw.jaffle_shop__orders.id`)).toEqual([
      { buyers: 62, first: '2018-01-01', paid: expect.any(Number) },
    ]);
  });
});
