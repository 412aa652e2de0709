/**
 * `npm run bench -- --customers N [--clv-customers M] [--no-site] [--reuse]`: generates N
 * customers' extracts (or reuses them with --reuse), then measures, each against its target:
 * - a full warehouse run (load, models, CLV) and its peak memory, under the configured cap;
 * - an incremental run that brings one more day of orders, against the full run;
 * - the report site unless --no-site: built, built again with new data (its compiled pages
 *   reused), and each page opened in Chromium (bytes sent, seconds until its charts are drawn);
 * - the pipeline's overhead: a models-only run against the same SQL run directly in DuckDB;
 * - the physical reference: DuckDB alone reading the same files with explicit types;
 * - CLV fit and scoring on M (default a million) simulated customers.
 */
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadProject, type Project } from '../config.js';
import type { Manifest } from '../generate/generate.js';
import { copyReportsProject } from '../publish/reports-copy.js';
import { Random } from '../generate/random.js';
import { fitBgNbd, FrequencyTable } from '../analytics/clv/bg-nbd.js';
import { scoreGroups } from '../analytics/clv/score.js';
import { simulateBgNbd } from '../analytics/clv/simulate.js';
import { runPipeline, type RunSummary } from '../orchestration/runner.js';
import { loadDefinitions } from '../definitions.js';
import { applySettings, createMacros } from '../warehouse/macros.js';
import { literal, withWarehouse } from '../warehouse/connection.js';
import { columnSpec, sourceFolder } from '../load/source.js';
import { discoverSources } from '../sources/registry.js';
import { formatTable } from '../cli-format.js';
import { visitPages, type PageVisit } from './site-visits.js';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '100000' },
    'clv-customers': { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '1' },
    dir: { type: 'string', default: '.bench' },
    reuse: { type: 'boolean', default: false },
    'no-site': { type: 'boolean', default: false },
  },
});
const customers = Number(values.customers);
const root = loadProject().root;
const dir = resolve(root, values.dir);
const landing = join(dir, 'landing');
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mib = () => process.resourceUsage().maxRSS / 1024;

const reusable = values.reuse && existsSync(join(landing, 'manifest.json')) && (JSON.parse(readFileSync(join(landing, 'manifest.json'), 'utf8')) as Manifest).customers === customers;
for (const file of ['warehouse.duckdb', 'warehouse.duckdb.wal', 'reports', 'results.json']) rmSync(join(dir, file), { recursive: true, force: true });
if (!reusable) rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
// The site is built in a copy of reports/, so the benchmark leaves the project's own site alone.
const paths = loadProject({ warehouse: join(dir, 'warehouse.duckdb'), landing, reports: copyReportsProject(loadProject().reports, join(dir, 'reports')) });

const stages: Record<string, string>[] = [];
const stage = (name: string, seconds: number, count?: number) =>
  stages.push({ stage: name, seconds: seconds.toFixed(2), rows: count === undefined ? '' : fmt(count), 'rows/s': count === undefined || seconds === 0 ? '' : fmt(count / seconds) });

console.error(`bench: ${fmt(customers)} customers in ${dir}${reusable ? ' (reusing the generated extracts)' : ''}`);
let t = performance.now();
if (!reusable) {
  // Generated in a child process, so the peak memory below is the pipeline's alone.
  const generated = spawnSync(process.execPath, [join(root, 'bin', 'clm.js'), 'generate', '--customers', String(customers), '--seed', String(values.seed), '--out', landing], { stdio: 'inherit' });
  if (generated.status !== 0) throw new Error('bench: clm generate failed');
  stage('generate extracts (not part of the pipeline)', (performance.now() - t) / 1000);
}
rmSync(join(landing, 'erp', 'orders_next_day.csv'), { force: true });
rmSync(join(landing, 'erp', 'order_lines_next_day.csv'), { force: true });
const manifest = JSON.parse(readFileSync(join(landing, 'manifest.json'), 'utf8')) as Manifest;
const generatedRows = Object.entries(manifest.files).filter(([f]) => !f.startsWith('truth/')).reduce((a, [, n]) => a + n, 0);
const orderLines = Object.entries(manifest.files).filter(([f]) => f.startsWith('erp/order_lines')).reduce((a, [, n]) => a + n, 0);

const { models: definitions, assets } = await loadDefinitions(paths);
const warehouseRun = async (label: string): Promise<RunSummary> => {
  const started = performance.now();
  const summary = await runPipeline({ paths, assets, exclude: 'kind:publish', log: (line) => console.error(line) });
  if (summary.status !== 'success') throw new Error(`bench: ${label} failed: ${summary.assets.filter((a) => a.status !== 'success').map((a) => a.error).join('; ')}`);
  return { ...summary, seconds: (performance.now() - started) / 1000 };
};

// 1. Everything from nothing.
const full = await warehouseRun('full run');
const isModel = (key: string) => /^(staging|intermediate|marts)\./.test(key);
type Outcome = RunSummary['assets'][number];
const sum = (list: Outcome[], f: (a: Outcome) => number) => list.reduce((s, a) => s + f(a), 0);
const loads = full.assets.filter((a) => a.key.startsWith('raw.'));
const models = full.assets.filter((a) => isModel(a.key));
const clvAsset = full.assets.find((a) => a.key === 'analytics.customer_clv');
stage('load (read, validate, quarantine, upsert)', sum(loads, (a) => a.seconds), sum(loads, (a) => a.metrics?.['rowsRead'] ?? 0));
stage('models: build', sum(models, (a) => a.metrics?.['buildSeconds'] ?? 0), sum(models, (a) => a.rows ?? 0));
stage('models: tests', sum(models, (a) => a.metrics?.['testSeconds'] ?? 0));
stage('analytics: CLV fit, scoring and backtest', clvAsset?.seconds ?? 0, clvAsset?.rows);
stage('working copy of the warehouse (first run: nothing to copy)', full.copySeconds);
stage('warehouse end to end (clm run --exclude kind:publish)', full.seconds, generatedRows);
const peakWarehouse = mib();
const slowest = [...full.assets].sort((a, b) => b.seconds - a.seconds).slice(0, 8);

// 2. One more day of orders: the last day's orders and lines again, a day later, with new ids.
const day = await withWarehouse(':memory:', async (w) => {
  const erp = join(landing, 'erp');
  const orders = `read_csv(${literal(join(erp, 'orders_*.csv'))}, all_varchar = true, header = true)`;
  const lastDay = await w.readScalar<string>(`select max(left(ordered_at, 10)) from ${orders} where regexp_matches(ordered_at, '^\\d{4}-\\d{2}-\\d{2} ')`);
  const iso = (column: string) => `strftime(${column}::timestamp + interval 1 day, '%Y-%m-%d %H:%M:%S')`;
  await w.run(`create table next_orders as
    select 'N' || order_id as order_id, erp_customer_id, ${iso('ordered_at')} as ordered_at, channel, status, ${iso('updated_at')} as updated_at
    from ${orders} where left(ordered_at, 10) = ${literal(lastDay)} and regexp_matches(updated_at, '^\\d{4}-\\d{2}-\\d{2} ')`);
  await w.run(`copy next_orders to ${literal(join(erp, 'orders_next_day.csv'))} (header)`);
  await w.run(`copy (
      select 'N' || l.order_line_id as order_line_id, 'N' || l.order_id as order_id, l.product_id, l.quantity, l.unit_price_cny, l.discount_cny
      from read_csv(${literal(join(erp, 'order_lines_*.csv'))}, all_varchar = true, header = true) as l
      where 'N' || l.order_id in (select order_id from next_orders)
  ) to ${literal(join(erp, 'order_lines_next_day.csv'))} (header)`);
  return { orders: await w.readScalar<number>('select count(*) from next_orders'), day: lastDay };
});
const incremental = await warehouseRun('incremental run');
const rebuilt = incremental.assets.filter((a) => (isModel(a.key) || a.key.startsWith('analytics.')) && !a.unchanged).length;
stage(`incremental run: one more day of orders (${fmt(day.orders)} orders, ${rebuilt} models rebuilt)`, incremental.seconds);
stage('  of which the working copy of the warehouse', incremental.copySeconds);
const peakIncremental = mib();

// 3. The report site.
let site: RunSummary['assets'][number] | undefined;
let siteAgain: RunSummary['assets'][number] | undefined;
let visits: PageVisit[] = [];
if (!values['no-site']) {
  const published = await runPipeline({ paths, assets, selection: 'kind:publish', log: (line) => console.error(line) });
  site = published.assets.find((a) => a.key === 'reports.site');
  stage('reports: export Arrow + Evidence build (pages compiled)', site?.seconds ?? 0, site?.rows);
  // The nightly case: same pages, new data. The compiled pages of the first build are prerendered again.
  const again = await runPipeline({ paths, assets, selection: 'kind:publish', log: (line) => console.error(line) });
  siteAgain = again.assets.find((a) => a.key === 'reports.site');
  stage('reports: export Arrow + prerender with the compiled pages reused', siteAgain?.seconds ?? 0, siteAgain?.rows);
  const [latest] = await withWarehouse(paths.warehouse, async (w) => {
    await createMacros(w);
    return w.readAll<{ month: string; top: string }>(`select (select max(month_key) from marts.monthly_retention) as month, (select profile_link(customer_id, report_shards((select count(*) from marts.customers))) from marts.customers order by revenue desc, customer_id limit 1) as top`);
  });
  visits = await visitPages(join(paths.reports, 'build'), ['/', `/retention/${latest!.month}/`, '/cohorts/', '/segments/', '/lifecycle/', '/clv/', '/churn/', '/journey/', '/customers/', '/health/', latest!.top]);
}

// 4. Overhead, like for like: a models-only run that rebuilds every model, then the same SQL
// straight into DuckDB (no runner, no records, no tests), both from the same warehouse file.
t = performance.now();
const modelRun = await runPipeline({ paths, assets, selection: 'kind:model', fullRefresh: true, log: () => {} });
const modelRunSeconds = (performance.now() - t) / 1000;
const pipelineModels = sum(modelRun.assets.filter((a) => isModel(a.key)), (a) => a.seconds - (a.metrics?.['testSeconds'] ?? 0));
stage('models-only run (clm run --select kind:model --full-refresh)', modelRunSeconds);
const order = assets.filter((a) => a.kind === 'model').map((a) => definitions.find((m) => m.key === a.key)!);
const direct = await withWarehouse(paths.warehouse, async (w) => {
  for (const schema of ['staging', 'intermediate', 'marts']) await w.run(`drop schema ${schema} cascade`);
  for (const schema of ['staging', 'intermediate', 'marts']) await w.run(`create schema ${schema}`);
  await applySettings(w, paths.settings);
  const start = performance.now();
  for (const model of order) {
    // Generated models (the contract's unions) write their SQL from what their providers hold.
    const sql = model.compile ? await model.compile(w) : model.sql;
    await w.run(`create ${model.layer === 'staging' ? 'view' : 'table'} ${model.key} as ${sql}`);
  }
  return (performance.now() - start) / 1000;
}, { memoryLimit: paths.settings.duckdb.memoryLimit });
stage('models: same SQL run directly in DuckDB', direct);

// 5. The physical reference: DuckDB alone reading the same text files with the declared types.
const physical = await physicalReference(paths);
stage('reference: DuckDB read_csv / read_json of the same files, explicit types', physical.seconds, physical.rows);

// 6. CLV at a million customers: BG/NBD data simulated with known parameters, grouped, fitted, scored.
const clvCustomers = Number(values['clv-customers']);
const simulated = simulateBgNbd(new Random(7), clvCustomers, { r: 0.6, alpha: 6, a: 0.9, b: 3.5 });
t = performance.now();
const groups = FrequencyTable.grouped(simulated);
const clvFit = fitBgNbd(groups);
const fitSeconds = (performance.now() - t) / 1000;
t = performance.now();
scoreGroups(clvFit.params, groups);
const scoreSeconds = (performance.now() - t) / 1000;
stage(`CLV: BG/NBD fit on ${fmt(clvCustomers)} simulated customers (${fmt(groups.length)} distinct rows)`, fitSeconds, clvCustomers);
stage(`CLV: scoring ${fmt(clvCustomers)} customers (12 months, discounted)`, scoreSeconds, clvCustomers);

const atTargetScale = customers >= 1_000_000;
const targets: Record<string, string>[] = [];
const target = (figure: string, measured: string, wanted: string, met: boolean, scaled = true) =>
  targets.push({ figure, measured, target: wanted, met: scaled && !atTargetScale ? `(target is for 1 M)` : met ? 'yes' : 'NO' });
target('warehouse end to end', `${full.seconds.toFixed(0)} s`, '≤ 150 s at 1 M customers', full.seconds <= 150);
target('peak memory (max RSS, warehouse runs)', `${fmt(peakIncremental)} MiB`, `≤ 4,096 MiB (DuckDB memory_limit ${paths.settings.duckdb.memoryLimit})`, peakIncremental <= 4096, false);
target('incremental run / full run', `${((100 * incremental.seconds) / full.seconds).toFixed(1)} %`, '≤ 10 %', incremental.seconds <= 0.1 * full.seconds);
target('working copy / incremental run', `${((100 * incremental.copySeconds) / incremental.seconds).toFixed(1)} %`, 'a small share', incremental.copySeconds <= 0.1 * incremental.seconds, false);
target(`CLV fit + scoring, ${fmt(clvCustomers)} simulated customers`, `${(fitSeconds + scoreSeconds).toFixed(2)} s`, '≤ 2 s', fitSeconds + scoreSeconds <= 2, false);
target('CLV asset in the run', `${(clvAsset?.seconds ?? 0).toFixed(1)} s`, '≤ 5 s at 1 M customers', (clvAsset?.seconds ?? 0) <= 5);
target('models in a run / same SQL direct', `${(pipelineModels / direct).toFixed(2)}×`, '≤ 1.05×', pipelineModels / direct <= 1.05, false);
target('load / DuckDB reading the same files', `${(sum(loads, (a) => a.seconds) / physical.seconds).toFixed(1)}×`, 'the physical reference', true, false);

console.log(`\n${fmt(customers)} customers · ${fmt(orderLines)} order lines · ${fmt(generatedRows)} extract rows\n`);
console.log(formatTable(stages));
console.log('\nslowest assets of the full run:');
console.log(formatTable(slowest.map((a) => ({ asset: a.key, seconds: a.seconds.toFixed(2), rows: a.rows === undefined ? '' : fmt(a.rows) }))));
console.log('\ntargets:');
console.log(formatTable(targets));
console.log(`\npeak memory: ${fmt(peakWarehouse)} MiB after the full run, ${fmt(peakIncremental)} MiB after the incremental one, ${fmt(mib())} MiB at the end (site export and CLV simulation included)`);
if (site?.metrics) {
  const m = site.metrics;
  console.log(`report site: built in ${(m['buildSeconds'] ?? 0).toFixed(1)}s (again with the compiled pages: ${(siteAgain?.metrics?.['buildSeconds'] ?? 0).toFixed(1)}s), ${fmt(m['sitePages'] ?? 0)} pages, ${fmt((m['siteBytes'] ?? 0) / 1024 / 1024)} MiB (of which data ${fmt((m['dataBytes'] ?? 0) / 1024 / 1024)} MiB of Arrow)`);
  console.log('\npages opened in Chromium from clm serve (first visit with an empty cache, then again):');
  console.log(formatTable(visits.map((v) => ({ page: v.path, 'first visit MB': (v.firstBytes / 1e6).toFixed(2), 'drawn s': v.firstDrawnSeconds.toFixed(2), 'live s': v.firstLiveSeconds.toFixed(2), 'again MB': (v.repeatBytes / 1e6).toFixed(3), 'again drawn s': v.repeatDrawnSeconds.toFixed(2) }))));
}
writeFileSync(
  join(dir, 'results.json'),
  JSON.stringify({ customers, orderLines, generatedRows, stages, targets, slowest, full: full.seconds, incremental: incremental.seconds, copy: { full: full.copySeconds, incremental: incremental.copySeconds }, pipelineModels, direct, physical, peakMiB: { warehouse: peakWarehouse, incremental: peakIncremental, end: mib() }, clv: { fitSeconds, scoreSeconds, asset: clvAsset?.seconds }, site: site?.metrics, siteAgain: siteAgain?.metrics, visits }, null, 2),
);

/** DuckDB reading every CSV and NDJSON table's files with their declared types: the floor a load can approach. */
async function physicalReference(project: Project): Promise<{ seconds: number; rows: number }> {
  const sources = await discoverSources(project.sources);
  return withWarehouse(':memory:', async (w) => {
    let rows = 0;
    const started = performance.now();
    for (const source of sources) {
      for (const table of source.tables) {
        if (table.format === 'parquet') continue;
        const glob = literal(join(sourceFolder(project.landing, source), table.files));
        const types = Object.entries(table.columns).map(([name, raw]) => {
          const spec = columnSpec(raw);
          return `${literal(spec.from ?? name)}: ${literal(spec.formats ? 'VARCHAR' : spec.type)}`;
        });
        const reader = table.format === 'csv'
          ? `read_csv(${glob}, header = true, types = {${types.join(', ')}}, ignore_errors = true, union_by_name = true)`
          : `read_json(${glob}, format = 'newline_delimited', columns = {${types.join(', ')}}, ignore_errors = true)`;
        const found = await w.readScalar<number>(`select count(*) from glob(${glob})`);
        if (Number(found) === 0) continue;
        await w.run(`create or replace table t as select * from ${reader}`);
        rows += Number(await w.readScalar<number>('select count(*) from t'));
      }
    }
    return { seconds: (performance.now() - started) / 1000, rows };
  }, { memoryLimit: project.settings.duckdb.memoryLimit });
}
