import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateSample } from '../../pipelines/generate/generate.js';
import { loadProject } from '../../pipelines/config.js';
import { query, run, tempDir } from '../helpers/warehouse.js';

describe('clm generate', () => {
  it('writes the same extracts for the same seed', async () => {
    const a = join(tempDir(), 'a');
    const b = join(tempDir(), 'b');
    await generateSample({ customers: 300, seed: 11, out: a });
    await generateSample({ customers: 300, seed: 11, out: b });
    for (const source of ['crm', 'erp', 'truth']) {
      for (const file of readdirSync(join(a, source)).filter((f) => !f.endsWith('.parquet'))) {
        expect(readFileSync(join(b, source, file)), file).toEqual(readFileSync(join(a, source, file)));
      }
    }
  });

  it('injects exactly the bad rows its manifest documents, and the load quarantines exactly those', async () => {
    const dir = tempDir();
    const manifest = await generateSample({ customers: 1500, seed: 5, out: join(dir, 'landing') });
    const paths = loadProject({ warehouse: join(dir, 'w.duckdb'), landing: join(dir, 'landing') });
    const result = await run(paths);
    expect(result.status).toBe('success');

    const reasons = await query(paths, `
      select table_name,
             count(*) filter (where reason like 'exact duplicate%') as duplicates,
             count(*) filter (where reason like '%quantity_positive%') as negative_quantity,
             count(*) filter (where reason like 'column ordered_at: cannot parse%' or reason like 'column ordered_at: required%') as bad_dates,
             count(*) as total
      from meta.quarantine group by table_name order by table_name`);
    const { injected } = manifest;
    expect(reasons).toEqual([
      { table_name: 'contacts', duplicates: injected.contacts_exact_duplicate, negative_quantity: 0, bad_dates: 0, total: injected.contacts_exact_duplicate },
      { table_name: 'order_lines', duplicates: injected.order_lines_exact_duplicate, negative_quantity: injected.order_lines_negative_quantity, bad_dates: 0, total: injected.order_lines_exact_duplicate + injected.order_lines_negative_quantity },
      { table_name: 'orders', duplicates: 0, negative_quantity: 0, bad_dates: injected.orders_bad_date.length, total: injected.orders_bad_date.length },
    ]);
    const badOrders = await query(paths, `select list(order_id order by order_id) as ids from meta.quarantine, (select record->>'order_id' as order_id) where table_name = 'orders'`);
    expect(badOrders[0]?.['ids']).toEqual([...injected.orders_bad_date].sort());

    // Every file: rows read = rows loaded + rows quarantined, and every data line is accounted for.
    const files = await query(paths, 'select file, rows_read, rows_loaded, rows_quarantined from meta.loaded_files');
    for (const f of files) expect(Number(f['rows_read'])).toBe(Number(f['rows_loaded']) + Number(f['rows_quarantined']));
    for (const [file, rows] of Object.entries(manifest.files).filter(([f]) => !f.startsWith('truth/'))) {
      const loaded = files.find((f) => String(f['file']).endsWith(file));
      expect(Number(loaded?.['rows_read']), file).toBe(rows);
    }
  });

  it('draws people the identity stitching can find again: customers ≈ true people', async () => {
    const dir = tempDir();
    const manifest = await generateSample({ customers: 1500, seed: 9, out: join(dir, 'landing') });
    const paths = loadProject({ warehouse: join(dir, 'w.duckdb'), landing: join(dir, 'landing') });
    await run(paths);
    const truth = await query(paths, `select count(*) as people, count(*) filter (where purchases > 0) as buyers from read_csv('${join(dir, 'landing', 'truth', 'customers.csv')}')`);
    const stitched = await query(paths, 'select count(*) as customers, count(*) filter (where is_buyer) as buyers from marts.customers');
    expect(truth[0]?.['people']).toBe(manifest.customers);
    // Random mobile numbers can collide, and an ERP record may carry no key the CRM has: allow 1% either way.
    expect(Math.abs(Number(stitched[0]?.['customers']) - manifest.customers)).toBeLessThan(manifest.customers * 0.01);
    expect(Math.abs(Number(stitched[0]?.['buyers']) - Number(truth[0]?.['buyers']))).toBeLessThan(manifest.customers * 0.01);
  });
});
