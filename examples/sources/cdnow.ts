import { defineSource } from '../load/source.js';

/**
 * CDNOW's event log (Fader, Hardie & Lee's CLV benchmark): one row per purchase, dates written as
 * YYYYMMDD numbers, no order id. Copy into pipelines/sources/ with cdnowElog.csv in `<landing>/cdnow/`.
 */
export default defineSource({
  name: 'cdnow',
  description: 'CDNOW purchase log (1997–1998)',
  tables: [
    {
      name: 'purchases',
      files: 'cdnowElog.csv',
      format: 'csv',
      columns: {
        masterid: { type: 'VARCHAR', required: true },
        sampleid: 'VARCHAR',
        date: { type: 'DATE', required: true, formats: ['%Y%m%d'] },
        cds: 'INTEGER',
        sales: { type: 'DECIMAL(12,2)', required: true },
      },
      provides: {
        entity: 'orders',
        map: { customer_id: 'masterid', ordered_at: 'date', item_count: 'cds', net_revenue: 'sales' },
      },
    },
  ],
});
