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
 * newer version of an order already loaded (cancelled since), each with its order lines.
 */
function writeNextDay(landing: string): void {
  const orders = readFileSync(join(landing, 'erp', 'orders_2026.csv'), 'utf8').trim().split('\n');
  const lines = readFileSync(join(landing, 'erp', 'order_lines_2026.csv'), 'utf8').trim().split('\n');
  // The sample writes some dates other ways (odd exports): the ISO ones say which day is last.
  const rows = orders.slice(1).map((l) => l.split(',')).filter((r) => /^\d{4}-\d{2}-\d{2} /.test(r[2]!) && /^\d{4}-\d{2}-\d{2} /.test(r[5] ?? ''));
  const lastDay = rows.map((r) => r[2]!).sort().at(-1)!.slice(0, 10);
  const next = new Date(Date.parse(`${lastDay}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const fresh = rows.slice(0, 12).map((r, i) => [`SO9${String(i).padStart(7, '0')}`, r[1], `${next} 1${i % 10}:00:00`, r[3], 'completed', `${next} 2${i % 4}:00:00`]);
  const late = [`SO8${'0'.repeat(7)}`, rows[20]![1], '2024-05-02 10:00:00', 'online', 'completed', `${next} 09:00:00`];
  const updated = [rows[30]![0], rows[30]![1], rows[30]![2], rows[30]![3], 'cancelled', `${next} 12:00:00`];
  writeFileSync(join(landing, 'erp', 'orders_2026_next.csv'), [orders[0], ...[...fresh, late, updated].map((r) => r.join(','))].join('\n') + '\n');
  const template = lines.slice(1, 30).map((l) => l.split(','));
  const newLines = [...fresh, late].flatMap((order, i) => [0, 1].map((k) => {
    const t = template[(2 * i + k) % template.length]!;
    return [`L9${String(2 * i + k).padStart(8, '0')}`, order[0], t[2], t[3], t[4], t[5]].join(',');
  }));
  writeFileSync(join(landing, 'erp', 'order_lines_2026_next.csv'), [lines[0], ...newLines].join('\n') + '\n');
}

describe('incremental runs', () => {
  it('rebuild only what new data reaches, and leave every table as a full rebuild would, row for row', async () => {
    const dir = tempDir();
    const landing = join(dir, 'landing');
    cpSync(join(ROOT, 'data', 'sample'), landing, { recursive: true });
    const incremental = loadProject({ warehouse: join(dir, 'incremental.duckdb'), landing });
    expect((await run(incremental)).status).toBe('success');

    writeNextDay(landing);
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

    // The same extracts, loaded and built from nothing.
    const full = loadProject({ warehouse: join(dir, 'full.duckdb'), landing });
    expect((await run(full)).status).toBe('success');

    await withWarehouse(incremental.warehouse, async (w) => {
      await w.run(`attach '${full.warehouse}' as full_build (read_only)`);
      const tables = await w.readAll<{ schema_name: string; table_name: string }>(`
        select schema_name, table_name from duckdb_tables()
        where database_name = 'incremental' and schema_name in (${BUILT_SCHEMAS.map((s) => `'${s}'`).join(', ')})
        order by all`);
      expect(tables.length).toBeGreaterThan(20);
      const differences: string[] = [];
      for (const { schema_name: schema, table_name: table } of tables) {
        const [counts] = await w.readAll<{ only_incremental: number; only_full: number; rows: number }>(`
          select
              (select count(*) from (select * from incremental.${schema}.${table} except all select * from full_build.${schema}.${table})) as only_incremental,
              (select count(*) from (select * from full_build.${schema}.${table} except all select * from incremental.${schema}.${table})) as only_full,
              (select count(*) from incremental.${schema}.${table}) as rows`);
        if (counts!.only_incremental !== 0 || counts!.only_full !== 0) differences.push(`${schema}.${table}: ${counts!.only_incremental} rows only in the incremental build, ${counts!.only_full} only in the full one`);
      }
      expect(differences).toEqual([]);
      // The day's orders are there: the updated order is cancelled, the late one counted.
      expect(await w.readScalar(`select count(*) from marts.orders where order_id like 'erp:SO9%'`)).toBe(12);
      expect(await w.readScalar(`select count(*) from marts.orders where order_id = 'erp:SO80000000' and year(ordered_at) = 2024`)).toBe(1);
      expect(await w.readAll(`select status, _source_file like '%next%' as from_the_new_file from raw.erp__orders where _source_file like '%next%' and status = 'cancelled'`)).toEqual([{ status: 'cancelled', from_the_new_file: true }]);
    }, { readOnly: true });
  }, 240_000);
});
