import { describe, expect, it } from 'vitest';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { loadProject } from '../../pipelines/config.js';
import { generateSample } from '../../pipelines/generate/generate.js';
import { acquireLock } from '../../pipelines/orchestration/lock.js';
import { WarehouseLockedError } from '../../pipelines/errors.js';
import { FIXTURES, freshProject, query, run, tempDir } from '../helpers/warehouse.js';
import { clm } from '../helpers/cli.js';

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('runPipeline', () => {
  it('refuses a second run while another holds the warehouse, naming the holder', async () => {
    const paths = freshProject('mini');
    const holder = { runId: 'run-A', pid: process.pid, startedAt: '2026-01-01T00:00:00.000Z', command: 'clm run', selection: '*', trigger: 'manual' };
    const lock = await acquireLock(paths.warehouse, holder);
    const error = await run(paths).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WarehouseLockedError);
    expect((error as Error).message).toBe(
      `Warehouse ${paths.warehouse} is locked by run run-A (pid ${process.pid}, manual, started 2026-01-01T00:00:00.000Z: clm run). Wait for it to finish, or pass --wait.`,
    );
    setTimeout(() => lock.release(), 300);
    const waited = await run(paths, { waitMs: 10_000 });
    expect(waited.status).toBe('success');
  });

  it('is idempotent: a second run over the same extracts loads nothing new', async () => {
    const paths = freshProject('mini');
    await run(paths);
    const second = await run(paths);
    expect(second.status).toBe('success');
    const loads = await query(paths, `select run_id, sum(rows_loaded) as rows from meta.loaded_files group by run_id`);
    expect(loads).toHaveLength(1);
    expect(await query(paths, 'select count(*) as n from marts.orders')).toEqual([{ n: 6 }]);
  });

  it('reloads every file from scratch with --full-refresh', async () => {
    const paths = freshProject('mini');
    const first = await run(paths);
    const refreshed = await run(paths, { fullRefresh: true });
    expect(refreshed.status).toBe('success');
    const loads = await query(paths, `select distinct run_id from meta.loaded_files`);
    expect(loads).toEqual([{ run_id: refreshed.runId }]);
    expect(first.runId).not.toBe(refreshed.runId);
    expect(await query(paths, 'select count(*) as n from raw.erp__orders')).toEqual([{ n: 7 }]);
    expect(await query(paths, 'select count(*) as n from marts.orders')).toEqual([{ n: 6 }]);
  });

  it('keeps the files a failed load committed, and goes on from the one that failed', async () => {
    const paths = freshProject('mini');
    const header = readFileSync(join(paths.landing, 'erp', 'orders_2024.csv'), 'utf8').split('\n')[0]!;
    const next = join(paths.landing, 'erp', 'orders_2025.csv');
    writeFileSync(next, `${header},colour\nO90,E1,2025-01-10 11:00:00,online,completed,2025-01-10 12:00:00,red\n`);
    const failed = await run(paths, { selection: 'raw.erp__orders' });
    expect(failed.status).toBe('failed');
    // Each file commits on its own: the one before the failure stays loaded and recorded.
    expect(await query(paths, 'select count(*) as n from raw.erp__orders')).toEqual([{ n: 7 }]);
    expect(await query(paths, 'select file from meta.loaded_files')).toEqual([{ file: expect.stringMatching(/orders_2024\.csv$/) }]);

    writeFileSync(next, `${header}\nO90,E1,2025-01-10 11:00:00,online,completed,2025-01-10 12:00:00\n`);
    const fixed = await run(paths, { selection: 'raw.erp__orders' });
    expect(fixed.assets[0]!.summary).toMatch(/^1 new files \(1 already loaded\) · 1 read · 1 loaded/);
    expect(await query(paths, 'select count(*) as n from raw.erp__orders')).toEqual([{ n: 8 }]);
  });

  it('keeps one quarantine record per bad row across --full-refresh', async () => {
    // The bundled sample has a documented share of bad rows.
    const paths = loadProject({ warehouse: join(tempDir(), 'warehouse.duckdb') });
    await run(paths, { selection: 'kind:load' });
    const [before] = await query(paths, 'select count(*) as n from meta.quarantine');
    expect(Number(before!['n'])).toBeGreaterThan(0);
    const refreshed = await run(paths, { selection: 'kind:load', fullRefresh: true });
    expect(await query(paths, 'select count(*) as n from meta.quarantine')).toEqual([before]);
    expect(await query(paths, 'select distinct run_id from meta.quarantine')).toEqual([{ run_id: refreshed.runId }]);
  });

  it('names the model file and the DuckDB error when a model fails, and skips its dependents only', async () => {
    const paths = freshProject('mini');
    const models = join(dirname(paths.warehouse), 'models');
    cpSync(paths.models, models, { recursive: true });
    writeFileSync(join(models, 'marts', 'orders.sql'), 'select no_such_column from intermediate.int_orders_unioned');
    const result = await run({ ...paths, models });
    expect(result.status).toBe('failed');
    const orders = result.assets.find((a) => a.key === 'marts.orders');
    expect(orders?.error).toMatch(/^Model failed: marts\.orders \(models\/marts\/orders\.sql\): Binder Error: Referenced column "no_such_column" not found/);
    expect(result.assets.find((a) => a.key === 'marts.cohort_retention')?.error).toBe('skipped: upstream marts.customer_months did not succeed');
    expect(result.assets.find((a) => a.key === 'intermediate.int_customers_stitched')?.status).toBe('success');
    const recorded = await query(paths, `select status, error from meta.runs`);
    expect(recorded[0]).toMatchObject({ status: 'failed' });
  });

  it('stops the dependents of a model whose test fails, naming the model, test and failing rows', async () => {
    const paths = freshProject('mini');
    const models = join(dirname(paths.warehouse), 'models');
    cpSync(paths.models, models, { recursive: true });
    // Three tests judged row by row, counted in one pass: each keeps its own count.
    writeFileSync(join(models, 'marts', 'orders.yml'), 'columns:\n  - name: customer_id\n    tests:\n      - not_null\n      - accepted_values:\n          values: [crm:C1]\ntests:\n  - expression: "net_revenue < 100"\n');
    const result = await run({ ...paths, models });
    const orders = result.assets.find((a) => a.key === 'marts.orders');
    const [{ n: over100 }] = (await query(paths, 'select count(*) as n from marts.orders where not (net_revenue < 100)')) as [{ n: number }];
    expect(over100).toBeGreaterThan(0);
    expect(orders?.error).toBe(`Test failed: marts.orders accepted_values(customer_id): 3 failing rows; Test failed: marts.orders expression(net_revenue < 100): ${over100} failing rows`);
    expect(result.assets.find((a) => a.key === 'marts.customers')?.status).toBe('skipped');
    expect(await query(paths, `select check_name, passed, failing_rows from meta.check_results where asset_key = 'marts.orders' order by check_name`)).toEqual([
      { check_name: 'accepted_values(customer_id)', passed: false, failing_rows: 3 },
      { check_name: 'expression(net_revenue < 100)', passed: false, failing_rows: over100 },
      { check_name: 'not_null(customer_id)', passed: true, failing_rows: 0 },
    ]);
  });

  it('leaves the warehouse exactly as it was when a run is killed with SIGKILL, and records the killed run as failed', async () => {
    const paths = freshProject('mini');
    expect((await run(paths)).status).toBe('success');
    const before = sha256(paths.warehouse);

    // New extracts land; the next run is killed in the middle of building the models.
    const generated = join(tempDir(), 'generated');
    await generateSample({ customers: 400, seed: 7, out: generated });
    for (const source of ['crm', 'erp']) {
      for (const file of readdirSync(join(generated, source))) {
        if (!file.startsWith('products')) cpSync(join(generated, source, file), join(paths.landing, source, `new_${file}`));
      }
    }
    const killed = await clm(['run', '--exclude', 'kind:publish', '--warehouse', paths.warehouse, '--landing', paths.landing], {
      onStderr: (text, kill) => {
        if (text.includes('✓ intermediate.int_customers_stitched')) kill();
      },
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(sha256(paths.warehouse)).toBe(before);
    expect(existsSync(`${paths.warehouse}.lock`)).toBe(true);

    const next = await run(paths);
    expect(next.status).toBe('success');
    expect(next.log[0]).toMatch(/^! run \S+ \(pid \d+\) died holding the warehouse; recorded as failed$/);
    const runs = await query(paths, `select status, error from meta.runs order by started_at`);
    expect(runs.map((r) => r['status'])).toEqual(['success', 'failed', 'success']);
    expect(runs[1]?.['error']).toMatch(/^process \d+ ended before the run finished/);
    expect(readdirSync(dirname(paths.warehouse)).filter((f) => f.includes('.run-'))).toEqual([]);
  });
});
