import type { Warehouse } from '../warehouse/connection.js';
import { ClmError, ModelError } from '../errors.js';
import { ident } from '../warehouse/connection.js';
import type { ModelDefinition, PartialBuild, PartialBuildContext, TestSpec } from './model.js';
import { keepFingerprints, planMonths, type MonthRange } from './incremental.js';
import type { BuildHistory } from '../orchestration/asset.js';
import { failingRowCondition, failingRowsSql, testName } from './test-sql.js';

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
  /** A month-partitioned model built from a month on (YYYY-MM-01): the months before it are as they were. */
  builtFrom?: string;
  /** Which months were built, and why, for the progress line: `from 2026-10: marts.orders changed from 2026-10`. */
  months?: string;
  /** What a partial build wrote, for the progress line. */
  partial?: string;
  /** The table's content version, when the build knows it (a partial build keeps it up to date). */
  content?: string;
}

export interface ModelBuildOptions {
  /** One month (YYYY-MM) of a partitioned model, for a backfill. */
  partition?: string;
  /** The model's inputs now and at its last build: a partitioned model that allows it recomputes only the months that changed. */
  history?: BuildHistory;
  /** What a model with a partial build (a contract union) needs to know of the graph. */
  graph?: Omit<PartialBuildContext, 'history'>;
}

/**
 * Builds a model (staging as a view, the other layers as tables), then runs its tests. A
 * month-partitioned model is built for the months asked for (a backfill), or from the first month
 * its inputs changed (see incremental.ts), or whole; its tests then read the months it wrote. A
 * model with a partial build (a contract union, see contract/union-merge.ts) writes only what
 * changed when it can, and its tests read the rows it wrote.
 * A DuckDB error becomes a {@link ModelError} naming the model and its file.
 */
export async function materialiseModel(warehouse: Warehouse, model: ModelDefinition, options: ModelBuildOptions = {}): Promise<ModelOutcome> {
  const kind = model.layer === 'staging' ? 'view' : 'table';
  const started = performance.now();
  let range: MonthRange = { from: null, to: null };
  let months: string | undefined;
  const partial = model.partialBuild && options.history && options.graph && !options.partition ? { ...options.graph, history: options.history } : undefined;
  if (model.partialBuild && partial) {
    let merged: Awaited<ReturnType<PartialBuild['tryBuild']>>;
    try {
      merged = await model.partialBuild.tryBuild(warehouse, partial);
    } catch (error) {
      if (error instanceof ClmError) throw error;
      throw new ModelError(model.key, model.file, error);
    }
    if (merged) {
      const outcome = await finish(warehouse, model, merged.tested, kind, started);
      await model.partialBuild.remember(warehouse, partial);
      return { ...outcome, partial: merged.summary, content: merged.content };
    }
  }
  try {
    const plan = model.partition?.recomputeFrom && !options.partition && options.history ? await planMonths(warehouse, model, options.history) : undefined;
    if (options.partition) range = { from: `${options.partition}-01`, to: `${options.partition}-01` };
    else if (plan) [range, months] = [{ from: plan.from, to: null }, plan.from ? `from ${plan.from.slice(0, 7)}: ${plan.reason}` : `every month: ${plan.reason}`];
    await warehouse.run(`set variable clm_month_from = ${range.from ? `date '${range.from}'` : 'null::date'}`);
    await warehouse.run(`set variable clm_month_to = ${range.to ? `date '${range.to}'` : 'null::date'}`);
    const sql = model.compile ? await model.compile(warehouse) : model.sql;
    if (model.partition && (range.from || range.to)) {
      await replaceMonths(warehouse, model, sql, model.partition.column, range);
    } else {
      await replaceRelation(warehouse, model, sql, kind);
    }
    if (plan) await keepFingerprints(warehouse, model.key, plan.fingerprints);
  } catch (error) {
    if (error instanceof ClmError) throw error;
    throw new ModelError(model.key, model.file, error);
  }
  const tested = model.partition && (range.from || range.to) ? `(select * from ${model.key} where ${monthFilter(model.partition.column, range)})` : model.key;
  const outcome = await finish(warehouse, model, tested, kind, started);
  const content = model.partialBuild && partial ? await model.partialBuild.remember(warehouse, partial) : undefined;
  if (model.partialBuild && !partial) await model.partialBuild.forget(warehouse);
  return { ...outcome, builtFrom: range.to === null && range.from ? range.from : undefined, months, content };
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

/** Replaces the rows of the months in `range` with what the model's SQL computed for them, and no others. */
async function replaceMonths(warehouse: Warehouse, model: ModelDefinition, sql: string, column: string, range: MonthRange): Promise<void> {
  await warehouse.run(`create or replace temp table _partition as\n${sql}`);
  const outside = await warehouse.readScalar<number>(`select count(*) from _partition where not coalesce(${monthFilter(column, range)}, false)`);
  if (outside > 0) {
    throw new Error(`asked for ${describe(range)}, the SQL returned ${outside} rows of other months in ${column}: a partitioned model filters on getvariable('clm_month_from') and getvariable('clm_month_to')`);
  }
  await warehouse.run(`create table if not exists ${model.key} as select * from _partition limit 0`);
  await warehouse.run(`delete from ${model.key} where ${monthFilter(column, range)}`);
  await warehouse.run(`insert into ${model.key} select * from _partition`);
  await warehouse.run('drop table _partition');
}

function monthFilter(column: string, range: MonthRange): string {
  const bounds = [range.from && `${ident(column)} >= date '${range.from}'`, range.to && `${ident(column)} < date '${range.to}' + interval 1 month`].filter(Boolean);
  return bounds.length > 0 ? bounds.join(' and ') : 'true';
}

function describe(range: MonthRange): string {
  const month = (m: string | null) => m?.slice(0, 7) ?? '…';
  return range.from === range.to ? `month ${month(range.from)}` : `months ${month(range.from)} to ${month(range.to)}`;
}

/** Counts the table's rows and runs the model's tests on `tested` (the table, or the months just written). */
async function finish(warehouse: Warehouse, model: ModelDefinition, tested: string, kind: 'view' | 'table', started: number): Promise<ModelOutcome> {
  const built = performance.now();
  // A table knows its row count; counting a view would run it again, so views report none.
  const rows = kind === 'table' ? await warehouse.readScalar<number>(`select count(*) from ${model.key}`) : undefined;
  // Tests judged row by row share one pass over the table (a view is computed once for them).
  const rowTests = model.tests.filter((test) => failingRowCondition(test) !== undefined);
  const counted = new Map<TestSpec, number>();
  if (rowTests.length > 1) {
    const counts = `select ${rowTests.map((test, i) => `count(*) filter (where ${failingRowCondition(test)}) as t${i}`).join(', ')} from ${tested}`;
    let row: Record<string, number>;
    try {
      [row] = (await warehouse.readAll<Record<string, number>>(counts)) as [Record<string, number>];
    } catch (error) {
      const names = rowTests.map(testName).join(', ');
      throw new ModelError(model.key, model.file, new Error(`tests ${names} cannot run: ${String((error as Error).message)}`));
    }
    rowTests.forEach((test, i) => counted.set(test, Number(row[`t${i}`])));
  }
  const checks: CheckOutcome[] = [];
  for (const test of model.tests) {
    let failingRows = counted.get(test);
    try {
      failingRows ??= await warehouse.readScalar<number>(`select count(*) from (${failingRowsSql(tested, test)})`);
    } catch (error) {
      throw new ModelError(model.key, model.file, new Error(`test ${testName(test)} cannot run: ${String((error as Error).message)}`));
    }
    checks.push({ name: testName(test), severity: test.severity, failingRows, passed: failingRows === 0 });
  }
  return { rows, checks, buildSeconds: (built - started) / 1000, testSeconds: (performance.now() - built) / 1000 };
}
