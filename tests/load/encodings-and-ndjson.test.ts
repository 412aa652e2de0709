// Files as other systems write them: GB18030 from 用友/金蝶, UTF-16 from Excel's "Unicode text",
// Windows-1252 from older shop systems, and NDJSON with lines that are not objects. The bytes are
// produced by iconv-lite's encoders, or written out byte by byte; every value is read back.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { loadTable } from '../../pipelines/load/load-table.js';
import { defineSource, type TableSpec } from '../../pipelines/load/source.js';
import { openWarehouse, type Warehouse } from '../../pipelines/warehouse/connection.js';
import { ensureMetaSchema } from '../../pipelines/warehouse/meta-schema.js';
import { tempDir } from '../helpers/warehouse.js';

const customers: TableSpec = {
  name: 'customers',
  files: 'customers*.csv',
  format: 'csv',
  columns: {
    customer_id: { type: 'VARCHAR', from: '客户编号' },
    name: { type: 'VARCHAR', from: '客户名称' },
    city: { type: 'VARCHAR', from: '城市' },
    credit: { type: 'DECIMAL(12,2)', from: '信用额度' },
  },
  primaryKey: ['customer_id'],
};

const CHINESE = [
  '客户编号,客户名称,城市,信用额度',
  'C001,张伟,北京,1000.00',
  'C002,欧阳娜娜,上海,250.5',
  'C003,王芳,广州,一千', // not a number: quarantined, with its Chinese intact
  'C004,"李, 娜",深圳,0',
].join('\r\n') + '\r\n';

async function setup(): Promise<{ warehouse: Warehouse; landing: string; write: (name: string, bytes: Buffer | string) => void }> {
  const dir = tempDir();
  const landing = join(dir, 'landing');
  mkdirSync(join(landing, 'shop'), { recursive: true });
  const warehouse = await openWarehouse(join(dir, 'w.duckdb'));
  await ensureMetaSchema(warehouse);
  return { warehouse, landing, write: (name, bytes) => writeFileSync(join(landing, 'shop', name), bytes) };
}

const context = (warehouse: Warehouse, landing: string) => ({ warehouse, runId: 'run-1', landingRoot: landing, displayRoot: landing });

async function loadedCustomers(warehouse: Warehouse) {
  return warehouse.readAll<{ customer_id: string; name: string; city: string; credit: string | null; _source_line: number }>(
    'select customer_id, name, city, credit::varchar as credit, _source_line from raw.shop__customers order by customer_id',
  );
}

describe('text encodings', () => {
  it.each([
    ['gb18030', 'gb18030'],
    ['gbk', 'gbk'],
    ['utf-16le with a BOM (Excel "Unicode text")', 'utf-16le'],
  ])('loads %s when the table declares it, converting while streaming, Chinese intact', async (_label, encoding) => {
    const { warehouse, landing, write } = await setup();
    const bom = encoding.startsWith('utf-16') ? Buffer.from([0xff, 0xfe]) : Buffer.alloc(0);
    write('customers_1.csv', Buffer.concat([bom, iconv.encode(CHINESE, encoding)]));
    const source = defineSource({ name: 'shop', description: '', tables: [{ ...customers, encoding }] });

    const result = await loadTable(context(warehouse, landing), source, source.tables[0]!);

    expect(result).toMatchObject({ rowsRead: 4, rowsLoaded: 3, rowsQuarantined: 1 });
    expect(await loadedCustomers(warehouse)).toEqual([
      { customer_id: 'C001', name: '张伟', city: '北京', credit: '1000.00', _source_line: 2 },
      { customer_id: 'C002', name: '欧阳娜娜', city: '上海', credit: '250.50', _source_line: 3 },
      { customer_id: 'C004', name: '李, 娜', city: '深圳', credit: '0.00', _source_line: 5 },
    ]);
    const [quarantined] = await warehouse.readAll<{ line: number; reason: string; record: string }>('select line, reason, record::varchar as record from meta.quarantine');
    expect(quarantined?.line).toBe(4);
    expect(quarantined?.reason).toBe('column credit: cannot parse 一千 as DECIMAL(12,2) exactly');
    expect(JSON.parse(quarantined!.record)).toMatchObject({ 客户编号: 'C003', 客户名称: '王芳', 城市: '广州' });
    // The load record keeps the original file's size and the line-feed flag of its text.
    const [record] = await warehouse.readAll<{ size_bytes: number; ends_with_newline: boolean }>('select size_bytes, ends_with_newline from meta.loaded_files');
    expect(Number(record?.size_bytes)).toBe(readFileSync(join(landing, 'shop', 'customers_1.csv')).length);
    expect(record?.ends_with_newline).toBe(true);
    warehouse.closeSync();
  });

  it('loads Windows-1252 when declared', async () => {
    const { warehouse, landing, write } = await setup();
    const western: TableSpec = { name: 'customers', files: 'customers*.csv', format: 'csv', columns: { id: 'VARCHAR', name: 'VARCHAR' }, primaryKey: ['id'], encoding: 'windows-1252' };
    write('customers_1.csv', iconv.encode('id,name\n1,Café Müller\n2,“Señor” Bjørn – €5\n', 'windows-1252'));
    const source = defineSource({ name: 'shop', description: '', tables: [western] });
    await loadTable(context(warehouse, landing), source, western);
    expect(await warehouse.readAll('select id, name from raw.shop__customers order by id')).toEqual([
      { id: '1', name: 'Café Müller' },
      { id: '2', name: '“Señor” Bjørn – €5' },
    ]);
    warehouse.closeSync();
  });

  it.each([
    ['GB18030 (Chinese headers)', iconv.encode(CHINESE, 'gb18030'), /line 1, column 1 has the bytes .*GB18030\/GBK.*encoding: 'gb18030'/s],
    ['UTF-16LE with a BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(CHINESE, 'utf-16le')]), /line 1, column 1 has the bytes ff fe.*UTF-16LE.*encoding: 'utf-16le'/s],
  ])('refuses an undeclared %s file naming the encoding and the setting, not as schema drift', async (_label, bytes, message) => {
    const { warehouse, landing, write } = await setup();
    write('customers_1.csv', bytes);
    const source = defineSource({ name: 'shop', description: '', tables: [customers] });
    const error = await loadTable(context(warehouse, landing), source, customers).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('EncodingError');
    expect((error as Error).message).toMatch(/^shop\/customers_1\.csv is not UTF-8: /);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain('shop.customers');
    expect(await warehouse.readScalar('select count(*) from meta.quarantine')).toBe(0);
    warehouse.closeSync();
  });

  it('refuses a file that turns Windows-1252 deep inside (past any sample), naming its line and column', async () => {
    const { warehouse, landing, write } = await setup();
    const western: TableSpec = { name: 'customers', files: 'customers*.csv', format: 'csv', columns: { id: 'VARCHAR', name: 'VARCHAR' }, primaryKey: ['id'] };
    const ascii = Array.from({ length: 60_000 }, (_, i) => `${i},Customer number ${i}`).join('\n');
    write('customers_1.csv', Buffer.concat([Buffer.from(`id,name\n${ascii}\n`), iconv.encode('60000,Zoë Café\n', 'windows-1252')]));
    const source = defineSource({ name: 'shop', description: '', tables: [western] });
    const error = (await loadTable(context(warehouse, landing), source, western).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/line 60002, column 9 has the bytes eb 20 43 61\. It looks like Windows-1252.*encoding: 'windows-1252'/);
    expect(await warehouse.readScalar('select count(*) from meta.quarantine')).toBe(0);
    warehouse.closeSync();
  });

  it('refuses an encoding name it does not know when the source is declared', () => {
    expect(() => defineSource({ name: 'shop', description: '', tables: [{ ...customers, encoding: 'gbk-ish' }] })).toThrow(
      "Unknown encoding 'gbk-ish': source shop, table customers",
    );
  });
});

describe('NDJSON lines that are not objects', () => {
  const events: TableSpec = { name: 'events', files: 'events*.ndjson', format: 'ndjson', columns: { id: 'INTEGER', kind: 'VARCHAR', note: 'VARCHAR' }, primaryKey: ['id'] };

  it('quarantines each bad line on its own, with its line number, and loads the rest of the file', async () => {
    const { warehouse, landing, write } = await setup();
    write(
      'events_1.ndjson',
      [
        '{"id": 1, "kind": "visit", "note": "首次到店"}',
        '{"id": 2, "kind": "call"', // cut: not valid JSON
        '',
        '[3, "call"]', // an array, not an object
        '{"id": 4, "kind": "ticket", "note": {"nested": true}}',
        'null',
        '{"id": 5, "kind": "survey", "extra": 1}',
      ].join('\n') + '\n',
    );
    const source = defineSource({ name: 'shop', description: '', tables: [{ ...events, schemaEvolution: { added: 'ignore' } }] });

    const result = await loadTable(context(warehouse, landing), source, source.tables[0]!);

    expect(result).toMatchObject({ rowsRead: 6, rowsLoaded: 3, rowsQuarantined: 3 });
    expect(await warehouse.readAll('select id, kind, note, _source_line from raw.shop__events order by id')).toEqual([
      { id: 1, kind: 'visit', note: '首次到店', _source_line: 1 },
      { id: 4, kind: 'ticket', note: '{"nested":true}', _source_line: 5 },
      { id: 5, kind: 'survey', note: null, _source_line: 7 },
    ]);
    const quarantined = await warehouse.readAll<{ line: number; reason: string; text: string }>(
      "select line, reason, record->>'line_text' as text from meta.quarantine order by line",
    );
    expect(quarantined).toEqual([
      { line: 2, reason: 'not valid JSON', text: '{"id": 2, "kind": "call"' },
      { line: 4, reason: 'not a JSON object (array)', text: '[3, "call"]' },
      { line: 6, reason: 'not a JSON object (null)', text: 'null' },
    ]);
    warehouse.closeSync();
  });

  it('streams a file too big to read whole under the memory cap, with the same lines, rows and quarantine', async () => {
    // 150,000 lines (about 10 MB, Chinese text across the 4 MB chunks), with bad and blank lines
    // and CRLF endings: over a quarter of a 32 MB cap, so it is streamed; under 3 GB, read whole.
    const lines = Array.from({ length: 150_000 }, (_, i) =>
      i % 9_973 === 5 ? '{"id": ' + i + ', "kind": "cut' : i % 7_919 === 3 ? (i % 2 ? '' : ' \t ') : JSON.stringify({ id: i, kind: i % 2 ? '拜访' : 'call', note: `客户 ${i} 满意度调查` }) + (i % 5 === 0 ? '\r' : ''),
    );
    const loaded = async (memoryLimit: string) => {
      const dir = tempDir();
      mkdirSync(join(dir, 'landing', 'shop'), { recursive: true });
      writeFileSync(join(dir, 'landing', 'shop', 'events_1.ndjson'), lines.join('\n'));
      const warehouse = await openWarehouse(join(dir, 'w.duckdb'), { memoryLimit });
      await ensureMetaSchema(warehouse);
      const source = defineSource({ name: 'shop', description: '', tables: [events] });
      const result = await loadTable(context(warehouse, join(dir, 'landing')), source, source.tables[0]!);
      const rows = await warehouse.readAll<{ id: number; _source_line: number }>('select id, kind, note, _source_line from raw.shop__events order by id');
      const quarantine = await warehouse.readAll('select line, reason from meta.quarantine order by line');
      const streamed = await warehouse.readScalar<number>(`select count(*) from duckdb_tables() where table_name = '_file_lines'`);
      warehouse.closeSync();
      return { result, rows, quarantine, streamed: Number(streamed) };
    };
    const whole = await loaded('3GB');
    const streamed = await loaded('32MB');
    expect([whole.streamed, streamed.streamed]).toEqual([0, 1]);
    const cut = lines.filter((l) => l.endsWith('"cut')).length;
    expect(cut).toBeGreaterThan(10);
    expect(streamed.result).toMatchObject({ rowsRead: lines.filter((l) => l.trim() !== '').length, rowsQuarantined: cut });
    expect(streamed.rows).toEqual(whole.rows);
    expect(streamed.quarantine).toEqual(whole.quarantine);
    expect(streamed.rows.find((r) => r.id === 100_000)?._source_line).toBe(100_001);
  });

  it('reads a GB18030 NDJSON file when declared', async () => {
    const { warehouse, landing, write } = await setup();
    write('events_1.ndjson', iconv.encode('{"id": 1, "kind": "拜访", "note": "客户满意"}\n', 'gb18030'));
    const source = defineSource({ name: 'shop', description: '', tables: [{ ...events, encoding: 'gb18030' }] });
    await loadTable(context(warehouse, landing), source, source.tables[0]!);
    expect(await warehouse.readAll('select kind, note from raw.shop__events')).toEqual([{ kind: '拜访', note: '客户满意' }]);
    warehouse.closeSync();
  });
});
