import { describe, expect, it } from 'vitest';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProject } from '../../pipelines/config.js';
import { withWarehouse } from '../../pipelines/warehouse/connection.js';
import { ROOT, run, tempDir } from '../helpers/warehouse.js';

/** The tables a run builds: every model and analytics table, compared row for row. */
const BUILT_SCHEMAS = ['intermediate', 'marts', 'analytics'];

/**
 * A day's extract after the sample's last: new orders, a late one dated two years back, and a
 * newer version of an order already loaded (cancelled since), each with its order lines, and a
 * newer version of a line already loaded (one more unit). The second day brings new orders and a
 * return of a line of the first day.
 */
function writeNextDay(landing: string, day: 1 | 2): void {
  const orders = readFileSync(join(landing, 'erp', 'orders_2026.csv'), 'utf8').trim().split('\n');
  const lines = readFileSync(join(landing, 'erp', 'order_lines_2026.csv'), 'utf8').trim().split('\n');
  // The sample writes some dates other ways (odd exports): the ISO ones say which day is last.
  const rows = orders.slice(1).map((l) => l.split(',')).filter((r) => /^\d{4}-\d{2}-\d{2} /.test(r[2]!) && /^\d{4}-\d{2}-\d{2} /.test(r[5] ?? ''));
  const lastDay = rows.map((r) => r[2]!).sort().at(-1)!.slice(0, 10);
  const next = new Date(Date.parse(`${lastDay}T00:00:00Z`) + day * 86_400_000).toISOString().slice(0, 10);
  const prefix = day === 1 ? '9' : '7';
  const fresh = rows.slice(0, 12).map((r, i) => [`SO${prefix}${String(i).padStart(7, '0')}`, r[1], `${next} 1${i % 10}:00:00`, r[3], 'completed', `${next} 2${i % 4}:00:00`]);
  const late = [`SO8${'0'.repeat(7)}`, rows[20]![1], '2024-05-02 10:00:00', 'online', 'completed', `${next} 09:00:00`];
  const updated = [rows[30]![0], rows[30]![1], rows[30]![2], rows[30]![3], 'cancelled', `${next} 12:00:00`];
  const dayOrders = day === 1 ? [...fresh, late, updated] : fresh;
  writeFileSync(join(landing, 'erp', `orders_2026_next${day}.csv`), [orders[0], ...dayOrders.map((r) => r.join(','))].join('\n') + '\n');
  const template = lines.slice(1, 30).map((l) => l.split(','));
  const newLines = (day === 1 ? [...fresh, late] : fresh).flatMap((order, i) => [0, 1].map((k) => {
    const t = template[(2 * i + k) % template.length]!;
    return [`L${prefix}${String(2 * i + k).padStart(8, '0')}`, order[0], t[2], t[3], t[4], t[5]].join(',');
  }));
  const changedLine = lines[40]!.split(',');
  changedLine[3] = String(Number(changedLine[3]) + 1);
  writeFileSync(join(landing, 'erp', `order_lines_2026_next${day}.csv`), [lines[0], ...newLines, ...(day === 1 ? [changedLine.join(',')] : [])].join('\n') + '\n');
  if (day === 2) {
    // The first line of the first day's first order, one unit back.
    const price = lines[1]!.split(',')[4];
    writeFileSync(join(landing, 'erp', 'returns_next2.csv'), `return_id,order_line_id,returned_at,quantity,refund_cny,reason\nRT900000001,L900000000,${next} 08:00:00,1,${price},changed mind\n`);
  }
}

function monthBefore(month: string): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${year - 1}-12` : `${year}-${String(m - 1).padStart(2, '0')}`;
}

/** Rows in one build and not the other, table by table, for every table the two runs build. */
async function differencesFromFullBuild(incremental: string, landing: string, dir: string): Promise<string[]> {
  const full = loadProject({ warehouse: join(dir, `full-${Date.now()}.duckdb`), landing });
  expect((await run(full)).status).toBe('success');
  return withWarehouse(incremental, async (w) => {
    await w.run(`attach '${full.warehouse}' as full_build (read_only)`);
    const tables = await w.readAll<{ schema_name: string; table_name: string }>(`
      select schema_name, table_name from duckdb_tables()
      where database_name = 'incremental' and schema_name in (${BUILT_SCHEMAS.map((s) => `'${s}'`).join(', ')})
      order by all`);
    expect(tables.length).toBeGreaterThan(20);
    const differences: string[] = [];
    for (const { schema_name: schema, table_name: table } of tables) {
      const [counts] = await w.readAll<{ only_incremental: number; only_full: number }>(`
        select
            (select count(*) from (select * from incremental.${schema}.${table} except all select * from full_build.${schema}.${table})) as only_incremental,
            (select count(*) from (select * from full_build.${schema}.${table} except all select * from incremental.${schema}.${table})) as only_full`);
      if (counts!.only_incremental !== 0 || counts!.only_full !== 0) differences.push(`${schema}.${table}: ${counts!.only_incremental} rows only in the incremental build, ${counts!.only_full} only in the full one`);
    }
    return differences;
  }, { readOnly: true });
}

describe('incremental runs', () => {
  it('rebuild only what new data reaches, and leave every table as a full rebuild would, row for row', async () => {
    const dir = tempDir();
    const landing = join(dir, 'landing');
    cpSync(join(ROOT, 'data', 'sample'), landing, { recursive: true });
    const incremental = loadProject({ warehouse: join(dir, 'incremental.duckdb'), landing });
    expect((await run(incremental)).status).toBe('success');

    writeNextDay(landing, 1);
    const second = await run(incremental);
    expect(second.status).toBe('success');
    const byKey = new Map(second.assets.map((a) => [a.key, a]));
    // The new files are loaded; files loaded before are not read again.
    expect(byKey.get('raw.erp__orders')!.summary).toMatch(/^1 new files \(4 already loaded\)/);
    expect(byKey.get('raw.crm__interactions')!.changed).toBe(false);
    // What orders reach is rebuilt; what they do not reach is left as it was.
    expect(byKey.get('marts.orders')!.unchanged).toBeUndefined();
    expect(byKey.get('analytics.customer_clv')!.unchanged).toBeUndefined();
    expect(byKey.get('marts.customer_touchpoints')!.unchanged).toBe(true);
    expect(byKey.get('intermediate.int_customers_stitched')!.unchanged).toBe(true);
    expect(byKey.get('intermediate.int_customer_profiles')!.unchanged).toBe(true);
    // The unions keep their rows and compute again those of the keys the new rows name, unless a
    // replaced row may have named other keys: the changed line may have moved to another order.
    expect(byKey.get('intermediate.int_order_lines_unioned')!.summary).toMatch(/ · merged: 27 rows for 27 keys that new rows name \(1 replaced\), from staging\.stg_erp__order_lines$/);
    expect(byKey.get('intermediate.int_orders_unioned')!.summary).toMatch(/^[\d,]+ rows$/);
    // Month-partitioned marts recompute from the month of the late order on, and keep the months before.
    expect(byKey.get('marts.orders')!.summary).toMatch(/ · from 2024-05: intermediate\.int_orders_unioned changed from 2024-05$/);
    expect(byKey.get('marts.customer_snapshots')!.summary).toMatch(/ · from 2024-05: marts\.orders changed from 2024-05$/);
    expect(byKey.get('marts.customer_rfm')!.summary).toMatch(/ · from 2024-05: marts\.customer_snapshots changed from 2024-05$/);
    expect(byKey.get('marts.customer_months')!.summary).toMatch(/ · from 2024-05: marts\.orders changed from 2024-05$/);
    expect(byKey.get('marts.customer_lifecycle')!.summary).toMatch(/ · from 2024-05: marts\.orders changed from 2024-05$/);
    expect(byKey.get('marts.lifecycle_transitions')!.summary).toMatch(/ · from 2024-05: marts\.customer_lifecycle changed from 2024-05$/);

    // The same extracts, loaded and built from nothing, hold the same rows.
    expect(await differencesFromFullBuild(incremental.warehouse, landing, dir)).toEqual([]);

    await withWarehouse(incremental.warehouse, async (w) => {
      // The day's orders are there: the updated order is cancelled, the late one counted.
      expect(await w.readScalar(`select count(*) from marts.orders where order_id like 'erp:SO9%'`)).toBe(12);
      expect(await w.readScalar(`select count(*) from marts.orders where order_id = 'erp:SO80000000' and year(ordered_at) = 2024`)).toBe(1);
      expect(await w.readAll(`select status, _source_file like '%next%' as from_the_new_file from raw.erp__orders where _source_file like '%next%' and status = 'cancelled'`)).toEqual([{ status: 'cancelled', from_the_new_file: true }]);
    }, { readOnly: true });

    // A day of new orders and a return: the partitioned marts recompute their last month, and agree again.
    writeNextDay(landing, 2);
    const third = await run(incremental);
    expect(third.status).toBe('success');
    const lastMonth = await withWarehouse(incremental.warehouse, (w) => w.readScalar<string>(`select strftime(max(snapshot_month), '%Y-%m') from marts.customer_snapshots`), { readOnly: true });
    const thirdByKey = new Map(third.assets.map((a) => [a.key, a]));
    // New orders, lines and a return: each union merges the keys they name (the returned line, and its order).
    expect(thirdByKey.get('intermediate.int_order_lines_unioned')!.summary).toMatch(/ · merged: 25 rows for 25 keys that new rows name \(1 replaced\)/);
    expect(thirdByKey.get('intermediate.int_orders_unioned')!.summary).toMatch(/ · merged: 13 rows for 13 keys that new rows name \(1 replaced\)/);
    // (From the month before when the day starts a month: the previous last month was month to date.)
    expect(thirdByKey.get('marts.customer_snapshots')!.summary).toMatch(new RegExp(` · from (${lastMonth}|${monthBefore(lastMonth)}): .*marts\\.orders changed from ${lastMonth}$`));
    expect(thirdByKey.get('marts.orders')!.summary).toMatch(new RegExp(` · from (${lastMonth}|${monthBefore(lastMonth)}): .*intermediate\\.int_orders_unioned changed from ${lastMonth}$`));
    for (const key of ['marts.customer_months', 'marts.customer_lifecycle']) {
      expect(thirdByKey.get(key)!.summary).toMatch(new RegExp(` · from (${lastMonth}|${monthBefore(lastMonth)}): .*marts\\.orders changed from ${lastMonth}$`));
    }
    expect(thirdByKey.get('marts.customer_rfm')!.summary).toMatch(new RegExp(` · from (${lastMonth}|${monthBefore(lastMonth)}): .*marts\\.customer_snapshots changed from`));
    expect(await differencesFromFullBuild(incremental.warehouse, landing, dir)).toEqual([]);

    // A product's cost changes: the lines read products, which they do not say how to merge, so
    // their union is built whole; the orders' union reads them through the lines, and is too.
    const products = join(landing, 'erp', 'products.parquet');
    await withWarehouse(':memory:', (w) => w.run(`copy (select * replace ((try_cast(unit_cost_cny as decimal(12, 2)) - 1)::varchar as unit_cost_cny) from read_parquet('${products}') where try_cast(unit_cost_cny as decimal(12, 2)) >= 1 order by product_id limit 1) to '${join(landing, 'erp', 'products_next3.parquet')}'`));
    const fourth = await run(incremental);
    expect(fourth.status).toBe('success');
    const fourthByKey = new Map(fourth.assets.map((a) => [a.key, a]));
    expect(fourthByKey.get('raw.erp__products')!.summary).toMatch(/^1 new files/);
    expect(fourthByKey.get('intermediate.int_order_lines_unioned')!.summary).toMatch(/^[\d,]+ rows$/);
    expect(fourthByKey.get('intermediate.int_orders_unioned')!.summary).toMatch(/^[\d,]+ rows$/);
    expect(await differencesFromFullBuild(incremental.warehouse, landing, dir)).toEqual([]);
  }, 300_000);
});
