import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDefinitions } from '../../pipelines/definitions.js';
import { selectAssets } from '../../pipelines/orchestration/graph.js';
import { loadProject } from '../../pipelines/config.js';
import { tempDir } from '../helpers/warehouse.js';

function modelsDir(files: Record<string, string>): string {
  const dir = join(tempDir(), 'models');
  for (const [path, sql] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), sql);
  }
  return dir;
}

describe('the model graph', () => {
  it('names the file that reads an unknown table', async () => {
    const models = modelsDir({ 'marts/a.sql': 'select * from marts.nowhere' });
    await expect(loadDefinitions({ ...loadProject(), models })).rejects.toThrow(
      'Unknown table marts.nowhere in models/marts/a.sql (marts.a): no model, raw table or analytics table has that name',
    );
  });

  it('names the models of a cycle', async () => {
    const models = modelsDir({
      'intermediate/int_a.sql': 'select * from marts.b',
      'marts/b.sql': 'with x as (select * from intermediate.int_a) select * from x',
      // The CLV asset reads marts.orders and marts.customers.
      'marts/orders.sql': 'select 1 as order_id',
      'marts/customers.sql': 'select 1 as customer_id',
    });
    await expect(loadDefinitions({ ...loadProject(), models })).rejects.toThrow(
      /^Cycle in the asset graph among: intermediate\.int_a \(.*models\/intermediate\/int_a\.sql\), marts\.b \(.*models\/marts\/b\.sql\)$/,
    );
  });

  it('reports a syntax error with the file', async () => {
    const models = modelsDir({ 'marts/bad.sql': 'selec * from raw.crm__contacts' });
    await expect(loadDefinitions({ ...loadProject(), models })).rejects.toThrow(/^Model failed: marts\.bad \(models\/marts\/bad\.sql\): Parser Error: syntax error at or near "selec"/);
  });

  it('selects Dagster-style: key, key+, +key, group:, tag:', async () => {
    const { assets } = await loadDefinitions(loadProject());
    expect([...selectAssets(assets, 'marts.cohort_retention')]).toEqual(['marts.cohort_retention']);
    expect([...selectAssets(assets, 'customer_months+')].sort()).toEqual(['marts.cohort_retention', 'marts.customer_months', 'marts.kpi_monthly', 'marts.monthly_retention', 'marts.monthly_retention_by_channel', 'reports.site']);
    const upstream = selectAssets(assets, '+marts.orders');
    expect(upstream).toContain('raw.erp__order_lines');
    expect(upstream).toContain('raw.crm__contacts');
    expect(upstream).not.toContain('marts.customers');
    expect([...selectAssets(assets, 'group:crm')].sort()).toEqual(['raw.crm__contacts', 'raw.crm__interactions', 'raw.crm__referrals', 'raw.crm__surveys']);
    expect([...selectAssets(assets, 'tag:ndjson')]).toEqual(['raw.crm__interactions']);
    expect(() => selectAssets(assets, 'marts.nothing')).toThrow("Selection 'marts.nothing' matches no asset");
  });
});
