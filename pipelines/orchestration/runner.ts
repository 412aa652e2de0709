import { setTimeout as sleep } from 'node:timers/promises';
import { relative } from 'node:path';
import { openWarehouse, type Warehouse } from '../warehouse/connection.js';
import { ensureMetaSchema } from '../warehouse/meta-schema.js';
import { applySettings, createMacros } from '../warehouse/macros.js';
import { ClmError, ModelTestError, errorMessage } from '../errors.js';
import type { Project } from '../config.js';
import type { Asset, AssetContext, AssetResult } from './asset.js';
import { selectAssets } from './graph.js';
import { acquireLock } from './lock.js';
import { createWorkingCopy } from './working-copy.js';
import { contentSums, contentVersion, fingerprint, inputsOf, parseInputs, readDataVersions, settingsFingerprint, writeDataVersion, type DataVersion } from './data-versions.js';
import { newRunId, pruneRunRecords, recordAsset, recordKilledRun, recordRunEnd, recordRunStart, type AssetStatus, type RunStatus, type Trigger } from './run-records.js';

export interface RunOptions {
  paths: Project;
  /** Every asset of the project, in dependency order (the registry's `loadDefinitions`). */
  assets: readonly Asset[];
  /** Dagster-style selection (see selectAssets); everything when absent. */
  selection?: string;
  /** Assets to leave out of the selection, in the same syntax (e.g. `kind:publish`). */
  exclude?: string;
  /** Drop the selected raw tables and their load records, and load every file again. */
  fullRefresh?: boolean;
  trigger?: Trigger;
  /** Wait this long for another run to release the warehouse instead of refusing at once. */
  waitMs?: number;
  log?: (line: string) => void;
  /** Months (YYYY-MM) to materialise partitioned assets for, one after another (a backfill). Default: the latest. */
  partitions?: readonly string[];
  /** Run records older than this many days are pruned at the end of the run. */
  retentionDays?: number;
}

export interface AssetOutcome {
  key: string;
  status: AssetStatus;
  attempts: number;
  rows?: number;
  seconds: number;
  error?: string;
  /** The asset's one-line summary (rows read, loaded, quarantined…). */
  summary?: string;
  /** Failing checks of severity `warn`. */
  warnings?: string[];
  metrics?: Record<string, number>;
  /** false: the asset found nothing new (see AssetResult.changed). */
  changed?: boolean;
  /** Left as it was: its code and inputs are those of its last build. */
  unchanged?: boolean;
  /** Rebuilt from a month on (see AssetResult.builtFrom). */
  builtFrom?: AssetResult['builtFrom'];
  /** The table's content version, when the asset computed it (see AssetResult.content). */
  content?: string;
}

export interface RunSummary {
  runId: string;
  status: RunStatus;
  assets: AssetOutcome[];
  seconds: number;
  /** Of which copying the warehouse to work on (see working-copy.ts). */
  copySeconds: number;
}

/**
 * Materialises the selected assets in dependency order, as one run:
 * - takes the warehouse lock (a second run refuses, naming the first);
 * - works on a copy of the warehouse and swaps it in at the end, so a run killed at any moment
 *   leaves the warehouse as it was;
 * - runs each asset in its own transaction (a load commits file by file instead: a transaction
 *   holds what it replaces until it ends, and a file's work tables are a share of the memory cap);
 *   a failure (or a failing `error` check) skips the asset's dependents, and the others go on;
 * - records the run, every asset and every check in `meta.*`.
 */
export async function runPipeline(options: RunOptions): Promise<RunSummary> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const { paths } = options;
  const { assets } = options;
  const selected = selectAssets(assets, options.selection);
  if (options.exclude) for (const key of selectAssets(assets, options.exclude)) selected.delete(key);
  const plan = assets.filter((a) => selected.has(a.key));
  const runId = newRunId();
  const trigger = options.trigger ?? 'manual';
  const selection = (options.selection ?? '*') + (options.exclude ? ` --exclude ${options.exclude}` : '');

  const lock = await acquireLock(
    paths.warehouse,
    { runId, pid: process.pid, startedAt: new Date().toISOString(), command: process.argv.slice(1).join(' '), selection, trigger },
    options.waitMs,
  );
  const copy = createWorkingCopy(paths.warehouse, runId);
  let warehouse: Warehouse | undefined;
  try {
    const { memoryLimit, threads } = paths.settings.duckdb;
    warehouse = await openWarehouse(copy.path, { memoryLimit, tempDirectory: paths.spill, threads: threads ?? undefined });
    await ensureMetaSchema(warehouse);
    await createMacros(warehouse);
    await applySettings(warehouse, paths.settings);
    if (lock.stale) {
      await recordKilledRun(warehouse, lock.stale);
      log(`! run ${lock.stale.runId} (pid ${lock.stale.pid}) died holding the warehouse; recorded as failed`);
    }
    await recordRunStart(warehouse, { runId, trigger, selection });
    log(`clm run ${runId} · ${plan.length} assets · ${relative(process.cwd(), paths.warehouse) || paths.warehouse}`);
    if (options.fullRefresh) await dropRawTables(warehouse, plan);

    const outcomes = new Map<string, AssetOutcome>();
    const versions = await readDataVersions(warehouse);
    // Month-partitioned tables rebuilt in this run from a month on: what reads them may follow suit.
    const builtFrom = new Map<string, string>();
    const settingsVersion = settingsFingerprint(paths.settings);
    for (const asset of plan) {
      const blockedBy = asset.upstream.find((up) => {
        const status = outcomes.get(up)?.status;
        return status === 'failed' || status === 'skipped';
      });
      const context = { runId, landingRoot: paths.landing, projectRoot: paths.root, reportsDir: paths.reports, settings: paths.settings, log };
      const partitions = asset.tags.includes('partitioned') && options.partitions?.length ? options.partitions : [undefined];
      // A backfill or a full refresh rebuilds what it names; otherwise an asset whose code and
      // inputs are those of its last build is left as it is.
      const rebuild = options.fullRefresh || (asset.tags.includes('partitioned') && (options.partitions?.length ?? 0) > 0);
      const inputs = inputsOf(asset.upstream, versions);
      const codeVersion = asset.codeVersion && !blockedBy ? await codeVersionOf(asset, { ...context, warehouse }, settingsVersion) : null;
      const previous = versions.get(asset.key);
      if (codeVersion && !rebuild && previous?.codeVersion === codeVersion && previous.inputs === inputs && (await relationType(warehouse, asset.key)) !== null) {
        const outcome = await unchanged(warehouse, runId, asset, previous);
        outcomes.set(asset.key, outcome);
        log(progressLine(asset, outcome));
        continue;
      }
      // What an incremental build starts from: the inputs now and at the last build of the same code.
      const sameBuild = codeVersion && !rebuild && previous?.codeVersion === codeVersion && (await relationType(warehouse, asset.key)) !== null;
      const history = options.partitions?.length
        ? undefined
        : { inputs: parseInputs(inputs), previousInputs: sameBuild ? parseInputs(previous.inputs) : undefined, changedFrom: builtFrom };
      for (const partition of partitions) {
        const outcome = blockedBy
          ? await skip(warehouse, runId, asset, blockedBy)
          : await materialise(warehouse, { ...context, partition, history }, asset);
        // A partitioned asset failed if any of its partitions failed.
        if (outcomes.get(asset.key)?.status !== 'failed') outcomes.set(asset.key, outcome);
        log(progressLine(asset, outcome, partition));
        if (blockedBy) break;
      }
      const outcome = outcomes.get(asset.key)!;
      if (outcome.status === 'success') {
        // A table built from code is versioned by its content, so a rebuild that changes nothing
        // stops there (early cutoff): new orders from known customers leave identity stitching,
        // and all that reads only it, as they were. A view takes its code and inputs' version.
        // An asset without code (a load) has a new version whenever it found something new.
        // A table rebuilt from a month on is versioned by its last version and the months rewritten.
        const since = outcome.builtFrom;
        if (since) builtFrom.set(asset.key, since.month);
        const dataVersion = since && previous
          ? fingerprint(previous.dataVersion, since.month, (await contentFingerprint(warehouse, asset.key, `"${since.column}" >= date '${since.month}'`)) ?? '')
          : codeVersion
            ? (outcome.content ?? (await contentFingerprint(warehouse, asset.key)) ?? fingerprint(codeVersion, inputs))
            : outcome.changed === false && previous ? previous.dataVersion : fingerprint(runId, asset.key);
        const version = { dataVersion, codeVersion, inputs, rows: outcome.rows ?? null, runId };
        versions.set(asset.key, version);
        await writeDataVersion(warehouse, asset.key, version);
      } else {
        // A failed build leaves no version: the next run builds it again.
        versions.delete(asset.key);
        await warehouse.run('delete from meta.data_versions where asset_key = $1', [asset.key]);
      }
    }

    const results = [...outcomes.values()];
    const failed = results.filter((r) => r.status !== 'success');
    const status: RunStatus = failed.length === 0 ? 'success' : 'failed';
    const error = failed.length === 0 ? undefined : failed.map((r) => `${r.key}: ${r.error}`).join('\n');
    await recordRunEnd(warehouse, runId, status, error);
    const pruned = await pruneRunRecords(warehouse, options.retentionDays ?? paths.settings.runRetentionDays, runId);
    if (pruned > 0) log(`  pruned the records of ${pruned} runs older than the retention period`);
    await warehouse.run('checkpoint');
    warehouse.closeSync();
    warehouse = undefined;
    copy.commit();
    const seconds = (performance.now() - started) / 1000;
    const counts = (s: AssetStatus) => results.filter((r) => r.status === s).length;
    log(`run ${runId} ${status}: ${counts('success')} succeeded, ${counts('failed')} failed, ${counts('skipped')} skipped in ${seconds.toFixed(1)}s`);
    return { runId, status, assets: results, seconds, copySeconds: copy.copySeconds };
  } catch (error) {
    warehouse?.closeSync();
    copy.discard();
    throw error;
  } finally {
    lock.release();
  }
}

async function materialise(warehouse: Warehouse, context: Omit<AssetContext, 'warehouse'>, asset: Asset): Promise<AssetOutcome> {
  const maxAttempts = 1 + (asset.retries ?? 0);
  const startedAt = new Date();
  const t0 = performance.now();
  let attempt = 0;
  for (;;) {
    attempt += 1;
    let result: AssetResult | undefined;
    let failure: unknown;
    const ownTransaction = !asset.commitsInParts;
    if (ownTransaction) await warehouse.run('begin transaction');
    try {
      result = await asset.materialise({ ...context, warehouse });
      if (ownTransaction) await warehouse.run('commit');
    } catch (error) {
      failure = error;
      if (ownTransaction) await warehouse.run('rollback');
    }
    // Deterministic failures (bad SQL, a changed file) fail the same way again: retry only the unexpected.
    if (failure !== undefined && attempt < maxAttempts && !(failure instanceof ClmError)) {
      context.log(`    attempt ${attempt} of ${asset.key} failed (${errorMessage(failure)}); retrying`);
      await sleep(250 * 2 ** (attempt - 1));
      continue;
    }
    const failedChecks = result?.checks?.filter((c) => !c.passed && c.severity === 'error') ?? [];
    const error =
      failure !== undefined
        ? errorMessage(failure)
        : failedChecks.length > 0
          ? failedChecks.map((c) => new ModelTestError(asset.key, c.name, c.failingRows).message).join('; ')
          : undefined;
    const outcome: AssetOutcome = {
      key: asset.key,
      status: error ? 'failed' : 'success',
      attempts: attempt,
      rows: result?.rows,
      seconds: (performance.now() - t0) / 1000,
      error,
      summary: result?.summary,
      metrics: result?.metrics,
      changed: result?.changed,
      builtFrom: result?.builtFrom,
      content: result?.content,
      warnings: result?.checks?.filter((c) => !c.passed && c.severity === 'warn').map((c) => `${c.name}: ${c.failingRows} failing rows`),
    };
    await recordAsset(warehouse, {
      runId: context.runId,
      assetKey: asset.key,
      kind: asset.kind,
      status: outcome.status,
      attempt,
      startedAt,
      finishedAt: new Date(),
      rows: result?.rows,
      checks: result?.checks,
      error,
      partition: context.partition,
    });
    return outcome;
  }
}

async function unchanged(warehouse: Warehouse, runId: string, asset: Asset, previous: DataVersion): Promise<AssetOutcome> {
  const now = new Date();
  await recordAsset(warehouse, { runId, assetKey: asset.key, kind: asset.kind, status: 'success', attempt: 0, startedAt: now, finishedAt: now, rows: previous.rows ?? undefined });
  return { key: asset.key, status: 'success', attempts: 0, rows: previous.rows ?? undefined, seconds: 0, unchanged: true, summary: `unchanged since run ${previous.runId} (same code, same inputs)` };
}

/** The asset's code version with the settings'; null when it cannot be had (the build then runs, and fails saying why). */
async function codeVersionOf(asset: Asset, context: AssetContext, settingsVersion: string): Promise<string | null> {
  try {
    return fingerprint(await asset.codeVersion!(context), settingsVersion);
  } catch {
    return null;
  }
}

/** Rows and an order-free hash of a table's rows; null for a view or a missing table. */
async function contentFingerprint(warehouse: Warehouse, key: string, where = 'true'): Promise<string | null> {
  if ((await relationType(warehouse, key)) !== 'BASE TABLE') return null;
  return contentVersion(await contentSums(warehouse, key, where));
}

/** 'BASE TABLE' or 'VIEW' for a relation `schema.name`; null when there is none. */
async function relationType(warehouse: Warehouse, key: string): Promise<string | null> {
  const [schema, name] = key.split('.');
  const type = await warehouse.readScalar<string | undefined>('select table_type from information_schema.tables where table_schema = $1 and table_name = $2', [schema ?? '', name ?? '']);
  return type ?? null;
}

async function skip(warehouse: Warehouse, runId: string, asset: Asset, blockedBy: string): Promise<AssetOutcome> {
  const error = `skipped: upstream ${blockedBy} did not succeed`;
  await recordAsset(warehouse, { runId, assetKey: asset.key, kind: asset.kind, status: 'skipped', attempt: 0, error });
  return { key: asset.key, status: 'skipped', attempts: 0, seconds: 0, error };
}

async function dropRawTables(warehouse: Warehouse, plan: readonly Asset[]): Promise<void> {
  for (const asset of plan.filter((a) => a.kind === 'load')) {
    const [source, table] = asset.key.slice('raw.'.length).split('__') as [string, string];
    await warehouse.run(`drop table if exists ${asset.key}`);
    await warehouse.run('delete from meta.loaded_files where source = $1 and table_name = $2', [source, table]);
    // The files are loaded again, so their rows are quarantined again: the old records would double them.
    await warehouse.run('delete from meta.quarantine where source = $1 and table_name = $2', [source, table]);
    // An extractor pulls everything again.
    await warehouse.run('delete from meta.extract_state where source = $1 and table_name = $2', [source, table]);
  }
  // Rows that are not loaded again must leave the unions too: the next build of each is whole.
  await warehouse.run('delete from meta.union_marks');
}

function progressLine(asset: Asset, outcome: AssetOutcome, partition?: string): string {
  const mark = outcome.status === 'success' ? '✓' : outcome.status === 'failed' ? '✗' : '-';
  const detail = outcome.status === 'success' ? (outcome.summary ?? '') : (outcome.error ?? '');
  const time = outcome.status === 'skipped' ? '' : `${outcome.seconds.toFixed(2)}s`;
  const warnings = (outcome.warnings ?? []).map((w) => `\n      warning: ${w}`).join('');
  const key = partition ? `${asset.key} [${partition}]` : asset.key;
  return `  ${mark} ${key.padEnd(40)} ${time.padStart(7)}  ${detail}${warnings}`;
}
