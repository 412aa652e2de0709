import type { Warehouse } from '../../warehouse/connection.js';
import { ident, literal } from '../../warehouse/connection.js';
import { UsageError } from '../../errors.js';
import type { Frequency } from './bg-nbd.js';
import type { Spend } from './gamma-gamma.js';

export type Period = 'week' | 'day';

/** Where the transactions are and what their columns are called. */
export interface TransactionSource {
  /** A CSV file, or SQL in parentheses: `(select … from marts.orders)`. */
  from: string;
  customerColumn: string;
  dateColumn: string;
  amountColumn: string;
}

export interface CalibrationData {
  frequencies: Frequency[];
  spends: Spend[];
  customers: number;
  /** Rows whose date or amount could not be read. */
  rowsSkipped: number;
}

const DAYS: Record<Period, number> = { week: 7, day: 1 };

/**
 * The customers' sufficient statistics at `calibrationEnd` (inclusive), computed in DuckDB:
 * purchases on the same day count as one (their amounts added up), x = repeat purchases,
 * t_x = last purchase − first, T = calibration end − first, in `period`s; the mean spend is that
 * of the repeat purchases. Customers are then grouped into distinct (x, t_x, T) rows with weights,
 * so a million customers become a few thousand rows to fit.
 */
export async function calibrationData(warehouse: Warehouse, source: TransactionSource, calibrationEnd: string, period: Period): Promise<CalibrationData> {
  await stagePurchaseDays(warehouse, source);
  return summariseAt(warehouse, calibrationEnd, period);
}

/** The same statistics at another calibration end, from the purchases {@link calibrationData} staged (no second read). */
export async function summariseAt(warehouse: Warehouse, calibrationEnd: string, period: Period): Promise<CalibrationData> {
  const end = `${literal(calibrationEnd)}::date`;
  const unit = DAYS[period];
  await warehouse.run(`
    create or replace temp table _calibration as
    with days as (
        select * from _purchase_days where purchase_date <= ${end}
    ),
    per_customer as (
        select
            customer_id,
            count(*) - 1 as x,
            datediff('day', min(purchase_date), max(purchase_date)) / ${unit} as tx,
            datediff('day', min(purchase_date), ${end}) / ${unit} as t_cal,
            (sum(amount) - arg_min(amount, purchase_date)) / nullif(count(*) - 1, 0) as mean_repeat_spend
        from days
        group by customer_id
    )
    select * from per_customer`);
  const frequencies = await warehouse.readAll<{ x: number; tx: number; T: number; weight: number }>(
    `select x, tx, t_cal as "T", count(*) as weight from _calibration group by all order by all`,
  );
  const spends = await warehouse.readAll<{ x: number; meanSpend: number; weight: number }>(
    `select x, mean_repeat_spend as "meanSpend", count(*) as weight from _calibration where x > 0 and mean_repeat_spend > 0 group by all order by all`,
  );
  const customers = await warehouse.readScalar<number>('select count(*) from _calibration');
  const rowsSkipped = await warehouse.readScalar<number>('select skipped from _purchase_stats');
  return { frequencies, spends, customers, rowsSkipped };
}

/** Actual repeat purchases per customer in (calibration end, holdout end], for the backtest. */
export async function holdoutPurchases(warehouse: Warehouse, calibrationEnd: string, holdoutEnd: string): Promise<Map<string, number>> {
  const rows = await warehouse.readAll<{ customer_id: string; purchases: number }>(`
    select c.customer_id, count(d.purchase_date) as purchases
    from _calibration as c
    left join _purchase_days as d
        on d.customer_id = c.customer_id
        and d.purchase_date > ${literal(calibrationEnd)}::date
        and d.purchase_date <= ${literal(holdoutEnd)}::date
    group by c.customer_id`);
  return new Map(rows.map((r) => [r.customer_id, r.purchases]));
}

/** Reads the transactions into `_purchase_days`: one row per customer per day with purchases. */
async function stagePurchaseDays(warehouse: Warehouse, source: TransactionSource): Promise<void> {
  const relation = source.from.trim().startsWith('(') ? source.from : `read_csv(${literal(source.from)}, header = true, all_varchar = true)`;
  const columns = await warehouse.readAll<{ column_name: string }>(`describe select * from ${relation}`);
  const names = new Set(columns.map((c) => c.column_name));
  for (const [flag, column] of [['--customer-col', source.customerColumn], ['--date-col', source.dateColumn], ['--amount-col', source.amountColumn]] as const) {
    if (!names.has(column)) throw new UsageError(`${flag} ${column}: no such column in ${source.from} (columns: ${[...names].join(', ')})`);
  }
  const date = `${ident(source.dateColumn)}::varchar`;
  await warehouse.run(`
    create or replace temp table _transactions as
    select
        ${ident(source.customerColumn)}::varchar as customer_id,
        coalesce(try_cast(${date} as date), try_strptime(${date}, ['%Y%m%d', '%Y/%m/%d', '%d/%m/%Y'])::date) as purchase_date,
        try_cast(${ident(source.amountColumn)}::varchar as double) as amount
    from ${relation}`);
  await warehouse.run(`
    create or replace temp table _purchase_stats as
    select count(*) filter (where customer_id is null or purchase_date is null or amount is null) as skipped from _transactions`);
  await warehouse.run(`
    create or replace temp table _purchase_days as
    select customer_id, purchase_date, sum(amount) as amount
    from _transactions
    where customer_id is not null and purchase_date is not null and amount is not null
    group by all`);
}
