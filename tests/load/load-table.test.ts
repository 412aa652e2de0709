import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openWarehouse, type Warehouse } from '../../pipelines/warehouse/connection.js';
import { ensureMetaSchema } from '../../pipelines/warehouse/meta-schema.js';
import { loadTable } from '../../pipelines/load/load-table.js';
import { defineSource, type TableSpec } from '../../pipelines/load/source.js';
import { SchemaDriftError } from '../../pipelines/errors.js';
import { tempDir } from '../helpers/warehouse.js';

const lines: TableSpec = {
  name: 'order_lines',
  files: 'order_lines*.csv',
  format: 'csv',
  columns: {
    order_line_id: 'VARCHAR',
    order_id: { type: 'VARCHAR', required: true },
    product_id: 'VARCHAR',
    quantity: { type: 'INTEGER', required: true },
    unit_price_cny: 'DECIMAL(12,2)',
  },
  primaryKey: ['order_line_id'],
  checks: { quantity_positive: 'quantity > 0' },
};

const orders: TableSpec = {
  name: 'orders',
  files: 'orders*.csv',
  format: 'csv',
  columns: { order_id: 'VARCHAR', status: 'VARCHAR', updated_at: 'TIMESTAMP' },
  primaryKey: ['order_id'],
  cursor: 'updated_at',
};

const shop = defineSource({ name: 'shop', description: 'test shop', tables: [lines, orders] });

async function setup(): Promise<{ warehouse: Warehouse; landing: string; write: (name: string, text: string) => string }> {
  const dir = tempDir();
  const landing = join(dir, 'landing');
  mkdirSync(join(landing, 'shop'), { recursive: true });
  const warehouse = await openWarehouse(join(dir, 'w.duckdb'));
  await ensureMetaSchema(warehouse);
  return {
    warehouse,
    landing,
    write: (name, text) => {
      const path = join(landing, 'shop', name);
      writeFileSync(path, text);
      return path;
    },
  };
}

const context = (warehouse: Warehouse, landing: string, runId = 'run-1') => ({ warehouse, runId, landingRoot: landing, displayRoot: landing });

describe('loadTable', () => {
  it('quarantines every bad row with its file, line, column and reason, and loads the rest', async () => {
    const { warehouse, landing, write } = await setup();
    write(
      'order_lines_1.csv',
      [
        'order_line_id,order_id,product_id,quantity,unit_price_cny',
        'L1,O1,P1,2,100',
        'L2,O1,P2,-1,50',
        'L3,O2,P1,abc,100',
        'L1,O1,P1,2,100',
        'L4,,P1,1,100',
        'L5,O3,P1,1,100,surplus',
        'L6,O3,P2,1,50',
      ].join('\n') + '\n',
    );
    const result = await loadTable(context(warehouse, landing), shop, lines);
    expect(result).toMatchObject({ rowsRead: 7, rowsLoaded: 2, rowsQuarantined: 5 });

    const quarantined = await warehouse.readAll('select file, line, column_name, reason from meta.quarantine order by line');
    expect(quarantined.slice(0, 4)).toEqual([
      { file: 'shop/order_lines_1.csv', line: 3, column_name: 'quantity', reason: 'column quantity: check quantity_positive failed (quantity > 0)' },
      { file: 'shop/order_lines_1.csv', line: 4, column_name: 'quantity', reason: 'column quantity: cannot parse abc as INTEGER exactly' },
      { file: 'shop/order_lines_1.csv', line: 5, column_name: null, reason: 'exact duplicate of line 2' },
      { file: 'shop/order_lines_1.csv', line: 6, column_name: 'order_id', reason: 'column order_id: required value is missing' },
    ]);
    expect(quarantined[4]).toMatchObject({ line: 7, reason: expect.stringMatching(/^malformed line: /) });

    const loaded = await warehouse.readAll('select order_line_id, _source_line from raw.shop__order_lines order by 1');
    expect(loaded).toEqual([
      { order_line_id: 'L1', _source_line: 2 },
      { order_line_id: 'L6', _source_line: 8 },
    ]);
    const record = await warehouse.readScalar<string>("select record::varchar from meta.quarantine where line = 4");
    expect(JSON.parse(record)).toMatchObject({ order_line_id: 'L3', quantity: 'abc' });
    warehouse.closeSync();
  });

  it('gives every row its real file line, counting blank lines and quoted fields that span lines', async () => {
    const { warehouse, landing, write } = await setup();
    write('order_lines_2.csv', [
      'order_line_id,order_id,product_id,quantity,unit_price_cny', // 1
      'L1,O1,P1,2,100', // 2
      '', // 3
      'L2,O1,"P2 with', // 4
      'a second line",1,50', // 5
      'L3,O2,P3,1,x,extra', // 6: malformed
      '', // 7
      'L4,O2,P4,abc,10', // 8: quarantined
      'L5,O3,P5,1,10', // 9
    ].join('\n') + '\n');
    await loadTable(context(warehouse, landing), shop, lines);
    expect(await warehouse.readAll('select order_line_id, _source_line from raw.shop__order_lines order by 1')).toEqual([
      { order_line_id: 'L1', _source_line: 2 },
      { order_line_id: 'L2', _source_line: 4 },
      { order_line_id: 'L5', _source_line: 9 },
    ]);
    expect(await warehouse.readAll("select line, reason like 'malformed line%' as malformed from meta.quarantine order by line")).toEqual([
      { line: 6, malformed: true },
      { line: 8, malformed: false },
    ]);
    warehouse.closeSync();
  });

  it('changes no value silently: no rounding into INTEGER or DECIMAL, no NUL bytes, no undated row over a dated one', async () => {
    const { warehouse, landing, write } = await setup();
    write('order_lines_3.csv', 'order_line_id,order_id,product_id,quantity,unit_price_cny\nL1,O1,P1,1.5,100\nL2,O1,P2,1,12.345\nL3,O1,P\u00003,1,10\nL4,O1,P4,2,12.3\n');
    await loadTable(context(warehouse, landing), shop, lines);
    expect(await warehouse.readAll('select line, reason from meta.quarantine order by line')).toEqual([
      { line: 2, reason: 'column quantity: cannot parse 1.5 as INTEGER exactly' },
      { line: 3, reason: 'column unit_price_cny: cannot parse 12.345 as DECIMAL(12,2) exactly' },
      { line: 4, reason: 'column product_id: contains a NUL byte' },
    ]);
    expect(await warehouse.readAll('select order_line_id, unit_price_cny::double as price from raw.shop__order_lines')).toEqual([{ order_line_id: 'L4', price: 12.3 }]);

    write('orders_1.csv', 'order_id,status,updated_at\nO1,paid,2024-05-01 10:00:00\n');
    await loadTable(context(warehouse, landing), shop, orders);
    write('orders_2.csv', 'order_id,status,updated_at\nO1,cancelled,\n');
    await loadTable(context(warehouse, landing, 'run-2'), shop, orders);
    expect(await warehouse.readAll('select status from raw.shop__orders')).toEqual([{ status: 'paid' }]);
    expect(await warehouse.readScalar("select reason from meta.quarantine where file like '%orders_2.csv'")).toBe(
      'column updated_at: no updated_at value, and the warehouse holds a dated version (2024-05-01 10:00:00)',
    );
    warehouse.closeSync();
  });

  it('records an empty file as empty and loads the good file beside it', async () => {
    const { warehouse, landing, write } = await setup();
    write('order_lines_0.csv', '');
    write('order_lines_1.csv', 'order_line_id,order_id,product_id,quantity,unit_price_cny\nL1,O1,P1,2,100\n');
    const load = await loadTable(context(warehouse, landing), shop, lines);
    expect(load).toMatchObject({ rowsRead: 1, rowsLoaded: 1, rowsQuarantined: 0 });
    expect(await warehouse.readAll('select file, size_bytes, rows_read from meta.loaded_files order by file')).toEqual([
      { file: 'shop/order_lines_0.csv', size_bytes: 0, rows_read: 0 },
      { file: 'shop/order_lines_1.csv', size_bytes: 73, rows_read: 1 },
    ]);
    warehouse.closeSync();
  });

  it('loads a file with no final newline but flags it in its load record', async () => {
    const { warehouse, landing, write } = await setup();
    write('order_lines_1.csv', 'order_line_id,order_id,product_id,quantity,unit_price_cny\nL1,O1,P1,2,100\n');
    write('order_lines_2.csv', 'order_line_id,order_id,product_id,quantity,unit_price_cny\nL2,O1,P1,2,100');
    expect(await loadTable(context(warehouse, landing), shop, lines)).toMatchObject({ rowsLoaded: 2 });
    expect(await warehouse.readAll('select file, ends_with_newline from meta.loaded_files order by file')).toEqual([
      { file: 'shop/order_lines_1.csv', ends_with_newline: true },
      { file: 'shop/order_lines_2.csv', ends_with_newline: false },
    ]);
    warehouse.closeSync();
  });

  it('commits file by file when asked: a file that fails keeps the files before it, and the next load goes on from it', async () => {
    const { warehouse, landing, write } = await setup();
    const header = 'order_line_id,order_id,product_id,quantity,unit_price_cny';
    write('order_lines_1.csv', `${header}\nL1,O1,P1,2,100\nL2,O1,P2,1,50\n`);
    write('order_lines_2.csv', `${header},colour\nL3,O2,P1,1,100,red\n`);
    write('order_lines_3.csv', `${header}\nL4,O3,P1,1,100\n`);
    const perFile = { ...context(warehouse, landing), commitPerFile: true };
    await expect(loadTable(perFile, shop, lines)).rejects.toThrow(SchemaDriftError);
    expect(await warehouse.readAll('select order_line_id from raw.shop__order_lines order by 1')).toEqual([{ order_line_id: 'L1' }, { order_line_id: 'L2' }]);
    expect(await warehouse.readAll('select file, rows_loaded from meta.loaded_files')).toEqual([{ file: 'shop/order_lines_1.csv', rows_loaded: 2 }]);

    write('order_lines_2.csv', `${header}\nL3,O2,P1,1,100\n`);
    expect(await loadTable({ ...perFile, runId: 'run-2' }, shop, lines)).toMatchObject({ filesSkipped: 1, rowsRead: 2, rowsLoaded: 2 });
    expect(await warehouse.readAll('select order_line_id from raw.shop__order_lines order by 1')).toEqual(['L1', 'L2', 'L3', 'L4'].map((id) => ({ order_line_id: id })));
    warehouse.closeSync();
  });

  it('adds nothing when the same file is loaded twice', async () => {
    const { warehouse, landing, write } = await setup();
    write('order_lines_1.csv', 'order_line_id,order_id,product_id,quantity,unit_price_cny\nL1,O1,P1,2,100\nL2,O1,P2,1,50\n');
    const first = await loadTable(context(warehouse, landing), shop, lines);
    const second = await loadTable(context(warehouse, landing, 'run-2'), shop, lines);
    expect(first).toMatchObject({ rowsLoaded: 2, filesSkipped: 0 });
    expect(second).toMatchObject({ rowsRead: 0, rowsLoaded: 0, filesSkipped: 1 });
    expect(await warehouse.readScalar('select count(*) from raw.shop__order_lines')).toBe(2);
    expect(await warehouse.readScalar('select count(*) from meta.loaded_files')).toBe(1);
    warehouse.closeSync();
  });

  it('replaces a row by primary key when a newer version arrives, and quarantines an older one', async () => {
    const { warehouse, landing, write } = await setup();
    write('orders_1.csv', 'order_id,status,updated_at\nO1,placed,2024-01-01 10:00:00\nO2,placed,2024-01-05 10:00:00\n');
    await loadTable(context(warehouse, landing), shop, orders);
    write('orders_2.csv', 'order_id,status,updated_at\nO1,shipped,2024-01-03 10:00:00\nO2,cancelled,2024-01-02 10:00:00\nO3,placed,2024-01-04 10:00:00\nO3,shipped,2024-01-06 10:00:00\n');
    const second = await loadTable(context(warehouse, landing, 'run-2'), shop, orders);

    expect(second).toMatchObject({ rowsRead: 4, rowsLoaded: 2, rowsQuarantined: 2 });
    expect(await warehouse.readAll('select order_id, status from raw.shop__orders order by 1')).toEqual([
      { order_id: 'O1', status: 'shipped' },
      { order_id: 'O2', status: 'placed' },
      { order_id: 'O3', status: 'shipped' },
    ]);
    expect(await warehouse.readAll('select line, reason from meta.quarantine order by line')).toEqual([
      { line: 3, reason: 'column updated_at: stale: the warehouse holds a newer version (2024-01-05 10:00:00)' },
      { line: 4, reason: 'column order_id: superseded by line 5 of the same file (same key, newer version)' },
    ]);
    warehouse.closeSync();
  });

  it('rejects a file whose columns changed, naming the file and the columns', async () => {
    const { warehouse, landing, write } = await setup();
    write('orders_1.csv', 'order_id,state,updated_at,channel\nO1,placed,2024-01-01 10:00:00,web\n');
    const error = await loadTable(context(warehouse, landing), shop, orders).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaDriftError);
    expect((error as Error).message).toBe('Schema changed: shop/orders_1.csv (shop.orders): missing columns: status; unexpected columns: state, channel');
    warehouse.closeSync();
  });

  it('loads a changed file when the source declares how to evolve', async () => {
    const { warehouse, landing, write } = await setup();
    const evolving: TableSpec = { ...orders, schemaEvolution: { added: 'ignore', missing: 'null' } };
    write('orders_1.csv', 'ORDER_ID , updated_at,channel\nO1,2024-01-01 10:00:00,web\n');
    const result = await loadTable(context(warehouse, landing), shop, evolving);
    expect(result).toMatchObject({ rowsLoaded: 1, rowsQuarantined: 0 });
    expect(await warehouse.readAll('select order_id, status from raw.shop__orders')).toEqual([{ order_id: 'O1', status: null }]);
    warehouse.closeSync();
  });

  it('reads NDJSON and Parquet with the declared types', async () => {
    const { warehouse, landing, write } = await setup();
    const events: TableSpec = { name: 'events', files: 'events*.ndjson', format: 'ndjson', columns: { id: 'INTEGER', at: 'TIMESTAMP', amount_cny: 'DECIMAL(12,2)' }, primaryKey: ['id'] };
    write('events_1.ndjson', '{"id": 1, "at": "2024-01-01 10:00:00", "amount_cny": 12.5}\n{"id": 2, "at": "not a time", "amount_cny": 3}\n');
    const source = defineSource({ name: 'shop', description: '', tables: [events, { ...events, name: 'events_pq', files: 'events*.parquet', format: 'parquet' }] });
    const json = await loadTable(context(warehouse, landing), source, events);
    expect(json).toMatchObject({ rowsRead: 2, rowsLoaded: 1, rowsQuarantined: 1 });
    expect(await warehouse.readScalar("select reason from meta.quarantine where table_name = 'events'")).toBe('column at: cannot parse not a time as TIMESTAMP exactly');

    await warehouse.run(`copy (select 7 as id, timestamp '2024-02-01 00:00:00' as at, 9.99 as amount_cny) to '${join(landing, 'shop', 'events_2.parquet')}' (format parquet)`);
    const parquet = await loadTable(context(warehouse, landing), source, source.tables[1]!);
    expect(parquet).toMatchObject({ rowsRead: 1, rowsLoaded: 1 });
    expect(await warehouse.readAll('select id, amount_cny::double as amount from raw.shop__events_pq')).toEqual([{ id: 7, amount: 9.99 }]);
    warehouse.closeSync();
  });
});
