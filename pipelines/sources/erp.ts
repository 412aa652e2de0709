import { defineSource } from '../load/source.js';

const TIMESTAMP_FORMATS = ['%Y-%m-%d %H:%M:%S', '%Y/%m/%d %H:%M:%S', '%Y-%m-%d'];

/**
 * The ERP: its own customer master (Chinese column labels), products, orders, payments, returns.
 * Customers, products and returns map straight onto the contract; orders and order lines need
 * joins (lines, products' costs, returns), so they are provided by staging models in
 * models/staging/erp/ whose YAML says `provides: orders` and `provides: order_lines`.
 */
export default defineSource({
  name: 'erp',
  description: 'ERP extracts: customer master, products, orders and lines, payments, returns (CNY)',
  tables: [
    {
      name: 'customers',
      description: 'The ERP customer master, with its own ids; headers in Chinese',
      files: 'customers*.csv',
      format: 'csv',
      columns: {
        erp_customer_id: { type: 'VARCHAR', from: '客户编号' },
        customer_name: { type: 'VARCHAR', from: '客户名称' },
        email: { type: 'VARCHAR', from: '电子邮箱' },
        phone: { type: 'VARCHAR', from: '手机号码' },
        city: { type: 'VARCHAR', from: '城市' },
        registered_at: { type: 'TIMESTAMP', from: '注册时间', formats: TIMESTAMP_FORMATS },
        updated_at: { type: 'TIMESTAMP', from: '更新时间', formats: TIMESTAMP_FORMATS },
      },
      primaryKey: ['erp_customer_id'],
      cursor: 'updated_at',
      provides: {
        entity: 'customers',
        map: { customer_id: 'erp_customer_id', customer_name: 'customer_name', email: 'email', mobile: 'phone', city: 'city', created_at: 'registered_at' },
      },
    },
    {
      name: 'products',
      files: 'products*.parquet',
      format: 'parquet',
      columns: {
        product_id: 'VARCHAR',
        product_name: 'VARCHAR',
        category: 'VARCHAR',
        list_price_cny: 'DECIMAL(12,2)',
        unit_cost_cny: 'DECIMAL(12,2)',
      },
      primaryKey: ['product_id'],
      checks: { cost_within_price: 'unit_cost_cny <= list_price_cny' },
      provides: {
        entity: 'products',
        map: { product_id: 'product_id', product_name: 'product_name', category: 'category', list_price: 'list_price_cny', unit_cost: 'unit_cost_cny' },
      },
    },
    {
      name: 'orders',
      files: 'orders_*.csv',
      format: 'csv',
      columns: {
        order_id: 'VARCHAR',
        erp_customer_id: { type: 'VARCHAR', required: true },
        ordered_at: { type: 'TIMESTAMP', required: true, formats: TIMESTAMP_FORMATS },
        channel: 'VARCHAR',
        status: { type: 'VARCHAR', required: true },
        updated_at: { type: 'TIMESTAMP', formats: TIMESTAMP_FORMATS },
      },
      primaryKey: ['order_id'],
      cursor: 'updated_at',
    },
    {
      name: 'order_lines',
      files: 'order_lines_*.csv',
      format: 'csv',
      columns: {
        order_line_id: 'VARCHAR',
        order_id: { type: 'VARCHAR', required: true },
        product_id: { type: 'VARCHAR', required: true },
        quantity: { type: 'INTEGER', required: true },
        unit_price_cny: { type: 'DECIMAL(12,2)', required: true },
        discount_cny: 'DECIMAL(12,2)',
      },
      primaryKey: ['order_line_id'],
      checks: { quantity_positive: 'quantity > 0', price_not_negative: 'unit_price_cny >= 0' },
    },
    {
      name: 'payments',
      files: 'payments_*.csv',
      format: 'csv',
      columns: {
        payment_id: 'VARCHAR',
        order_id: { type: 'VARCHAR', required: true },
        paid_at: { type: 'TIMESTAMP', formats: TIMESTAMP_FORMATS },
        method: 'VARCHAR',
        amount_cny: { type: 'DECIMAL(12,2)', required: true },
      },
      primaryKey: ['payment_id'],
    },
    {
      name: 'returns',
      files: 'returns*.csv',
      format: 'csv',
      columns: {
        return_id: 'VARCHAR',
        order_line_id: { type: 'VARCHAR', required: true },
        returned_at: { type: 'TIMESTAMP', formats: TIMESTAMP_FORMATS },
        quantity: { type: 'INTEGER', required: true },
        refund_cny: { type: 'DECIMAL(12,2)', required: true },
        reason: 'VARCHAR',
      },
      primaryKey: ['return_id'],
      checks: { quantity_positive: 'quantity > 0', refund_not_negative: 'refund_cny >= 0' },
      provides: {
        entity: 'returns',
        map: { return_id: 'return_id', order_line_id: 'order_line_id', returned_at: 'returned_at', quantity: 'quantity', refund: 'refund_cny', reason: 'reason' },
      },
    },
  ],
});
