import { describe, expect, it } from 'vitest';
import { clm } from './helpers/cli.js';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshProject, projectWithSources, run, tempDir } from './helpers/warehouse.js';

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

  it('keeps clm query read-only: no COPY, ATTACH or EXPORT, local files only with --allow-files, every statement printed', async () => {
    const paths = freshProject('mini');
    await run(paths);
    const out = join(tempDir(), 'out.csv');
    for (const sql of [`copy (select 1) to '${out}'`, `attach '${out}.duckdb' as other`, `export database '${out}.dir'`]) {
      const refused = await clm(['query', sql, '--warehouse', paths.warehouse, '--allow-files']);
      expect(refused.code, sql).toBe(2);
      expect(refused.stderr).toMatch(/^error: clm query is read-only: (COPY|ATTACH|EXPORT) is refused/);
    }
    expect(existsSync(out)).toBe(false);
    const csv = join(tempDir(), 'in.csv');
    writeFileSync(csv, 'n\n1\n2\n');
    const hidden = await clm(['query', `select count(*) as n from read_csv('${csv}')`, '--warehouse', paths.warehouse]);
    expect(hidden.code).toBe(2);
    expect(hidden.stderr).toContain('To read local files, pass --allow-files.');
    const allowed = await clm(['query', '--json', `select count(*) as n from read_csv('${csv}')`, '--warehouse', paths.warehouse, '--allow-files']);
    expect(JSON.parse(allowed.stdout)).toEqual([{ n: 2 }]);
    const both = await clm(['query', '--json', 'select 1 as a; select 2 as b', '--warehouse', paths.warehouse]);
    expect(JSON.parse(both.stdout)).toEqual([[{ a: 1 }], [{ b: 2 }]]);
  });
});
