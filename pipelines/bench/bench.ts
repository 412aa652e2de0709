/**
 * `npm run bench -- --customers N [--clv-customers M]`: generates N customers' extracts, loads
 * them, builds every model and the report site, then runs the same model SQL directly in DuckDB so
 * the pipeline's own overhead shows as a ratio; last, fits and scores CLV on M (default a million)
 * simulated customers. Prints each stage's time, rows per second and the peak memory.
 */
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProject } from '../config.js';
import type { Manifest } from '../generate/generate.js';
import { copyReportsProject } from '../publish/reports-copy.js';
import { Random } from '../generate/random.js';
import { fitBgNbd } from '../analytics/clv/bg-nbd.js';
import { scoreGroups } from '../analytics/clv/score.js';
import { groupFrequencies, simulateBgNbd } from '../analytics/clv/simulate.js';
import { runPipeline } from '../orchestration/runner.js';
import { loadDefinitions } from '../definitions.js';
import { applySettings } from '../warehouse/macros.js';
import { withWarehouse } from '../warehouse/connection.js';
import { formatTable } from '../cli-format.js';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '100000' },
    'clv-customers': { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '1' },
    dir: { type: 'string', default: '.bench' },
  },
});
const customers = Number(values.customers);
const root = loadProject().root;
const dir = join(root, values.dir);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
// The site is built in a copy of reports/, so the benchmark leaves the project's own site alone.
const paths = loadProject({ warehouse: join(dir, 'warehouse.duckdb'), landing: join(dir, 'landing'), reports: copyReportsProject(loadProject().reports, join(dir, 'reports')) });
const rows: Record<string, string>[] = [];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const stage = (name: string, seconds: number, count?: number, unit = 'rows') =>
  rows.push({ stage: name, seconds: seconds.toFixed(2), [unit === 'rows' ? 'rows' : 'rows']: count === undefined ? '' : fmt(count), 'rows/s': count === undefined ? '' : fmt(count / seconds) });

console.error(`bench: ${fmt(customers)} customers in ${dir}`);
let t = performance.now();
// Generated in a child process, so the peak memory below is the pipeline's alone.
const generated = spawnSync(process.execPath, [join(root, 'bin', 'clm.js'), 'generate', '--customers', String(customers), '--seed', String(values.seed), '--out', paths.landing], { stdio: 'inherit' });
if (generated.status !== 0) throw new Error('bench: clm generate failed');
const manifest = JSON.parse(readFileSync(join(paths.landing, 'manifest.json'), 'utf8')) as Manifest;
const generatedRows = Object.entries(manifest.files).filter(([f]) => !f.startsWith('truth/')).reduce((a, [, n]) => a + n, 0);
stage('generate extracts (not part of the pipeline)', (performance.now() - t) / 1000, generatedRows);
const orderLines = Object.entries(manifest.files).filter(([f]) => f.startsWith('erp/order_lines')).reduce((a, [, n]) => a + n, 0);

t = performance.now();
const { models: definitions, assets } = await loadDefinitions(paths);
const summary = await runPipeline({ paths, assets, log: (line) => console.error(line) });
const pipelineSeconds = (performance.now() - t) / 1000;
if (summary.status !== 'success') throw new Error(`bench run failed: ${summary.assets.filter((a) => a.status !== 'success').map((a) => a.error).join('; ')}`);
const loads = summary.assets.filter((a) => a.key.startsWith('raw.'));
const isModel = (key: string) => /^(staging|intermediate|marts)\./.test(key);
const models = summary.assets.filter((a) => isModel(a.key));
const clvAsset = summary.assets.find((a) => a.key === 'analytics.customer_clv');
const sum = (list: typeof loads, f: (a: (typeof loads)[number]) => number) => list.reduce((s, a) => s + f(a), 0);
stage('load (read, validate, quarantine, upsert)', sum(loads, (a) => a.seconds), sum(loads, (a) => a.metrics?.['rowsRead'] ?? 0));
stage('models: build', sum(models, (a) => a.metrics?.['buildSeconds'] ?? 0), sum(models, (a) => a.rows ?? 0));
stage('models: tests', sum(models, (a) => a.metrics?.['testSeconds'] ?? 0));
const site = summary.assets.find((a) => a.key === 'reports.site');
stage('analytics: CLV fit, scoring and backtest', clvAsset?.seconds ?? 0, clvAsset?.rows);
stage('warehouse end to end (clm run without the site)', pipelineSeconds - (site?.seconds ?? 0), generatedRows);
stage('reports: export Arrow + Evidence build', site?.seconds ?? 0, site?.rows);
stage('pipeline end to end (clm run)', pipelineSeconds, generatedRows);

// Overhead, like for like: a models-only run, then the same SQL straight into DuckDB (no runner,
// no records, no tests), both starting from the same checkpointed warehouse file.
t = performance.now();
const modelRun = await runPipeline({ paths, assets, selection: 'kind:model', log: () => {} });
const modelRunSeconds = (performance.now() - t) / 1000;
const pipelineModels = sum(modelRun.assets.filter((a) => isModel(a.key)), (a) => a.seconds - (a.metrics?.['testSeconds'] ?? 0));
stage('models-only run (clm run --select kind:model)', modelRunSeconds);

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
});
stage('models: same SQL run directly in DuckDB', direct);
// Peak memory of the pipeline (the Evidence build runs in a child process and is not counted).
const peakMiB = process.resourceUsage().maxRSS / 1024;

// CLV at a million customers: BG/NBD data simulated with known parameters, grouped, fitted, scored.
const clvCustomers = Number(values['clv-customers']);
const simulated = simulateBgNbd(new Random(7), clvCustomers, { r: 0.6, alpha: 6, a: 0.9, b: 3.5 });
t = performance.now();
const groups = groupFrequencies(simulated);
const clvFit = fitBgNbd(groups);
const fitSeconds = (performance.now() - t) / 1000;
t = performance.now();
scoreGroups(clvFit.params, groups);
const scoreSeconds = (performance.now() - t) / 1000;
stage(`CLV: BG/NBD fit on ${fmt(clvCustomers)} simulated customers (${fmt(groups.length)} distinct rows)`, fitSeconds, clvCustomers);
stage(`CLV: scoring ${fmt(clvCustomers)} customers (12 months, discounted)`, scoreSeconds, clvCustomers);

console.log(`\n${fmt(customers)} customers · ${fmt(orderLines)} order lines · ${fmt(generatedRows)} extract rows\n`);
console.log(formatTable(rows));
console.log(`\nmodel overhead: models in a clm run ${pipelineModels.toFixed(2)}s (build, row counts, records, commits; tests excluded) vs the same SQL direct ${direct.toFixed(2)}s = ${(pipelineModels / direct).toFixed(2)}×`);
console.log(`peak memory of the pipeline (max RSS before the CLV simulation): ${fmt(peakMiB)} MiB`);
if (site?.metrics) {
  const m = site.metrics;
  console.log(`report site: built in ${(m['buildSeconds'] ?? 0).toFixed(1)}s, ${fmt(m['sitePages'] ?? 0)} pages, ${fmt((m['siteBytes'] ?? 0) / 1024 / 1024)} MiB (of which data ${fmt((m['dataBytes'] ?? 0) / 1024 / 1024)} MiB of Arrow)`);
}
writeFileSync(join(dir, 'results.json'), JSON.stringify({ customers, orderLines, generatedRows, stages: rows, pipelineModels, direct, peakMiB, site: site?.metrics }, null, 2));
