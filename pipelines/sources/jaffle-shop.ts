import { defineSource } from '../load/source.js';

/**
 * dbt's classic jaffle_shop seeds, as an example of a small source. Drop the three `raw_*.csv`
 * files into `<landing>/jaffle_shop/` to load them. Customers map straight onto the contract;
 * an order's revenue is the sum of its payments (in cents), so orders are provided by
 * models/staging/jaffle_shop/stg_jaffle_shop__orders.sql.
 */
export default defineSource({
  name: 'jaffle_shop',
  description: "dbt's jaffle_shop demo store (example source)",
  tables: [
    {
      name: 'customers',
      files: 'raw_customers.csv',
      format: 'csv',
      columns: { id: 'INTEGER', first_name: 'VARCHAR', last_name: 'VARCHAR' },
      primaryKey: ['id'],
      provides: {
        entity: 'customers',
        map: { customer_id: 'id', customer_name: "concat_ws(' ', first_name, last_name)" },
      },
    },
    {
      name: 'orders',
      files: 'raw_orders.csv',
      format: 'csv',
      columns: { id: 'INTEGER', user_id: { type: 'INTEGER', required: true }, order_date: { type: 'DATE', required: true }, status: 'VARCHAR' },
      primaryKey: ['id'],
      checks: { known_status: "status in ('placed', 'shipped', 'completed', 'return_pending', 'returned')" },
    },
    {
      name: 'payments',
      files: 'raw_payments.csv',
      format: 'csv',
      columns: { id: 'INTEGER', order_id: { type: 'INTEGER', required: true }, payment_method: 'VARCHAR', amount: { type: 'INTEGER', required: true } },
      primaryKey: ['id'],
      checks: { amount_not_negative: 'amount >= 0' },
    },
  ],
});
