import { spawn } from 'node:child_process';
import { constants, createReadStream, createWriteStream, existsSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { literal, type Warehouse } from '../warehouse/connection.js';
import { ClmError } from '../errors.js';
import { DEFAULT_SETTINGS, type Settings } from '../config.js';
import { writeArrowFile } from './arrow-file.js';
import { labelRows } from './labels.js';
import { REPORT_CUSTOMERS_SQL, REPORT_TABLES } from './report-tables.js';
import { NOT_COPIED } from './reports-copy.js';

/** The Evidence source name the report tables appear under (`select * from clm.customers`). */
export const REPORT_SOURCE = 'clm';

export interface ExportResult {
  tables: number;
  rows: number;
  bytes: number;
}

/**
 * Writes every report table as Arrow IPC where Evidence's build looks for its data
 * (`.evidence/template/static/data/clm/<table>/<table>.arrow`), with the manifest that lists them
 * and the list of pages to prerender. `evidence sources` is never run: it would need the network.
 */
export async function exportReportData(warehouse: Warehouse, reportsDir: string, settings: Settings, runId = ''): Promise<ExportResult> {
  const dataDir = join(reportsDir, '.evidence', 'template', 'static', 'data');
  await rm(join(dataDir, REPORT_SOURCE), { recursive: true, force: true });
  await createLabelMacros(warehouse, settings);
  await warehouse.run(`set variable clm_run_id = ${literal(runId)}`);
  await warehouse.run(`set variable clm_freshness_sla_hours = ${Number(settings.freshnessSlaHours)}::double`);
  const shards = await warehouse.readScalar<number>('select report_shards(count(*)) from marts.customers');
  await warehouse.run(`set variable clm_report_shards = ${Number(shards)}`);
  await warehouse.run(`create or replace temp macro shard_of(customer_id) as report_shard(customer_id, getvariable('clm_report_shards'))`);
  await warehouse.run(`create or replace temp macro profile_page(customer_id) as profile_link(customer_id, getvariable('clm_report_shards'))`);
  await warehouse.run(`create or replace temp table report_customers as ${REPORT_CUSTOMERS_SQL}`);
  const width = Math.max(2, String(Number(shards) - 1).length);
  const files: string[] = [];
  let rows = 0;
  let bytes = 0;
  const write = async (name: string, sql: string) => {
    const dir = join(dataDir, REPORT_SOURCE, name);
    await mkdir(dir, { recursive: true });
    const written = await writeArrowFile(warehouse, sql, join(dir, `${name}.arrow`));
    rows += written.rows;
    bytes += written.bytes;
    files.push(`static/data/${REPORT_SOURCE}/${name}/${name}.arrow`);
  };
  for (const table of REPORT_TABLES) {
    if (!('sharded' in table)) {
      await write(table.name, table.sql);
      continue;
    }
    // One pass over the source, sorted by shard, then one small read per shard.
    await warehouse.run(`create or replace temp table report_sharded as select * from (${table.sql}) order by _shard`);
    for (let shard = 0; shard < Number(shards); shard++) {
      await write(`${table.name}_s${String(shard).padStart(width, '0')}`, `select * exclude (_shard) from report_sharded where _shard = ${shard}`);
    }
    await warehouse.run('drop table report_sharded');
  }
  await writeFile(join(dataDir, 'manifest.json'), JSON.stringify({ renderedFiles: { [REPORT_SOURCE]: files } }));

  const months = await warehouse.readAll<{ month_key: string }>('select month_key from marts.monthly_retention order by month');
  const customers = await warehouse.readAll<{ page: string }>(
    `select profile_page(customer_id) as page
     from marts.customers order by revenue desc, customer_id limit $1`,
    [settings.reports.prerenderCustomers],
  );
  // Drill-down pages for every segment, stage and risk band, and the newest cohort; other cohorts
  // render in the browser like the profiles.
  const groups = await warehouse.readAll<{ page: string }>(
    `select distinct '/customers-in/segment/' || slug(segment) || '/' as page from marts.customer_rfm where is_latest
     union select distinct '/customers-in/stage/' || slug(stage) || '/' from marts.customer_lifecycle
     union select distinct '/customers-in/risk/' || slug(risk_band) || '/' from marts.customer_churn_risk
     union select '/customers-in/cohort/' || strftime(max(cohort_month), '%Y-%m') || '/' from marts.customers having count(cohort_month) > 0
     union select '/customers-in/cohort/none/'
     order by page`,
  );
  // SvelteKit fails a build when a templated route has no page to prerender: with no months or no
  // profiles to build ahead, the route's "no such …" page stands in.
  const monthPages = months.length > 0 ? months.map((m) => `/retention/${m.month_key}/`) : ['/retention/none/'];
  const profilePages = customers.length > 0 ? customers.map((c) => c.page) : ['/customers/00/none/'];
  const entries = ['*', ...monthPages, ...profilePages, ...groups.map((g) => g.page)];
  await writeFile(join(reportsDir, '.evidence', 'prerender.json'), JSON.stringify({ entries }, null, 2));
  await writeMoneyFormats(reportsDir, settings);
  return { tables: files.length, rows, bytes };
}

/**
 * What the report tables call codes and months, in the configured locale: `label('stage',
 * 'at_risk')` is "At risk" or "风险客户", `label_sort` its place in the usual order, and
 * `month_label(date)` "Oct 2026" or "2026年10月". Temporary: they exist for the export only.
 */
async function createLabelMacros(warehouse: Warehouse, settings: Settings): Promise<void> {
  const rows = labelRows(settings).map((row) => `(${literal(row.kind)}, ${literal(row.code)}, ${literal(row.label)}, ${row.sort})`);
  await warehouse.run(`create or replace temp table report_labels(kind varchar, code varchar, label varchar, sort integer)`);
  await warehouse.run(`insert into report_labels values ${rows.join(', ')}`);
  await warehouse.run(`create or replace temp macro label(label_kind, label_code) as coalesce(
      (select any_value(l.label) from report_labels as l where l.kind = label_kind and l.code = label_code),
      upper(left(replace(label_code, '_', ' '), 1)) || substr(replace(label_code, '_', ' '), 2))`);
  await warehouse.run(`create or replace temp macro label_sort(label_kind, label_code) as coalesce(
      (select any_value(l.sort) from report_labels as l where l.kind = label_kind and l.code = label_code), 999)`);
  // Codes in drill-down addresses (/customers-in/segment/can-t-lose-them/): letters and digits of
  // any script, the rest as '-', so an address never needs quoting in the page's SQL.
  await warehouse.run(`create or replace temp macro slug(code) as regexp_replace(lower(code), '[^\\p{L}\\p{N}]+', '-', 'g')`);
  const month = settings.locale === 'zh-CN' ? `strftime(month_date, '%Y年') || month(month_date) || '月'` : `strftime(month_date, '%b %Y')`;
  await warehouse.run(`create or replace temp macro month_label(month_date) as ${month}`);
}

/**
 * The project currency as Evidence custom formats, so pages say `fmt=money` and never name a
 * currency: `money` (¥3,280), `money2` (with cents), `money_short` (¥13.5万 / ¥1.23亿, or $12.5K /
 * $1.2M) for tiles, axes and tables, and `money_delta`. Excel-style codes cannot divide by 10^4, so
 * for zh-CN `money_short` carries `cjkUnits` (the symbol), which the patched Evidence formatter
 * (reports/patches/@evidence-dev+component-utilities…) writes in 万 and 亿.
 * Evidence reads them from `.evidence/customization/custom-formatting.json` at build time.
 */
export async function writeMoneyFormats(reportsDir: string, settings: Settings): Promise<void> {
  const bare = settings.currency.symbol.replace(/"/g, '');
  const symbol = `"${bare}"`;
  const chinese = settings.locale === 'zh-CN';
  const customFormats = [
    { formatTag: 'money', formatCode: `${symbol}#,##0` },
    { formatTag: 'money2', formatCode: `${symbol}#,##0.00` },
    chinese
      ? { formatTag: 'money_short', formatCode: `${symbol}#,##0`, cjkUnits: bare }
      : { formatTag: 'money_short', formatCode: `[>=1000000]${symbol}0.0,,"M";[>=1000]${symbol}0.0,"K";${symbol}#,##0` },
    { formatTag: 'money_delta', formatCode: `+${symbol}#,##0;-${symbol}#,##0;0` },
  ];
  const dir = join(reportsDir, '.evidence', 'customization');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'custom-formatting.json'), JSON.stringify({ version: '1.0', customFormats }, null, 2));
}

export interface BuildResult {
  seconds: number;
  bytes: number;
  files: number;
  pages: number;
  /** `compiled` when Vite compiled the pages; `reused` when an earlier build's compiled pages were prerendered again. */
  compile: 'compiled' | 'reused';
}

export interface BuildOptions {
  /** The site's name in its header, compiled into the pages. */
  title?: string;
  /** Where the full output goes (`build.log` in the project unless told). */
  logFile?: string;
  /**
   * A build copy of the project from an earlier build. When its pages, settings and packages are
   * those of this build, its compiled pages are reused and only prerendered again with the new
   * data: the Vite compilation, about two thirds of a build, does not depend on the data.
   */
  reuseFrom?: string;
}

/**
 * Builds the Evidence site into `<reportsDir>/build/` with no network: telemetry off, data from
 * {@link exportReportData}. Progress lines go to `log`. The publish asset calls it on a copy of
 * the project and puts the result live only when done.
 */
export async function buildSite(reportsDir: string, log: (line: string) => void, options: BuildOptions = {}): Promise<BuildResult> {
  const { title = DEFAULT_SETTINGS.reports.title, logFile = join(reportsDir, 'build.log'), reuseFrom } = options;
  const cli = join(reportsDir, 'node_modules', '@evidence-dev', 'evidence', 'cli.js');
  if (!existsSync(cli)) throw new ClmError(`Evidence is not installed in ${reportsDir}: run npm install in the project root`);
  const started = performance.now();
  // Evidence copies its output over reports/build without clearing it first.
  await rm(join(reportsDir, 'build'), { recursive: true, force: true });
  const output = createWriteStream(logFile);
  const env = { ...process.env, NODE_ENV: 'production', SEND_ANONYMOUS_USAGE_STATS: 'no', NODE_OPTIONS: '--max-old-space-size=4096 --max-semi-space-size=64', VITE_CLM_TITLE: title };
  const key = await compileKey(reportsDir, title);
  let compile: BuildResult['compile'] = 'compiled';
  try {
    if (reuseFrom !== undefined && (await readCompileKey(reuseFrom)) === key) {
      try {
        await prerenderAgain(reportsDir, reuseFrom, env, log, output);
        compile = 'reused';
      } catch (error) {
        log(`    the earlier build's compiled pages could not be reused (${(error as Error).message}); compiling them`);
      }
    }
    if (compile === 'compiled') {
      // Evidence's build compiles the pages (CLM_PRERENDER=none: SvelteKit skips its prerender,
      // reports/patches/@sveltejs+kit…); they are prerendered below, on every core.
      const code = await runLogged(process.execPath, [cli, 'build'], reportsDir, { ...env, CLM_PRERENDER: 'none' }, log, output);
      if (code !== 0) throw new ClmError(`Report build failed (exit ${code}); see ${logFile}`);
      log(`    evidence: pages compiled in ${((performance.now() - started) / 1000).toFixed(1)}s`);
      await prerender(reportsDir, env, log, output);
    }
  } finally {
    output.end();
  }
  await writeFile(compileKeyFile(reportsDir), key);
  await slimSite(join(reportsDir, 'build'), reuseFrom === undefined ? undefined : join(reuseFrom, 'build'));
  const size = await directorySize(join(reportsDir, 'build'));
  return { seconds: (performance.now() - started) / 1000, ...size, compile };
}

/** Runs a build command, writing its output to `output` and the lines worth seeing to `log`. */
async function runLogged(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, log: (line: string) => void, output: NodeJS.WritableStream): Promise<number | null> {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      output.write(`${line}\n`);
      if (/error|failed|Prerendered \d+ pages|^\s*- \//i.test(line)) log(`    evidence: ${line.trim()}`);
    });
  }
  return new Promise<number | null>((resolve) => child.on('close', resolve));
}

/**
 * Takes the compiled pages of the build copy `earlier` (its `.evidence/template`, without its
 * data and site) and prerenders them with this copy's data.
 */
async function prerenderAgain(reportsDir: string, earlier: string, env: NodeJS.ProcessEnv, log: (line: string) => void, output: NodeJS.WritableStream): Promise<void> {
  const from = join(earlier, '.evidence', 'template');
  const skipped = new Set([join(from, 'build'), join(from, 'static', 'data')]);
  await cp(from, join(reportsDir, '.evidence', 'template'), { recursive: true, filter: (source) => !skipped.has(source), mode: constants.COPYFILE_FICLONE });
  await prerender(reportsDir, env, log, output);
}

/** Prerenders the compiled pages in `.evidence/template` with its data (reports/prerender-again.js) into `build/`. */
async function prerender(reportsDir: string, env: NodeJS.ProcessEnv, log: (line: string) => void, output: NodeJS.WritableStream): Promise<void> {
  const template = join(reportsDir, '.evidence', 'template');
  const evidenceEnv = { ...env, EVIDENCE_DATA_URL_PREFIX: 'static/data', EVIDENCE_DATA_DIR: './static/data', EVIDENCE_IS_BUILDING: 'true' };
  const code = await runLogged(process.execPath, [join(reportsDir, 'prerender-again.js')], template, evidenceEnv, log, output);
  if (code !== 0) throw new ClmError(`prerendering exited with ${code}`);
  await rm(join(reportsDir, 'build'), { recursive: true, force: true });
  await rename(join(template, 'build'), join(reportsDir, 'build'));
}

/**
 * What the compiled pages depend on: the project's files (pages, configuration, lockfile,
 * patches), the number formats and the title. Not the data nor the list of pages to prerender.
 */
async function compileKey(reportsDir: string, title: string): Promise<string> {
  const hash = createHash('sha256').update(`title\0${title}\0`);
  const files: string[] = [];
  const tops = (await readdir(reportsDir)).filter((entry) => !NOT_COPIED.has(entry)).map((entry) => join(reportsDir, entry));
  for (const top of [...tops, join(reportsDir, '.evidence', 'customization')]) {
    if (!existsSync(top)) continue;
    if ((await stat(top)).isFile()) files.push(top);
    else for (const entry of await readdir(top, { recursive: true, withFileTypes: true })) if (entry.isFile()) files.push(join(entry.parentPath, entry.name));
  }
  for (const file of files.sort()) hash.update(`${relative(reportsDir, file)}\0`).update(await readFile(file)).update('\0');
  return hash.digest('hex');
}

const compileKeyFile = (reportsDir: string): string => join(reportsDir, '.evidence', 'compile-key');

async function readCompileKey(reportsDir: string): Promise<string | undefined> {
  const template = join(reportsDir, '.evidence', 'template', '.svelte-kit', 'output');
  if (!existsSync(template)) return undefined;
  return readFile(compileKeyFile(reportsDir), 'utf8').catch(() => undefined);
}

/**
 * Takes out of the site what no supported browser fetches, and stores its big files compressed.
 * The site supports the browsers that run DuckDB-Wasm's `eh` build (WebAssembly exceptions:
 * Chrome/Edge 95+, Firefox 100+, Safari 15.2+; the `mvp` build for older ones, 39 MB, is not
 * even compiled: reports/patches/@evidence-dev+universal-sql…), so:
 * - the `.woff` fonts go: every one of those browsers takes the `.woff2` listed first;
 * - every script, style sheet and WebAssembly file of 64 KiB or more under `_app/immutable/` is
 *   stored gzipped only (`X.js.gz` for `X.js`: the `eh` WebAssembly 34 MB → about 8 MB, the
 *   components 4.8 MB → about 1.2 MB). A server sends it with `Content-Encoding: gzip`, as
 *   `clm serve` does (nginx: `gzip_static always;`). Those files are named by their content's
 *   hash, so one an earlier site (`previous`) holds already compressed is taken from it (DuckDB-Wasm
 *   alone: about a second of every build).
 */
async function slimSite(buildDir: string, previous?: string): Promise<void> {
  const immutable = join(buildDir, '_app', 'immutable');
  if (!existsSync(immutable)) return;
  const compressions: Promise<void>[] = [];
  for (const entry of await readdir(immutable, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    if (entry.name.endsWith('.woff')) {
      await rm(file);
    } else if (/\.(js|css|wasm)$/.test(entry.name) && (await stat(file)).size >= 64 * 1024) {
      const compressed = previous === undefined ? undefined : join(previous, `${relative(buildDir, file)}.gz`);
      compressions.push(compressed !== undefined && existsSync(compressed) ? reuseCompressed(compressed, file) : gzipInPlace(file));
    }
  }
  // zlib runs on libuv's thread pool: the files are compressed side by side.
  await Promise.all(compressions);
}

/** Replaces `file` by a copy of `compressed`, the same content gzipped by an earlier build. */
async function reuseCompressed(compressed: string, file: string): Promise<void> {
  await cp(compressed, `${file}.gz`, { mode: constants.COPYFILE_FICLONE });
  await rm(file);
}

/**
 * Replaces `file` by `file.gz`. Level 6 for WebAssembly: on DuckDB-Wasm's 34 MB, level 9 takes
 * twice as long (3.1 against 1.4 s) to save 0.9 % (8.69 against 8.77 MB).
 */
async function gzipInPlace(file: string): Promise<void> {
  await pipeline(createReadStream(file), createGzip({ level: file.endsWith('.wasm') ? 6 : 9 }), createWriteStream(`${file}.gz`));
  await rm(file);
}

async function directorySize(dir: string): Promise<{ bytes: number; files: number; pages: number }> {
  let bytes = 0;
  let files = 0;
  let pages = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    files += 1;
    if (entry.name === 'index.html') pages += 1;
    bytes += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return { bytes, files, pages };
}
