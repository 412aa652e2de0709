import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clm } from '../helpers/cli.js';
import { isoDate, transactionLog } from '../helpers/transactions.js';
import { projectWithSources, query, run, tempDir } from '../helpers/warehouse.js';

describe('a pipeline whose data carries no evidence of dropout', () => {
  it('succeeds with the predictions empty, the reason recorded, churn risk by rules, and a warning in clm status', async () => {
    const dir = tempDir();
    const landing = join(dir, 'landing');
    mkdirSync(join(landing, 'loyal'), { recursive: true });
    transactionLog(join(landing, 'loyal', 'log.csv'), { customers: 1500, r: 0.8, alpha: 8, a: 0.00001, b: 5, write: isoDate });
    const source = join(dir, 'loyal.ts');
    writeFileSync(source, `import { defineSource } from '../load/source.js';
export default defineSource({
  name: 'loyal', description: 'a shop whose customers never leave',
  tables: [{ name: 'purchases', files: '*.csv', format: 'csv',
    columns: { customer_id: 'VARCHAR', trans_date: 'DATE', tran_amount: 'DECIMAL(12,2)' },
    provides: { entity: 'orders', map: { customer_id: 'customer_id', ordered_at: 'trans_date', net_revenue: 'tran_amount' } } }],
});
`);
    const project = projectWithSources([source], { landing });
    const result = await run(project);
    expect(result.status, result.log.join('\n')).toBe('success');
    expect(result.assets.find((a) => a.key === 'analytics.customer_clv')?.warnings).toEqual(['fits_usable: 1 failing rows']);
    const [recorded] = await query(project, 'select reason from analytics.clv_status');
    expect(String(recorded!['reason'])).toContain('BG/NBD a/(a+b): no evidence of dropout in this data');
    expect(await query(project, `
      select count(*) as buyers, count(predicted_clv) as predicted, count(*) filter (where clv = historical_clv) as realised_only
      from marts.customer_clv`)).toEqual([{ buyers: 1500, predicted: 0, realised_only: 1500 }]);
    const [churn] = await query(project, `select count(*) as customers, count(*) filter (where list_contains(reason_codes, 'low_p_alive')) as from_model from marts.customer_churn_risk`);
    expect(churn).toMatchObject({ from_model: 0 });
    expect(Number(churn!['customers'])).toBeGreaterThan(0);
    const status = await clm(['status', '--warehouse', project.warehouse, '--sources', project.sources]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stderr).toContain('warning: analytics.customer_clv: fits_usable (1)');
  });
});
