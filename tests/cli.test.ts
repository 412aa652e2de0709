import { describe, expect, it } from 'vitest';
import { clm } from './helpers/cli.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshProject, projectWithSources, run } from './helpers/warehouse.js';

describe('the clm command', () => {
  it('answers clm query with a table, or JSON', async () => {
    const paths = freshProject('mini');
    await run(paths);
    const text = await clm(['query', 'select customer_id, customer_name from marts.customers order by 1 limit 2', '--warehouse', paths.warehouse]);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(['customer_id  customer_name', '-----------  -------------', 'crm:C1       王芳', 'crm:C2       Bob Smith', '(2 rows)', ''].join('\n'));
    const json = await clm(['query', '--json', 'select count(*) as n from marts.orders', '--warehouse', paths.warehouse]);
    expect(JSON.parse(json.stdout)).toEqual([{ n: 6 }]);
  });

  it('exits 1 with the DuckDB error for bad SQL, and 2 for a usage error', async () => {
    const paths = freshProject('mini');
    await run(paths);
    const bad = await clm(['query', 'select nope from marts.orders', '--warehouse', paths.warehouse]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: Binder Error: Referenced column "nope" not found/);
    const usage = await clm(['run', '--frobnicate']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^error: Unknown option '--frobnicate'/);
  });

  it('runs the pipeline with progress on stderr and exit code 0', async () => {
    const paths = freshProject('mini');
    const result = await clm(['run', '--exclude', 'kind:publish', '--warehouse', paths.warehouse, '--landing', paths.landing]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/✓ raw\.erp__orders\s+[\d.]+s {2}1 new files \(0 already loaded\) · 7 read · 7 loaded · 0 quarantined/);
    expect(result.stderr).toMatch(/run \S+ success: \d+ succeeded, 0 failed, 0 skipped in [\d.]+s/);
  });

  it('uses a new source file at the next command, with no build step', async () => {
    const project = projectWithSources([]);
    writeFileSync(join(project.sources, 'pos.ts'), `import { defineSource } from '../load/source.js';
export default defineSource({ name: 'pos', description: 'till rolls', tables: [{ name: 'sales', files: '*.csv', format: 'csv', columns: { member: 'VARCHAR', sold_at: 'TIMESTAMP', amount: 'DOUBLE' },
  provides: { entity: 'orders', map: { customer_id: 'member', ordered_at: 'sold_at', net_revenue: 'amount' } } }] });
`);
    const assets = await clm(['assets', '--sources', project.sources]);
    expect(assets.code, assets.stderr).toBe(0);
    expect(assets.stdout).toMatch(/raw\.pos__sales\s+load\s+pos/);
    expect(assets.stdout).toMatch(/staging\.stg_pos__sales\s+model\s+staging\s+raw\.pos__sales/);
  });
});
