import type { Warehouse } from '../warehouse/connection.js';
import { kyselyFor } from '../warehouse/kysely-dialect.js';
import type { MetaTables } from '../warehouse/meta-schema.js';
import type { LockHolder } from './lock.js';
import type { CheckOutcome } from '../models/materialise.js';

export type RunStatus = 'running' | 'success' | 'failed';
export type AssetStatus = 'success' | 'failed' | 'skipped';
export type Trigger = 'manual' | 'schedule' | 'sensor' | 'backfill';

/** A new, sortable run id: `20261122T143501Z-a1b2`. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${Math.random().toString(16).slice(2, 6)}`;
}

export async function recordRunStart(warehouse: Warehouse, run: { runId: string; trigger: Trigger; selection: string }): Promise<void> {
  await kyselyFor<MetaTables>(warehouse)
    .insertInto('meta.runs')
    .values({ run_id: run.runId, trigger: run.trigger, selection: run.selection, status: 'running', pid: process.pid, started_at: new Date(), finished_at: null, error: null })
    .execute();
}

export async function recordRunEnd(warehouse: Warehouse, runId: string, status: RunStatus, error?: string): Promise<void> {
  await kyselyFor<MetaTables>(warehouse)
    .updateTable('meta.runs')
    .set({ status, finished_at: new Date(), error: error ?? null })
    .where('run_id', '=', runId)
    .execute();
}

/** A run that died holding the lock is recorded as failed by the next run. */
export async function recordKilledRun(warehouse: Warehouse, holder: LockHolder): Promise<void> {
  const error = `process ${holder.pid} ended before the run finished (killed or crashed); its changes were discarded`;
  const known = await warehouse.readScalar<number>('select count(*) from meta.runs where run_id = $1', [holder.runId]);
  if (known > 0) {
    await warehouse.run(`update meta.runs set status = 'failed', finished_at = now(), error = $2 where run_id = $1 and status = 'running'`, [holder.runId, error]);
  } else {
    await warehouse.run(`insert into meta.runs values ($1, $2, $3, 'failed', $4, $5::timestamp, now(), $6)`, [holder.runId, holder.trigger, holder.selection, holder.pid, holder.startedAt, error]);
  }
}

export interface AssetRecord {
  runId: string;
  assetKey: string;
  kind: string;
  status: AssetStatus;
  attempt: number;
  startedAt?: Date;
  finishedAt?: Date;
  rows?: number;
  checks?: readonly CheckOutcome[];
  error?: string;
  partition?: string;
}

export async function recordAsset(warehouse: Warehouse, record: AssetRecord): Promise<void> {
  const db = kyselyFor<MetaTables>(warehouse);
  const checks = record.checks ?? [];
  await db
    .insertInto('meta.asset_runs')
    .values({
      run_id: record.runId,
      asset_key: record.assetKey,
      kind: record.kind,
      status: record.status,
      attempt: record.attempt,
      started_at: record.startedAt ?? null,
      finished_at: record.finishedAt ?? null,
      rows: record.rows ?? null,
      checks_passed: checks.filter((c) => c.passed).length,
      checks_failed: checks.filter((c) => !c.passed).length,
      error: record.error ?? null,
      partition: record.partition ?? null,
    })
    .execute();
  if (checks.length > 0) {
    const checkedAt = new Date();
    await db
      .insertInto('meta.check_results')
      .values(checks.map((c) => ({ run_id: record.runId, asset_key: record.assetKey, check_name: c.name, passed: c.passed, failing_rows: c.failingRows, checked_at: checkedAt, severity: c.severity })))
      .execute();
  }
}

/**
 * Deletes the records of runs that started more than `days` days ago (CLM_RUN_RETENTION_DAYS,
 * default 90). Returns how many runs were pruned.
 */
export async function pruneRunRecords(warehouse: Warehouse, days: number, currentRunId: string): Promise<number> {
  const old = `select run_id from meta.runs where started_at < now()::timestamp - to_days(${Math.max(0, Math.floor(days))}) and run_id <> '${currentRunId.replaceAll("'", "''")}'`;
  await warehouse.run(`delete from meta.check_results where run_id in (${old})`);
  await warehouse.run(`delete from meta.asset_runs where run_id in (${old})`);
  return warehouse.run(`delete from meta.runs where run_id in (${old})`);
}
