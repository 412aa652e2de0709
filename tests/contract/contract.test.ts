import { describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineSource, type Provides } from '../../pipelines/load/source.js';
import { loadDefinitions } from '../../pipelines/definitions.js';
import { projectWithSources, query, run, tempDir } from '../helpers/warehouse.js';

/** A source file whose one table maps `map` onto orders. */
function ordersSource(map: Record<string, string>): () => unknown {
  return () =>
    defineSource({
      name: 'shop',
      description: 'test',
      tables: [{ name: 'orders', files: '*.csv', format: 'csv', columns: { id: 'VARCHAR', buyer: 'VARCHAR', at: 'TIMESTAMP', total: 'DOUBLE' }, provides: { entity: 'orders', map } as Provides }],
    });
}

/** Writes a source file for `name` with customers (e-mail) and orders (with their cost when the extract has a cost column), and its extracts. */
function shopWithOrders(dir: string, landing: string, name: string, customers: string, orders: string): string {
  const file = join(dir, `${name}.ts`);
  const cost = orders.split('\n')[0]!.split(',').includes('cost');
  writeFileSync(file, `import { defineSource } from '../load/source.js';
export default defineSource({
  name: '${name}',
  description: 'a shop',
  tables: [
    {
      name: 'customers', files: 'customers.csv', format: 'csv',
      columns: { id: 'VARCHAR', email: 'VARCHAR' }, primaryKey: ['id'],
      provides: { entity: 'customers', map: { customer_id: 'id', email: 'email' } },
    },
    {
      name: 'orders', files: 'orders.csv', format: 'csv',
      columns: { id: 'VARCHAR', customer: 'VARCHAR', at: 'TIMESTAMP', total: 'DECIMAL(12,2)'${cost ? ", cost: 'DECIMAL(12,2)'" : ''} }, primaryKey: ['id'],
      provides: { entity: 'orders', map: { order_id: 'id', customer_id: 'customer', ordered_at: 'at', net_revenue: 'total'${cost ? ", cost: 'cost'" : ''} } },
    },
  ],
});
`);
  mkdirSync(join(landing, name), { recursive: true });
  writeFileSync(join(landing, name, 'customers.csv'), customers);
  writeFileSync(join(landing, name, 'orders.csv'), orders);
  return file;
}

describe('the customer-data contract', () => {
  it('refuses a mapping onto a column the contract does not have, naming the source, table, entity and column', () => {
    expect(ordersSource({ customer_id: 'buyer', ordered_at: 'at', net_revenue: 'total', amount: 'total' })).toThrow(
      "Contract broken: source shop, table orders, entity orders: 'amount' is not a column of the contract",
    );
  });

  it('refuses a mapping that leaves a required column out', () => {
    expect(ordersSource({ customer_id: 'buyer', ordered_at: 'at' })).toThrow("Contract broken: source shop, table orders, entity orders: required column 'net_revenue' is not mapped");
  });

  it('fails a staging model that provides an entity with a column of the wrong type, naming model, source, entity and column', async () => {
    const dir = tempDir();
    const landing = join(dir, 'landing');
    const source = shopWithOrders(dir, landing, 'shop', 'id,email\nS1,a@x.cn\n', 'id,customer,at,total\nO1,S1,2024-01-05 10:00:00,10\n');
    const project = projectWithSources([source], { landing });
    const models = join(dir, 'models');
    cpSync(project.models, models, { recursive: true });
    mkdirSync(join(models, 'staging', 'shop'));
    writeFileSync(join(models, 'staging', 'shop', 'stg_shop__refunds.sql'), "select 'R1' as order_id, 'S1' as customer_id, 'soon' as ordered_at, 5 as net_revenue");
    writeFileSync(join(models, 'staging', 'shop', 'stg_shop__refunds.yml'), 'provides: orders\n');
    const result = await run({ ...project, models });
    expect(result.assets.find((a) => a.key === 'intermediate.int_orders_unioned')?.error).toBe(
      'Contract broken: staging.stg_shop__refunds (models/staging/shop/stg_shop__refunds.sql, source shop) provides orders: column ordered_at is VARCHAR; the contract needs a DATE or TIMESTAMP (declare the raw column with its formats)',
    );
  });

  it('stitches two sources with orders for the same people into one person, with no model edited', async () => {
    const dir = tempDir();
    const landing = join(dir, 'landing');
    const a = shopWithOrders(dir, landing, 'shop_a', 'id,email\nA1,li.lei@163.com\nA2,only.a@x.cn\n', 'id,customer,at,total,cost\nX1,A1,2024-01-05 10:00:00,100,60\nX2,A2,2024-02-01 10:00:00,7,3\n');
    const b = shopWithOrders(dir, landing, 'shop_b', 'id,email\nB9, Li.Lei@163.com \n', 'id,customer,at,total\nX1,B9,2024-03-09 12:00:00,50.5\n');
    const project = projectWithSources([a, b], { landing });
    const { assets } = await loadDefinitions(project);
    expect(assets.find((x) => x.key === 'intermediate.int_orders_unioned')?.upstream).toEqual(['staging.stg_shop_a__orders', 'staging.stg_shop_b__orders']);
    const result = await run(project);
    expect(result.status, result.log.join('\n')).toBe('success');
    expect(await query(project, 'select customer_id, source_ids, match_evidence, order_count, revenue::double as revenue from marts.customers order by customer_id')).toEqual([
      { customer_id: 'shop_a:A1', source_ids: ['shop_a:A1', 'shop_b:B9'], match_evidence: ['shop_a:A1 = shop_b:B9 (email)'], order_count: 2, revenue: 150.5 },
      { customer_id: 'shop_a:A2', source_ids: ['shop_a:A2'], match_evidence: [], order_count: 1, revenue: 7 },
    ]);
    // The same order id in two sources is two orders.
    expect(await query(project, 'select order_id from marts.orders order by order_id')).toEqual([{ order_id: 'shop_a:X1' }, { order_id: 'shop_a:X2' }, { order_id: 'shop_b:X1' }]);
    // Only one shop knows its costs: a person with orders from both has no margin (a sum over
    // some orders is none), in their profile, their snapshots and their months alike.
    expect(await query(project, 'select customer_id, margin::double as margin from marts.customers order by customer_id')).toEqual([
      { customer_id: 'shop_a:A1', margin: null },
      { customer_id: 'shop_a:A2', margin: 4 },
    ]);
    expect(await query(project, `select snapshot_month::varchar as month, margin::double as margin from marts.customer_snapshots where customer_id = 'shop_a:A1' and snapshot_month in ('2024-02-01', '2024-03-01') order by 1`)).toEqual([
      { month: '2024-02-01', margin: 40 },
      { month: '2024-03-01', margin: null },
    ]);
    expect(await query(project, `select activity_month::varchar as month, margin::double as margin from marts.customer_months where customer_id = 'shop_a:A1' and activity_month <= '2024-03-01' order by 1`)).toEqual([
      { month: '2024-01-01', margin: 40 },
      { month: '2024-02-01', margin: 0 },
      { month: '2024-03-01', margin: null },
    ]);
  });
});
