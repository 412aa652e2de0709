import { describe, expect, it } from 'vitest';
import { clm } from './helpers/cli.js';
import { freshProject, run } from './helpers/warehouse.js';

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
});
