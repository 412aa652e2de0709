import { literal, type Warehouse } from '../../warehouse/connection.js';
import type { CheckOutcome } from '../../models/materialise.js';
import { fitBgNbd } from './bg-nbd.js';
import { expectedSpend, fitGammaGamma } from './gamma-gamma.js';
import { backtest } from './backtest.js';
import { calibrationData, dropStagedTables, frequenciesOf, holdoutGroupsStatement, readHoldoutGroups, type TransactionSource } from './transactions.js';
import { DEFAULT_CLV_SETTINGS, purchasePaths } from './score.js';
import { diagnoseBgNbd, diagnoseGammaGamma, type Degeneracy } from './diagnostics.js';
import { MIN_CUSTOMERS, MIN_REPEAT_BUYERS } from './fit-command.js';

/** The asset's code version (see orchestration/data-versions.ts): change it when what it computes changes. */
export const CLV_CODE_VERSION = 'clv-2026-12-07';

/** The tables the asset reads: its upstream keys. */
export const CLV_READS = ['marts.orders', 'marts.customers'] as const;

/** What the asset needs of the project settings (clm.config.yml's `clv:`). */
export interface ClvAssetSettings {
  horizonMonths: number;
  annualDiscountRate: number;
  marginRate: number | null;
}

/** The backtest holds out the last 26 weeks. */
const HOLDOUT_DAYS = 182;

const BACKTEST_TABLE = 'create or replace table analytics.clv_backtest (bucket varchar, customers bigint, actual_purchases double, predicted_purchases double, calibration_end date, holdout_end date)';

const ORDERS: TransactionSource = {
  from: '(select customer_id, ordered_at::date as ordered_on, net_revenue from marts.orders)',
  customerColumn: 'customer_id',
  dateColumn: 'ordered_on',
  amountColumn: 'net_revenue',
};


export interface ClvAssetResult {
  rows: number;
  checks: CheckOutcome[];
  summary: string;
  metrics: Record<string, number>;
}

/**
 * The `analytics.customer_clv` asset: fits BG/NBD and Gamma-Gamma on every buyer's orders up to
 * the last order date (in weeks), scores each buyer, and writes
 * - analytics.customer_clv: P(alive), expected purchases and spend over 12 months, predicted CLV
 *   (discounted expected margin) and historical CLV (realised margin);
 * - analytics.clv_fit: the parameters, log-likelihoods and convergence flags;
 * - analytics.clv_backtest: a refit with the last 26 weeks held out, predicted against actual.
 * A fit that did not converge, or ran to a boundary, fails the asset's check (and so blocks its dependents).
 */
export async function materialiseCustomerClv(warehouse: Warehouse, settings: ClvAssetSettings = { ...DEFAULT_CLV_SETTINGS, marginRate: null }): Promise<ClvAssetResult> {
  const started = performance.now();
  // No orders at all (a CRM alone provides customers): an empty calibration, and too few buyers below.
  const end = (await warehouse.readScalar<string | null>('select max(ordered_at)::date::varchar from marts.orders')) ?? '1970-01-01';
  const data = await calibrationData(warehouse, ORDERS, end, 'week');
  const repeatBuyers = data.spends.customers;
  if (data.customers < MIN_CUSTOMERS || repeatBuyers < MIN_REPEAT_BUYERS) {
    await writeEmptyFit(warehouse);
    const why = `too few buyers to fit (${data.customers} buyers, ${repeatBuyers} repeat buyers; at least ${MIN_CUSTOMERS} and ${MIN_REPEAT_BUYERS} needed): predictions left empty`;
    return historicalOnly(warehouse, data.customers, settings, 'enough_buyers_to_fit', why);
  }
  // DuckDB stages the backtest's holdout and joins each buyer's margin while JavaScript fits (a
  // statement runs on DuckDB's threads until awaited), and scores while the backtest refits.
  const calibrationEnd = await warehouse.readScalar<string>(`select ($1::date - interval ${HOLDOUT_DAYS} day)::date::varchar`, [end]);
  const pairs = await warehouse.readDoubles<'x' | 't_cal'>('select distinct x::double as x, t_cal::double as t_cal from _calibration');
  const staging = warehouse.run(`${holdoutGroupsStatement(calibrationEnd, end, 'week')};
    create or replace temp table _clv_customers as
    select c.customer_id, c.x, c.tx, c.t_cal, c.mean_repeat_spend, m.margin_ratio, m.value_basis, m.historical_value
    from _calibration as c
    left join (${marginsSql(settings.marginRate)}) as m using (customer_id)`);
  const { bgnbd, gg, problems, paths } = await whileRunning(staging, () => {
    const bgnbd = fitBgNbd(data.frequencies);
    const gg = fitGammaGamma(data.spends);
    const problems = [...diagnoseBgNbd(bgnbd, data.frequencies).problems, ...diagnoseGammaGamma(gg, data.spends).problems];
    if (problems.length > 0) return { bgnbd, gg, problems, paths: [] };
    // The purchase paths are computed once per distinct (x, T); P(alive), which scales them, in DuckDB.
    const path = purchasePaths(bgnbd.params, { ...DEFAULT_CLV_SETTINGS, horizonMonths: settings.horizonMonths, annualDiscountRate: settings.annualDiscountRate });
    return { bgnbd, gg, problems, paths: Array.from(pairs.x, (x, i) => path(x, pairs.t_cal[i]!)) };
  });
  const fitSeconds = (performance.now() - started) / 1000;
  if (problems.length > 0) {
    // A fit that cannot be trusted predicts nothing; the realised value still stands, and the run goes on.
    await writeFit(warehouse, end, bgnbd, gg, data.customers, repeatBuyers, problems);
    const why = problems.map((p) => `${p.model === 'bg_nbd' ? 'BG/NBD' : 'Gamma-Gamma'} ${p.parameter}: ${p.meaning}`).join('; ');
    return historicalOnly(warehouse, data.customers, settings, 'fits_usable', `${why}. Predictions left empty, realised value only`);
  }

  await warehouse.run('create or replace temp table _clv_paths (x double, t_cal double, expected_if_alive double, discounted_if_alive double)');
  const appender = await warehouse.connection.createAppender('_clv_paths', 'main', 'temp');
  paths.forEach(({ total, discounted }, i) => {
    appender.appendDouble(pairs.x[i]!);
    appender.appendDouble(pairs.t_cal[i]!);
    appender.appendDouble(total);
    appender.appendDouble(discounted);
    appender.endRow();
  });
  appender.closeSync();
  const groups = await readHoldoutGroups(warehouse);
  const { r, alpha, a, b } = bgnbd.params;
  const pAlive = `case when c.x = 0 then 1.0 else 1 / (1 + exp(ln(${a}) - ln(${b} + c.x - 1) + (${r} + c.x) * (ln(${alpha} + c.t_cal) - ln(${alpha} + c.tx)))) end`;
  const { p, q, v } = gg.params;
  const populationSpend = expectedSpend(gg.params, 0, 0);
  // Scored in DuckDB while the backtest refits here.
  const scoring = warehouse.run(`
    create or replace table analytics.customer_clv as
    with scored as (
        select
            c.customer_id,
            c.x as repeat_purchases,
            round(c.tx, 3) as recency_weeks,
            round(c.t_cal, 3) as age_weeks,
            ${pAlive} as p_alive,
            ${pAlive} * g.expected_if_alive as expected_purchases,
            -- Gamma-Gamma posterior mean spend per purchase (the population mean for one-time buyers).
            case when c.x > 0 and c.mean_repeat_spend > 0
                then ${p} * (${v} + c.x * c.mean_repeat_spend) / (${p} * c.x + ${q} - 1)
                else ${populationSpend}
            end as expected_spend,
            c.margin_ratio,
            c.value_basis,
            c.historical_value as historical_clv,
            ${settings.horizonMonths} as horizon_months,
            ${pAlive} * g.discounted_if_alive as discounted_purchases
        from _clv_customers as c
        inner join _clv_paths as g on g.x = c.x and g.t_cal = c.t_cal
    )
    select
        * exclude (discounted_purchases),
        round(discounted_purchases * expected_spend * margin_ratio, 2) as predicted_clv,
        round(historical_clv + discounted_purchases * expected_spend * margin_ratio, 2) as total_clv
    from scored`);
  const test = await whileRunning(scoring, () => backtest(fitBgNbd(frequenciesOf(groups), bgnbd.params).params, groups, HOLDOUT_DAYS / 7));
  const scoreSeconds = (performance.now() - started) / 1000 - fitSeconds;

  await writeFit(warehouse, end, bgnbd, gg, data.customers, repeatBuyers);
  await warehouse.run(BACKTEST_TABLE);
  if (test.byFrequency.length > 0) {
    await warehouse.run(
      `insert into analytics.clv_backtest values ${test.byFrequency.map(() => '(?, ?, ?, ?, ?::date, ?::date)').join(', ')}`,
      test.byFrequency.flatMap((row) => [row.bucket, row.customers, row.actual, row.predicted, calibrationEnd, end]),
    );
  }

  await writeStatus(warehouse, null, settings);
  await dropWorkTables(warehouse);
  const rows = data.customers;
  return {
    rows,
    checks: [{ name: 'fits_usable', severity: 'warn', failingRows: 0, passed: true }],
    summary: `${rows.toLocaleString('en-US')} customers · BG/NBD r=${bgnbd.params.r.toFixed(3)} α=${bgnbd.params.alpha.toFixed(2)} a=${bgnbd.params.a.toFixed(3)} b=${bgnbd.params.b.toFixed(3)} · fit ${fitSeconds.toFixed(2)}s, scoring ${scoreSeconds.toFixed(2)}s · backtest ${(100 * test.relativeError).toFixed(1)}%`,
    metrics: { fitSeconds, scoreSeconds, backtestRelativeError: test.relativeError, groups: data.frequencies.length },
  };
}

/**
 * The asset's temporary tables, dropped when it is done: the run's connection lives on, and a
 * million customers' purchase days and calibration would hold memory the next assets need.
 */
async function dropWorkTables(warehouse: Warehouse): Promise<void> {
  await dropStagedTables(warehouse);
  await warehouse.run('drop table if exists _clv_customers; drop table if exists _clv_paths');
}

/** Runs `work` here while `statement` runs in DuckDB, and returns once both are done, whatever happens. */
async function whileRunning<T>(statement: Promise<unknown>, work: () => T): Promise<T> {
  try {
    return work();
  } finally {
    await statement;
  }
}

/**
 * Each buyer's realised value and the share of revenue that is margin. With costs in every order
 * (`marts.customers` sums the margin then, and leaves it null otherwise), value is margin; without,
 * revenue × the configured margin rate, or revenue itself when no rate is set. `value_basis` says
 * which, so the pages can state it.
 */
function marginsSql(marginRate: number | null): string {
  const rate = marginRate === null ? '1.0' : String(marginRate);
  const basis = marginRate === null ? 'revenue' : `revenue × margin rate ${marginRate}`;
  return `
        select
            customer_id,
            revenue,
            margin,
            case when margin is not null then 'margin' else '${basis}' end as value_basis,
            case when margin is not null then margin else revenue * ${rate} end as historical_value,
            case when margin is not null then coalesce(margin / nullif(revenue, 0), 0) else ${rate} end as margin_ratio
        from marts.customers
        where is_buyer`;
}

async function writeFit(
  warehouse: Warehouse,
  end: string,
  bgnbd: ReturnType<typeof fitBgNbd>,
  gg: ReturnType<typeof fitGammaGamma>,
  customers: number,
  repeatBuyers: number,
  problems: readonly Degeneracy[] = [],
): Promise<void> {
  const problemOf = (model: Degeneracy['model']) => problems.filter((p) => p.model === model).map((p) => `${p.parameter}: ${p.meaning}`).join('; ') || null;
  await warehouse.run(`
    create or replace table analytics.clv_fit as
    select * from (values
        ('bg_nbd', $1, $2::double, $3::double, $4::double, $5::double, $6::double, $7::boolean, $8::boolean, $9::bigint, $17::varchar),
        ('gamma_gamma', $1, $10::double, $11::double, $12::double, null, $13::double, $14::boolean, $15::boolean, $16::bigint, $18::varchar)
    ) as t(model, calibration_end, param_1, param_2, param_3, param_4, log_likelihood, converged, at_boundary, customers, problem)`,
    [end, bgnbd.params.r, bgnbd.params.alpha, bgnbd.params.a, bgnbd.params.b, bgnbd.logLikelihood, bgnbd.converged, bgnbd.atBoundary, customers,
     gg.params.p, gg.params.q, gg.params.v, gg.logLikelihood, gg.converged, gg.atBoundary, repeatBuyers, problemOf('bg_nbd'), problemOf('gamma_gamma')]);
}

/** Why there are no predictions (null when there are), and the settings the pages state. */
async function writeStatus(warehouse: Warehouse, reason: string | null, settings: ClvAssetSettings): Promise<void> {
  await warehouse.run(`
    create or replace table analytics.clv_status as
    select ${reason === null ? 'null::varchar' : literal(reason)} as reason, ${settings.horizonMonths} as horizon_months,
           ${100 * settings.annualDiscountRate}::double as annual_discount_pct, ${settings.marginRate === null ? 'null::double' : settings.marginRate} as margin_rate`);
}

async function writeEmptyFit(warehouse: Warehouse): Promise<void> {
  await warehouse.run(`create or replace table analytics.clv_fit (model varchar, calibration_end varchar, param_1 double, param_2 double, param_3 double, param_4 double, log_likelihood double, converged boolean, at_boundary boolean, customers bigint, problem varchar)`);
}

/**
 * No usable fit (too few buyers, or a fit that did not converge or ran to a boundary): realised
 * value only, predicted columns null, and a failing warn check that says why. The asset succeeds,
 * so churn risk, the CLV mart and the site still build.
 */
async function historicalOnly(warehouse: Warehouse, customers: number, settings: ClvAssetSettings, check: string, why: string): Promise<ClvAssetResult> {
  await warehouse.run(`
    create or replace table analytics.customer_clv as
    select
        c.customer_id,
        c.x as repeat_purchases,
        round(c.tx, 3) as recency_weeks,
        round(c.t_cal, 3) as age_weeks,
        null::double as p_alive,
        null::double as expected_purchases,
        null::double as expected_spend,
        m.margin_ratio,
        m.value_basis,
        m.historical_value as historical_clv,
        ${settings.horizonMonths} as horizon_months,
        null::double as predicted_clv,
        m.historical_value as total_clv
    from _calibration as c
    left join (${marginsSql(settings.marginRate)}) as m using (customer_id)`);
  await warehouse.run(BACKTEST_TABLE);
  await writeStatus(warehouse, why, settings);
  await dropWorkTables(warehouse);
  return {
    rows: customers,
    checks: [{ name: check, severity: 'warn', failingRows: 1, passed: false }],
    summary: why,
    metrics: { fitSeconds: 0, scoreSeconds: 0 },
  };
}
