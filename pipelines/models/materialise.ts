import type { Warehouse } from '../warehouse/connection.js';
import { ClmError, ModelError } from '../errors.js';
import type { ModelDefinition } from './model.js';
import { failingRowsSql, testName } from './test-sql.js';

export interface CheckOutcome {
  name: string;
  severity: 'error' | 'warn';
  failingRows: number;
  passed: boolean;
}

export interface ModelOutcome {
  /** Rows in the table; undefined for a view. */
  rows: number | undefined;
  checks: CheckOutcome[];
  buildSeconds: number;
  testSeconds: number;
}

/**
 * Builds a model (staging as a view, the other layers as tables), then runs its tests.
 * A DuckDB error becomes a {@link ModelError} naming the model and its file.
 */
export async function materialiseModel(warehouse: Warehouse, model: ModelDefinition, partitionMonth?: string): Promise<ModelOutcome> {
  const kind = model.layer === 'staging' ? 'view' : 'table';
  const started = performance.now();
  try {
    await warehouse.run(`set variable partition_month = ${partitionMonth ? `date '${partitionMonth}-01'` : 'null::date'}`);
    const sql = model.compile ? await model.compile(warehouse) : model.sql;
    if (model.partition) {
      await replacePartitions(warehouse, model, sql, model.partition.column);
    } else {
      await replaceRelation(warehouse, model, sql, kind);
    }
  } catch (error) {
    if (error instanceof ClmError) throw error;
    throw new ModelError(model.key, model.file, error);
  }
  return finish(warehouse, model, model.partition ? 'table' : kind, started);
}

async function replaceRelation(warehouse: Warehouse, model: ModelDefinition, sql: string, kind: 'view' | 'table'): Promise<void> {
  const existing = await warehouse.readAll<{ table_type: string }>(
    'select table_type from information_schema.tables where table_schema = $1 and table_name = $2',
    [model.layer, model.name],
  );
  const existingKind = existing[0] === undefined ? undefined : existing[0].table_type === 'VIEW' ? 'view' : 'table';
  if (existingKind && existingKind !== kind) await warehouse.run(`drop ${existingKind} ${model.key}`);
  await warehouse.run(`create or replace ${kind} ${model.key} as\n${sql}`);
}

/** Writes the partitions the model's SQL computed, replacing those partitions and no others. */
async function replacePartitions(warehouse: Warehouse, model: ModelDefinition, sql: string, column: string): Promise<void> {
  await warehouse.run(`create or replace temp table _partition as\n${sql}`);
  await warehouse.run(`create table if not exists ${model.key} as select * from _partition limit 0`);
  await warehouse.run(`delete from ${model.key} where "${column}" in (select distinct "${column}" from _partition)`);
  await warehouse.run(`insert into ${model.key} select * from _partition`);
}

async function finish(warehouse: Warehouse, model: ModelDefinition, kind: 'view' | 'table', started: number): Promise<ModelOutcome> {
  const built = performance.now();
  // A table knows its row count; counting a view would run it again, so views report none.
  const rows = kind === 'table' ? await warehouse.readScalar<number>(`select count(*) from ${model.key}`) : undefined;
  const checks: CheckOutcome[] = [];
  for (const test of model.tests) {
    let failingRows: number;
    try {
      failingRows = await warehouse.readScalar<number>(`select count(*) from (${failingRowsSql(model.key, test)})`);
    } catch (error) {
      throw new ModelError(model.key, model.file, new Error(`test ${testName(test)} cannot run: ${String((error as Error).message)}`));
    }
    checks.push({ name: testName(test), severity: test.severity, failingRows, passed: failingRows === 0 });
  }
  return { rows, checks, buildSeconds: (built - started) / 1000, testSeconds: (performance.now() - built) / 1000 };
}
