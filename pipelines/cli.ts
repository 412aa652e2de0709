import { parseArgs, type ParseArgsConfig } from 'node:util';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { loadProject, type Project } from './config.js';
import { ClmError, UsageError, errorMessage } from './errors.js';
import { formatTable } from './cli-format.js';

const HELP = `clm — customer-lifecycle warehouse

Usage: clm <command> [options]

Commands:
  run [--select SEL] [--exclude SEL] [--full-refresh] [--wait SECONDS]
        Load new extracts, build the models, run their tests.
        SEL: key, key+ (and downstream), +key (and upstream), group:NAME, tag:NAME, kind:KIND
  generate --customers N [--seed S] --out DIR [--end YYYY-MM-DD] [--years Y]
        Write realistic, seeded CRM and ERP extracts (and the true parameters) to DIR.
  backfill --from YYYY-MM --to YYYY-MM [--select SEL]
        Materialise the monthly-partitioned assets (default: tag:partitioned) for every month in the range.
  schedule [--sensor-interval SECONDS] [--exclude SEL]
        Run the schedules in pipelines/schedules.ts, and the affected assets when an extract lands
        in the landing folder (the inbox sensor; 0 turns it off). Stops on Ctrl-C.
  status
        Each asset's last materialisation, its freshness against the SLA, and failing checks.
  query "<sql>" [--json] [--allow-files]
        Run SQL against the warehouse, read-only, and print each statement's result. Nothing outside
        the warehouse is read or written (COPY, ATTACH, EXPORT, read_csv) unless --allow-files.
  assets
        List every asset with its kind, group and upstream keys.
  runs [--limit N]
        Recent runs with their status.
  clv fit --transactions FILE.csv --customer-col C --date-col D --amount-col A
          --calibration-end YYYY-MM-DD [--date-format FMT] [--period week|day] [--merge day|period]
          [--holdout-end YYYY-MM-DD] [--json]
        Fit BG/NBD and Gamma-Gamma to any transaction file. Dates are read with --date-format
        (strptime, e.g. '%m/%d/%Y') or as the values decide; a column that reads both as D/M and
        M/D is refused. Purchases on the same day count as one (--merge period: the same week, as
        the lifetimes package does). More than 1% unreadable rows, a calibration end before the
        first purchase, or under 50 buyers / 30 repeat buyers is an error (exit 1 or 2).
        Exit 4 when a fit cannot be used: not converged, no evidence of dropout, q running away,
        or a parameter the data cannot pin down (each named, with what to try).
  serve [--port 3000]
        Serve the built report site (reports/build) on localhost.
  init source NAME --from FILE.csv [--force]
        Write pipelines/sources/NAME.ts from one extract: dialect, types and date formats read by
        DuckDB, the entity and mapping guessed from the headers (English and Chinese), each guess
        commented. What the data cannot decide is an open choice that clm run asks you to set.

Options for every command (each overrides clm.config.yml):
  --config FILE      the project configuration (default clm.config.yml, or CLM_CONFIG)
  --warehouse FILE   the DuckDB file (default data/warehouse.duckdb, or CLM_WAREHOUSE)
  --landing DIR      one folder per source with its extracts (default data/sample, or CLM_LANDING)
  --sources DIR      the source files (default pipelines/sources, or CLM_SOURCES)

Exit codes: 0 success · 1 the run failed (a model, test or load) · 2 usage error · 75 warehouse busy`;

/**
 * Runs the command line; returns the exit code. Each command imports what it needs when it runs,
 * so `clm --help` and light commands start at once (DuckDB and Evidence load only when used).
 */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await run(rest);
      case 'generate':
        return await generate(rest);
      case 'query':
        return await query(rest);
      case 'backfill':
        return await backfill(rest);
      case 'schedule':
        return await schedule(rest);
      case 'status':
        return await status(rest);
      case 'assets':
        return await assets(rest);
      case 'runs':
        return await runs(rest);
      case 'serve':
        return await serve(rest);
      case 'clv':
        return await clv(rest);
      case 'init':
        return await init(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(HELP);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`Unknown command '${command}'. Run 'clm help'.`);
    }
  } catch (error) {
    console.error(`error: ${errorMessage(error)}`);
    return error instanceof ClmError ? error.exitCode : 1;
  }
}

const COMMON = {
  warehouse: { type: 'string' },
  landing: { type: 'string' },
  sources: { type: 'string' },
  config: { type: 'string' },
} as const;

type Options = NonNullable<ParseArgsConfig['options']>;

function parse<O extends Options>(args: readonly string[], options: O, positionals = false) {
  try {
    return parseArgs({ args: [...args], options: { ...COMMON, ...options } as typeof COMMON & O, allowPositionals: positionals, strict: true });
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
}

function pathsFrom(values: { warehouse?: unknown; landing?: unknown; sources?: unknown; config?: unknown }): Project {
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return loadProject({ warehouse: text(values.warehouse), landing: text(values.landing), sources: text(values.sources), configFile: text(values.config) });
}

async function run(args: readonly string[]): Promise<number> {
  const { runPipeline } = await import('./orchestration/runner.js');
  const { loadDefinitions } = await import('./definitions.js');
  const { values } = parse(args, {
    select: { type: 'string' },
    exclude: { type: 'string' },
    'full-refresh': { type: 'boolean' },
    wait: { type: 'string' },
  });
  const waitSeconds = values.wait === undefined ? 0 : Number(values.wait);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new UsageError(`--wait takes seconds, not '${values.wait}'`);
  const paths = pathsFrom(values);
  const summary = await runPipeline({
    paths,
    assets: (await loadDefinitions(paths)).assets,
    selection: values.select,
    exclude: values.exclude,
    fullRefresh: values['full-refresh'],
    waitMs: waitSeconds * 1000,
    log: (line) => console.error(line),
  });
  return summary.status === 'success' ? 0 : 1;
}

async function backfill(args: readonly string[]): Promise<number> {
  const { runPipeline } = await import('./orchestration/runner.js');
  const { loadDefinitions } = await import('./definitions.js');
  const { values } = parse(args, { from: { type: 'string' }, to: { type: 'string' }, select: { type: 'string', default: 'tag:partitioned' } });
  const months = monthRange(values.from, values.to);
  const paths = pathsFrom(values);
  const summary = await runPipeline({ paths, assets: (await loadDefinitions(paths)).assets, selection: values.select, partitions: months, trigger: 'backfill', log: (line) => console.error(line) });
  return summary.status === 'success' ? 0 : 1;
}

/** Every month from `from` to `to` inclusive, as YYYY-MM. */
export function monthRange(from: string | undefined, to: string | undefined): string[] {
  for (const [flag, value] of [['--from', from], ['--to', to]] as const) {
    if (!value || !/^\d{4}-(0[1-9]|1[0-2])$/.test(value)) throw new UsageError(`${flag} takes YYYY-MM, not '${value ?? ''}'`);
  }
  const months: string[] = [];
  let [year, month] = from!.split('-').map(Number) as [number, number];
  const end = to!;
  for (;;) {
    const key = `${year}-${String(month).padStart(2, '0')}`;
    if (key > end) break;
    months.push(key);
    month += 1;
    if (month > 12) [year, month] = [year + 1, 1];
  }
  if (months.length === 0) throw new UsageError(`--from ${from} is after --to ${to}`);
  return months;
}

async function schedule(args: readonly string[]): Promise<number> {
  const { startScheduler } = await import('./orchestration/scheduler.js');
  const { SCHEDULES } = await import('./schedules.js');
  const { loadDefinitions } = await import('./definitions.js');
  const { values } = parse(args, { 'sensor-interval': { type: 'string', default: '30' }, exclude: { type: 'string' } });
  const seconds = Number(values['sensor-interval']);
  if (!Number.isFinite(seconds) || seconds < 0) throw new UsageError(`--sensor-interval takes seconds, not '${values['sensor-interval']}'`);
  const paths = pathsFrom(values);
  const scheduler = await startScheduler({ paths, definitions: await loadDefinitions(paths), schedules: SCHEDULES, sensorIntervalMs: seconds * 1000, exclude: values.exclude, log: (line) => console.error(line) });
  await new Promise<void>((resolvePromise) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolvePromise());
  });
  console.error('stopping: waiting for the current run to finish');
  await scheduler.stop();
  return 0;
}

async function status(args: readonly string[]): Promise<number> {
  const { assetStatus } = await import('./orchestration/status.js');
  const { withWarehouse } = await import('./warehouse/connection.js');
  const { loadDefinitions } = await import('./definitions.js');
  const { values } = parse(args, {});
  const paths = pathsFrom(values);
  const definitions = await loadDefinitions(paths);
  const rows = await withWarehouse(paths.warehouse, (w) => assetStatus(w, definitions.assets, paths.settings.freshnessSlaHours), { readOnly: true });
  console.log(formatTable(rows));
  const stale = rows.filter((r) => r.fresh === 'STALE').map((r) => r.asset);
  const failing = rows.filter((r) => r.failing_checks !== '').map((r) => `${r.asset}: ${r.failing_checks}`);
  for (const row of rows.filter((r) => r.warnings !== '')) console.error(`warning: ${row.asset}: ${row.warnings}`);
  if (stale.length > 0) console.error(`stale (older than ${paths.settings.freshnessSlaHours} hours): ${stale.join(', ')}`);
  for (const line of failing) console.error(`failing: ${line}`);
  return stale.length > 0 || failing.length > 0 ? 1 : 0;
}

async function generate(args: readonly string[]): Promise<number> {
  const { generateSample } = await import('./generate/generate.js');
  const { values } = parse(args, {
    customers: { type: 'string' },
    seed: { type: 'string', default: '42' },
    out: { type: 'string' },
    end: { type: 'string' },
    years: { type: 'string', default: '3' },
  });
  const customers = Number(values.customers);
  if (!Number.isInteger(customers) || customers <= 0) throw new UsageError('--customers takes a positive whole number');
  if (!values.out) throw new UsageError('--out DIR is required');
  if (values.end && !/^\d{4}-\d{2}-\d{2}$/.test(values.end)) throw new UsageError(`--end takes YYYY-MM-DD, not '${values.end}'`);
  const started = performance.now();
  const manifest = await generateSample({
    customers,
    seed: Number(values.seed),
    out: resolve(values.out),
    end: values.end,
    years: Number(values.years),
    onProgress: (done, total) => console.error(`  ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} customers`),
  });
  const rows = Object.values(manifest.files).reduce((a, b) => a + b, 0);
  console.error(`wrote ${Object.keys(manifest.files).length} files, ${rows.toLocaleString('en-US')} rows (${manifest.start} … ${manifest.end}) to ${values.out} in ${((performance.now() - started) / 1000).toFixed(1)}s`);
  return 0;
}

async function query(args: readonly string[]): Promise<number> {
  const { withWarehouse } = await import('./warehouse/connection.js');
  const { applySettings } = await import('./warehouse/macros.js');
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, 'allow-files': { type: 'boolean' } }, true);
  const sql = positionals.join(' ').trim();
  if (!sql) throw new UsageError('query needs SQL: clm query "select * from marts.customers limit 5"');
  const writes = /(^|;)\s*(copy|export|attach|detach|install|load|checkpoint|vacuum)\b/i.exec(sql);
  if (writes) throw new UsageError(`clm query is read-only: ${writes[2]!.toUpperCase()} is refused (even with --allow-files, which only lets queries read local files)`);
  const paths = pathsFrom(values);
  // Read-only for real: the warehouse is opened read-only, and no other file may be read or
  // written (COPY … TO, EXPORT DATABASE, ATTACH, read_csv) unless --allow-files says so.
  const results = await withWarehouse(
    paths.warehouse,
    async (w) => {
      await applySettings(w, paths.settings);
      return w.readEach(sql);
    },
    { readOnly: true, externalAccess: values['allow-files'] === true },
  ).catch((error: unknown) => {
    const message = errorMessage(error);
    if (/external access|disabled by configuration|read-only|read only/i.test(message)) {
      throw new UsageError(`clm query is read-only and reads only the warehouse: ${message}. To read local files, pass --allow-files.`);
    }
    throw error;
  });
  if (values.json) console.log(JSON.stringify(results.length === 1 ? results[0] : results, jsonReplacer, 2));
  else console.log(results.map((rows) => formatTable(rows)).join('\n'));
  return 0;
}

async function assets(args: readonly string[]): Promise<number> {
  const { loadDefinitions } = await import('./definitions.js');
  const { values } = parse(args, {});
  const definitions = await loadDefinitions(pathsFrom(values), { allowOpenChoices: true });
  console.log(formatTable(definitions.assets.map((a) => ({ key: a.key, kind: a.kind, group: a.group, upstream: a.upstream.join(', ') }))));
  return 0;
}

async function runs(args: readonly string[]): Promise<number> {
  const { withWarehouse } = await import('./warehouse/connection.js');
  const { values } = parse(args, { limit: { type: 'string', default: '20' } });
  const paths = pathsFrom(values);
  const rows = await withWarehouse(
    paths.warehouse,
    (w) =>
      w.readAll(
        `select run_id, trigger, selection, status, started_at, round(epoch(finished_at - started_at), 1) as seconds, error
         from meta.runs order by started_at desc limit $1`,
        [Number(values.limit)],
      ),
    { readOnly: true },
  );
  console.log(formatTable(rows));
  return 0;
}

async function clv(args: readonly string[]): Promise<number> {
  const { clvFit, formatParameter } = await import('./analytics/clv/fit-command.js');
  const [sub, ...rest] = args;
  if (sub !== 'fit') throw new UsageError(`Unknown command 'clv ${sub ?? ''}'. Did you mean 'clv fit'?`);
  const { values } = parse(rest, {
    transactions: { type: 'string' },
    'customer-col': { type: 'string' },
    'date-col': { type: 'string' },
    'amount-col': { type: 'string' },
    'date-format': { type: 'string' },
    'calibration-end': { type: 'string' },
    'holdout-end': { type: 'string' },
    period: { type: 'string', default: 'week' },
    merge: { type: 'string', default: 'day' },
    json: { type: 'boolean' },
  });
  for (const flag of ['transactions', 'customer-col', 'date-col', 'amount-col', 'calibration-end'] as const) {
    if (!values[flag]) throw new UsageError(`clv fit needs --${flag}`);
  }
  for (const flag of ['calibration-end', 'holdout-end'] as const) {
    const value = values[flag];
    if (value !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new UsageError(`--${flag} takes YYYY-MM-DD, not '${value}'`);
  }
  if (values.period !== 'week' && values.period !== 'day') throw new UsageError(`--period is week or day, not '${values.period}'`);
  if (values.merge !== 'day' && values.merge !== 'period') throw new UsageError(`--merge is day or period, not '${values.merge}'`);
  if (!existsSync(values.transactions!)) throw new UsageError(`--transactions ${values.transactions}: no such file`);
  const report = await clvFit({
    from: values.transactions!,
    customerColumn: values['customer-col']!,
    dateColumn: values['date-col']!,
    amountColumn: values['amount-col']!,
    dateFormat: values['date-format'],
    calibrationEnd: values['calibration-end']!,
    holdoutEnd: values['holdout-end'],
    period: values.period,
    merge: values.merge,
  });
  if (values.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    const { bgnbd: b, gammaGamma: g } = report;
    const p = formatParameter;
    const se = (errors: Record<string, number>, name: string) => `±${Number.isFinite(errors[name]!) ? p(errors[name]!) : '∞'}`;
    console.log(`${report.customers.toLocaleString('en-US')} customers, calibration to ${report.calibrationEnd}, in ${report.period}s; purchases on the same ${report.merge === 'period' ? report.period : 'day'} count as one`);
    if (report.rowsSkipped > 0) {
      console.log(`${report.rowsSkipped.toLocaleString('en-US')} of ${report.rowsRead.toLocaleString('en-US')} rows skipped: ${report.skippedReasons.map((r) => `${r.rows} ${r.reason} (e.g. ${r.examples.join(', ')})`).join('; ')}`);
    }
    console.log(`BG/NBD       r=${p(b.r)} ${se(b.standardErrors, 'r')}  alpha=${p(b.alpha)} ${se(b.standardErrors, 'alpha')}  a=${p(b.a)} ${se(b.standardErrors, 'a')}  b=${p(b.b)} ${se(b.standardErrors, 'b')}  LL=${b.logLikelihood.toFixed(2)}  ${b.converged ? 'converged' : 'NOT CONVERGED'}`);
    console.log(`Gamma-Gamma  p=${p(g.p)} ${se(g.standardErrors, 'p')}  q=${p(g.q)} ${se(g.standardErrors, 'q')}  v=${p(g.v)} ${se(g.standardErrors, 'v')}  LL=${g.logLikelihood.toFixed(2)}  ${g.converged ? 'converged' : 'NOT CONVERGED'} (${g.customers} repeat customers)`);
    if (report.backtest) {
      const t = report.backtest;
      console.log(`Backtest over ${t.holdoutPeriods.toFixed(1)} ${report.period}s: predicted ${t.predicted.toFixed(0)} vs actual ${t.actual} repeat purchases (${(100 * t.relativeError).toFixed(1)}%), MAE ${t.meanAbsoluteError.toFixed(3)} per customer`);
      console.log(formatTable(t.byFrequency.map((r) => ({ ...r, predicted: Number(r.predicted.toFixed(1)) }))));
    }
  }
  for (const problem of report.problems) {
    console.error(`${problem.model === 'bg_nbd' ? 'BG/NBD' : 'Gamma-Gamma'} ${problem.parameter}: ${problem.meaning}. Try: ${problem.remedy}.`);
  }
  return report.problems.length === 0 ? 0 : 4;
}

async function init(args: readonly string[]): Promise<number> {
  const { initSource } = await import('./init/init-source.js');
  const [what, ...rest] = args;
  if (what !== 'source') throw new UsageError(`Unknown command 'init ${what ?? ''}'. Did you mean 'init source NAME --from FILE'?`);
  const { values, positionals } = parse(rest, { from: { type: 'string' }, force: { type: 'boolean' } }, true);
  const [name] = positionals;
  if (!name || !values.from) throw new UsageError('init source needs a NAME and --from FILE: clm init source shop --from exports/orders.csv');
  const result = await initSource({ name, from: values.from, sourcesDir: pathsFrom(values).sources, force: values.force });
  console.log(`wrote ${relative(process.cwd(), result.file)}: provides ${result.entities.join(' and ')}`);
  if (result.openChoices.length > 0) {
    console.log(`open choices (clm run refuses the source until each is set in the file):\n${result.openChoices.map((c) => `  - ${c}`).join('\n')}`);
  } else {
    console.log(`next: clm run   (the source's extracts are read from ${dirname(resolve(values.from))})`);
  }
  return 0;
}

async function serve(args: readonly string[]): Promise<number> {
  const { serveSite } = await import('./publish/serve.js');
  const { values } = parse(args, { port: { type: 'string', default: '3000' } });
  const site = join(pathsFrom(values).reports, 'build');
  if (!existsSync(join(site, 'index.html'))) throw new UsageError(`No site in ${site}: run 'clm run' (or npm start) first`);
  const { url } = await serveSite(site, Number(values.port));
  console.error(`serving ${site} at ${url}/ (Ctrl-C to stop)`);
  await new Promise(() => {});
  return 0;
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
