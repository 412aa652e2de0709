import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { loadDefinitions } from '../../pipelines/definitions.js';
import { withWarehouse } from '../../pipelines/warehouse/connection.js';
import { clm } from '../helpers/cli.js';
import { projectWithSources, query, run, tempDir } from '../helpers/warehouse.js';

/** A seeded generator of plausible extracts, so every number below is computed, not typed in. */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 48271) % 2147483647) / 2147483647;
}

/** `customer_id,trans_date,tran_amount` with US dates (2/11/2013), some days past the 12th. */
function transactionLog(dir: string): string {
  const next = random(11);
  const lines = ['customer_id,trans_date,tran_amount'];
  for (let i = 0; i < 4000; i += 1) {
    const customer = `CS${1000 + Math.floor(next() * 300)}`;
    lines.push(`${customer},${1 + Math.floor(next() * 12)}/${1 + Math.floor(next() * 28)}/${2011 + Math.floor(next() * 3)},${(100 + Math.floor(next() * 9000)) / 100}`);
  }
  const file = join(dir, 'transactions.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** A Superstore-style order-lines export: BOM, CRLF, quoted names with commas, M/D/YYYY, Profit. */
function superstore(dir: string): string {
  const next = random(5);
  const lines = ['Row ID,Order ID,Order Date,Customer ID,Customer Name,City,State,Country,Product ID,Sales,Quantity,Discount,Profit'];
  let row = 1;
  for (let order = 0; order < 900; order += 1) {
    const customer = Math.floor(next() * 150);
    const date = `${1 + Math.floor(next() * 12)}/${1 + Math.floor(next() * 28)}/${2019 + Math.floor(next() * 4)}`;
    for (let line = 0; line < 1 + Math.floor(next() * 3); line += 1) {
      const sales = (500 + Math.floor(next() * 90000)) / 100;
      const profit = (Math.floor(next() * 4000) - 1000) / 100;
      lines.push(`${row++},CA-2020-${100000 + order},${date},CG-${10000 + customer},"Grant, ${customer}",Henderson,Kentucky,United States,FUR-${line},${sales},${1 + line},0.2,${profit}`);
    }
  }
  const file = join(dir, 'Superstore.csv');
  writeFileSync(file, `\uFEFF${lines.join('\r\n')}\r\n`);
  return file;
}

async function fromRaw<T>(sql: string): Promise<T> {
  return (await withWarehouse(':memory:', (w) => w.readAll(sql)))[0] as T;
}

describe('clm init source, from one extract to the marts with no other step', () => {
  it('reads a bare transaction log with US dates: each row an order, totals equal to the cent', async () => {
    const extracts = tempDir();
    const file = transactionLog(extracts);
    const project = projectWithSources([]);
    const init = await clm(['init', 'source', 'retail', '--from', file, '--sources', project.sources]);
    expect(init.code, init.stderr).toBe(0);
    const written = readFileSync(join(project.sources, 'retail.ts'), 'utf8');
    expect(written).toContain("formats: ['%m/%d/%Y']");
    expect(written).toContain("net_revenue: 'tran_amount'");

    const result = await run(project);
    expect(result.status, result.log.join('\n')).toBe('success');
    const expected = await fromRaw(`
      select count(*) as orders, count(distinct customer_id) as customers, sum(tran_amount::decimal(18, 2))::double as revenue,
             min(strptime(trans_date, '%m/%d/%Y'))::date::varchar as first_order
      from read_csv('${file}', all_varchar = true)`);
    expect((await query(project, `
      select count(*) as orders, count(distinct customer_id) as customers, sum(net_revenue)::double as revenue, min(ordered_at)::date::varchar as first_order
      from marts.orders`))[0]).toEqual(expected);
    expect(await query(project, `select count(*) as buyers from marts.customers where is_buyer and acquisition_channel = 'unknown'`)).toEqual([{ buyers: (expected as { customers: number }).customers }]);
  });

  it('reads a Superstore-style order-lines export (BOM, CRLF, M/D/YYYY, Profit): lines summed into orders, cost = sales − profit', async () => {
    const extracts = tempDir();
    const file = superstore(extracts);
    const project = projectWithSources([]);
    const init = await clm(['init', 'source', 'superstore', '--from', file, '--sources', project.sources]);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('provides orders and customers');

    const result = await run(project);
    expect(result.status, result.log.join('\n')).toBe('success');
    const expected = await fromRaw(`
      select count(distinct "Order ID") as orders, count(distinct "Customer ID") as customers,
             sum("Sales"::decimal(18, 2))::double as revenue, sum("Sales"::decimal(18, 2) - "Profit"::decimal(18, 2))::double as cost
      from read_csv('${file}', all_varchar = true)`);
    expect((await query(project, 'select count(*) as orders, count(distinct customer_id) as customers, sum(net_revenue)::double as revenue, sum(cost)::double as cost from marts.orders'))[0]).toEqual(expected);
    expect(await query(project, `select customer_name, city, region, country from marts.customers where customer_id = 'superstore:CG-10007'`)).toEqual([
      { customer_name: 'Grant, 7', city: 'Henderson', region: 'Kentucky', country: 'United States' },
    ]);
  });

  it('writes a date that reads both as D/M and M/D as an open choice, which clm run refuses with what to set', async () => {
    const extracts = tempDir();
    const file = join(extracts, 'orders.csv');
    writeFileSync(file, 'Customer ID,Order Date,Amount\nA1,01/02/2024,10\nA2,03/04/2024,20\nA1,05/06/2024,30\n');
    const project = projectWithSources([]);
    const init = await clm(['init', 'source', 'shop', '--from', file, '--sources', project.sources]);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain("open choices (clm run refuses the source until each is set in the file)");
    await expect(loadDefinitions(project)).rejects.toThrow(
      "Sources with open choices cannot run; set these first:\n  pipelines/sources/shop.ts: table orders, column order_date: every value of 'Order Date' (e.g. 01/02/2024, 03/04/2024, 05/06/2024) reads both as day/month and as month/day: set formats to ['%d/%m/%Y'] or ['%m/%d/%Y']",
    );
    const refused = await clm(['run', '--sources', project.sources, '--warehouse', project.warehouse, '--landing', project.landing]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("set formats to ['%d/%m/%Y'] or ['%m/%d/%Y']");
  });

  it('declares the encoding of a GBK export (用友/金蝶 style), and the run loads its Chinese names intact', async () => {
    const extracts = tempDir();
    mkdirSync(extracts, { recursive: true });
    const next = random(3);
    const names = ['张伟', '王芳', '李娜', '欧阳娜娜', '刘洋'];
    const lines = ['订单编号,客户编号,客户名称,城市,下单日期,实付金额'];
    for (let order = 1; order <= 300; order += 1) {
      const customer = Math.floor(next() * names.length);
      lines.push(`SO${order},K${customer},${names[customer]},${['北京', '上海', '广州'][customer % 3]},2024-${String(1 + Math.floor(next() * 12)).padStart(2, '0')}-1${Math.floor(next() * 9)},${(1000 + Math.floor(next() * 90000)) / 100}`);
    }
    const file = join(extracts, '销售订单.csv');
    writeFileSync(file, iconv.encode(`${lines.join('\r\n')}\r\n`, 'gbk'));
    const project = projectWithSources([]);

    const init = await clm(['init', 'source', 'erp_gbk', '--from', file, '--sources', project.sources]);
    expect(init.code, init.stderr).toBe(0);
    const written = readFileSync(join(project.sources, 'erp-gbk.ts'), 'utf8');
    expect(written).toContain("encoding: 'gb18030', // not UTF-8: the bytes look like GB18030/GBK");
    expect(written).toContain("from: '客户名称'");

    const result = await run(project);
    expect(result.status, result.log.join('\n')).toBe('success');
    const expected = lines.slice(1).map((line) => line.split(','));
    const revenue = expected.reduce((sum, fields) => sum + Math.round(Number(fields[5]) * 100), 0) / 100;
    expect(await query(project, 'select count(*) as orders, sum(net_revenue)::double as revenue from marts.orders')).toEqual([{ orders: 300, revenue }]);
    const people = [...new Map(expected.map((f) => [`erp_gbk:${f[1]}`, { customer_id: `erp_gbk:${f[1]}`, customer_name: f[2], city: f[3] }])).values()];
    expect(await query(project, 'select customer_id, customer_name, city from marts.customers order by customer_id')).toEqual(people.sort((a, b) => a.customer_id.localeCompare(b.customer_id)));
  });
});
