import { defineSource } from '../load/source.js';

/**
 * UCI Online Retail as daily extracts (one CSV per trading day): invoice lines, cancellations as
 * separate `C` invoices, a quarter of the lines with no customer, customer ids written as floats,
 * GBP, no cost. Copy this file into pipelines/sources/ and put the files in
 * `<landing>/online_retail/by-day/` (or point `directory` at them); set the currency to GBP.
 */
export default defineSource({
  name: 'online_retail',
  description: 'UCI Online Retail daily invoice-line extracts (GBP, no cost)',
  directory: 'online_retail/by-day',
  tables: [
    {
      name: 'invoice_lines',
      files: '*.csv',
      format: 'csv',
      columns: {
        InvoiceNo: { type: 'VARCHAR', required: true },
        StockCode: 'VARCHAR',
        Description: 'VARCHAR',
        Quantity: { type: 'INTEGER', required: true },
        InvoiceDate: { type: 'TIMESTAMP', required: true },
        UnitPrice: { type: 'DECIMAL(12,3)', required: true },
        CustomerID: 'VARCHAR',
        Country: 'VARCHAR',
      },
      // No key: the extracts hold repeated identical lines, and each is a line of its invoice.
      provides: [
        {
          entity: 'orders',
          map: {
            order_id: 'InvoiceNo', // the lines of an invoice add up to one order
            customer_id: "regexp_replace(CustomerID, '\\.0$', '')", // 17850.0 → 17850
            ordered_at: 'InvoiceDate',
            is_cancelled: "starts_with(InvoiceNo, 'C')", // cancellations are separate C invoices
            item_count: 'Quantity',
            net_revenue: 'Quantity * UnitPrice',
          },
          where: 'CustomerID is not null', // guest purchases stay in raw
        },
        {
          entity: 'customers',
          map: { customer_id: "regexp_replace(CustomerID, '\\.0$', '')", country: 'Country' },
          where: 'CustomerID is not null',
        },
      ],
    },
  ],
});
