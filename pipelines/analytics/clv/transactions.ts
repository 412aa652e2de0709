import type { Warehouse } from '../../warehouse/connection.js';
import { ident, literal } from '../../warehouse/connection.js';
import { UsageError } from '../../errors.js';
import { readDates } from '../../load/date-formats.js';
import { FrequencyTable } from './bg-nbd.js';
import { SpendTable } from './gamma-gamma.js';

export type Period = 'week' | 'day';

/** Where the transactions are and what their columns are called. */
export interface TransactionSource {
  /** A CSV file, or SQL in parentheses: `(select … from marts.orders)`. */
  from: string;
  customerColumn: string;
  dateColumn: string;
  amountColumn: string;
  /** strptime format of the dates (as DuckDB spells it); detected from the values when absent. */
  dateFormat?: string;
  /**
   * What counts as one purchase: all of a customer's purchases on one day (default), or in one
   * period (calendar week with `week`), as the lifetimes package merges them.
   */
  merge?: 'day' | 'period';
}

export interface CalibrationData {
  frequencies: FrequencyTable;
  /** The repeat buyers' mean spends. */
  spends: SpendTable;
  customers: number;
  /** Rows read from the source. */
  rowsRead: number;
  /** Rows whose customer, date or amount could not be read. */
  rowsSkipped: number;
  /** Why rows were skipped, e.g. `{ 'date does not parse': 12 }`, with a few of the values. */
  skippedReasons: { reason: string; rows: number; examples: string[] }[];
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
  await stagePurchaseDays(warehouse, source, period);
  return summariseAt(warehouse, calibrationEnd, period, source.merge);
}

/** The same statistics at another calibration end, from the purchases {@link calibrationData} staged (no second read). */
export async function summariseAt(warehouse: Warehouse, calibrationEnd: string, period: Period, merge: TransactionSource['merge'] = 'day'): Promise<CalibrationData> {
  await calibrateAt(warehouse, calibrationEnd, period, merge);
  // Read as columns of doubles: a million customers are hundreds of thousands of distinct rows.
  const frequencies = FrequencyTable.fromColumns(await warehouse.readDoubles<'x' | 'tx' | 'T' | 'weight'>(
    `select x::double as x, tx::double as tx, t_cal::double as "T", count(*)::double as weight from _calibration group by all order by all`,
  ));
  const spends = new SpendTable(await warehouse.readDoubles<'x' | 'meanSpend' | 'weight'>(
    `select x::double as x, mean_repeat_spend::double as "meanSpend", count(*)::double as weight from _calibration where x > 0 and mean_repeat_spend > 0 group by all order by all`,
  ));
  const customers = await warehouse.readScalar<number>('select count(*) from _calibration');
  const [stats] = await warehouse.readAll<{ rows: number; skipped: number }>('select rows, skipped from _purchase_stats');
  const skippedReasons = await warehouse.readAll<{ reason: string; rows: number; examples: string[] }>(
    'select reason, count(*) as rows, list_sort(list_distinct(list(value)))[1:3] as examples from _skipped group by reason order by rows desc',
  );
  return { frequencies, spends, customers, rowsRead: stats?.rows ?? 0, rowsSkipped: stats?.skipped ?? 0, skippedReasons };
}

/** Each customer's x, t_x, T and mean repeat spend at `calibrationEnd`, into `_calibration`. */
export async function calibrateAt(warehouse: Warehouse, calibrationEnd: string, period: Period, merge: TransactionSource['merge'] = 'day'): Promise<void> {
  await warehouse.run(`create or replace temp table _calibration as ${calibrationQuery(calibrationEnd, period, merge)}`);
}

/** The query behind {@link calibrateAt}, over `_purchase_days`: one row per customer who bought by `calibrationEnd`. */
function calibrationQuery(calibrationEnd: string, period: Period, merge: TransactionSource['merge'] = 'day'): string {
  // Merged by period, the calibration end is the start of its period, as the purchases are.
  const end = merge === 'period' && period === 'week' ? `date_trunc('week', ${literal(calibrationEnd)}::date)::date` : `${literal(calibrationEnd)}::date`;
  const unit = DAYS[period];
  return `
    with days as (
        select * from _purchase_days where purchase_date <= ${end}
    )
    select
        customer_id,
        count(*) - 1 as x,
        datediff('day', min(purchase_date), max(purchase_date)) / ${unit} as tx,
        datediff('day', min(purchase_date), ${end}) / ${unit} as t_cal,
        (sum(amount) - arg_min(amount, purchase_date)) / nullif(count(*) - 1, 0) as mean_repeat_spend
    from days
    group by customer_id`;
}

/** Customers who share a calibration (x, t_x, T) and their actual purchases in the holdout. */
export interface HoldoutGroup {
  x: number;
  tx: number;
  T: number;
  actual: number;
  weight: number;
}

/**
 * The customers at `calibrationEnd` (as {@link calibrateAt} has them) with their actual purchases
 * in (calibration end, holdout end], grouped by (x, t_x, T, actual), for the backtest.
 */
export async function holdoutGroups(warehouse: Warehouse, calibrationEnd: string, holdoutEnd: string, period: Period, merge: TransactionSource['merge'] = 'day'): Promise<HoldoutGroup[]> {
  await warehouse.run(holdoutGroupsStatement(calibrationEnd, holdoutEnd, period, merge));
  return readHoldoutGroups(warehouse);
}

/**
 * The statement behind {@link holdoutGroups}: it stages the groups in `_holdout_groups`, with a
 * calibration of its own (`_calibration` is left as it is). A statement, so that a caller can
 * have DuckDB run it while JavaScript fits.
 */
export function holdoutGroupsStatement(calibrationEnd: string, holdoutEnd: string, period: Period, merge: TransactionSource['merge'] = 'day'): string {
  return `
    create or replace temp table _holdout_groups as
    with calibration as (${calibrationQuery(calibrationEnd, period, merge)}
    ),
    actual as (
        select customer_id, count(*) as purchases
        from _purchase_days
        where purchase_date > ${literal(calibrationEnd)}::date and purchase_date <= ${literal(holdoutEnd)}::date
        group by customer_id
    )
    select c.x::double as x, c.tx::double as tx, c.t_cal::double as "T", coalesce(a.purchases, 0)::double as actual, count(*)::double as weight
    from calibration as c
    left join actual as a using (customer_id)
    group by all`;
}

/** The groups {@link holdoutGroupsStatement} staged, in a fixed order, so the sums over them come out the same to the last bit every time. */
export async function readHoldoutGroups(warehouse: Warehouse): Promise<HoldoutGroup[]> {
  // Read as columns: hundreds of thousands of groups at a million customers.
  const groups = await warehouse.readDoubles<keyof HoldoutGroup>('select * from _holdout_groups order by all');
  return Array.from(groups.x, (x, i) => ({ x, tx: groups.tx[i]!, T: groups.T[i]!, actual: groups.actual[i]!, weight: groups.weight[i]! }));
}

/** Drops every temporary table and view this module stages, for a caller whose connection lives on. */
export async function dropStagedTables(warehouse: Warehouse): Promise<void> {
  await warehouse.run(`
    drop view if exists _transactions; drop table if exists _transactions_read; drop table if exists _purchase_days;
    drop table if exists _purchase_stats; drop table if exists _skipped; drop table if exists _calibration;
    drop table if exists _holdout_groups`);
}

/**
 * The calibration's frequency table from its holdout groups (in their order: by x, t_x, T), the
 * rows {@link summariseAt} reads, without another pass over the customers.
 */
export function frequenciesOf(groups: readonly { x: number; tx: number; T: number; weight: number }[]): FrequencyTable {
  // Typed columns filled in place: pushing onto arrays is several times slower on a million rows.
  const columns = { x: new Float64Array(groups.length), tx: new Float64Array(groups.length), T: new Float64Array(groups.length), weight: new Float64Array(groups.length) };
  let rows = 0;
  for (const g of groups) {
    const last = rows - 1;
    if (last >= 0 && columns.x[last] === g.x && columns.tx[last] === g.tx && columns.T[last] === g.T) {
      columns.weight[last]! += g.weight;
    } else {
      columns.x[rows] = g.x;
      columns.tx[rows] = g.tx;
      columns.T[rows] = g.T;
      columns.weight[rows] = g.weight;
      rows++;
    }
  }
  return FrequencyTable.fromColumns({ x: columns.x.subarray(0, rows), tx: columns.tx.subarray(0, rows), T: columns.T.subarray(0, rows), weight: columns.weight.subarray(0, rows) });
}

/**
 * Reads the transactions into `_purchase_days`: one row per customer per day with purchases (per
 * calendar week when merging by period). Dates are read with `dateFormat`, or with the format the
 * values themselves decide; a column that reads both as D/M and M/D, or not as dates at all, is
 * an error that says which flag to pass. Rows that cannot be read go to `_skipped` with why.
 */
async function stagePurchaseDays(warehouse: Warehouse, source: TransactionSource, period: Period): Promise<void> {
  const isFile = !source.from.trim().startsWith('(');
  const relation = isFile ? `read_csv(${literal(source.from)}, header = true, all_varchar = true)` : source.from;
  const columns = await warehouse.readAll<{ column_name: string; column_type: string }>(`describe select * from ${relation}`);
  const types = new Map(columns.map((c) => [c.column_name, c.column_type]));
  for (const [flag, column] of [['--customer-col', source.customerColumn], ['--date-col', source.dateColumn], ['--amount-col', source.amountColumn]] as const) {
    if (!types.has(column)) throw new UsageError(`${flag} ${column}: no such column in ${source.from} (columns: ${[...types.keys()].join(', ')})`);
  }
  // Typed columns (a warehouse table) are read as they are; text (a CSV file) is parsed. The text
  // of a value is only made for the rows that are skipped, to say why.
  const dateColumn = ident(source.dateColumn);
  const amountColumn = ident(source.amountColumn);
  const text = `nullif(trim(${dateColumn}::varchar), '')`;
  const formats = source.dateFormat ? [source.dateFormat] : isFile ? await detectedFormats(warehouse, relation, source.dateColumn) : [];
  const parsed = /^(DATE|TIMESTAMP)/.test(types.get(source.dateColumn)!) && !source.dateFormat
    ? `${dateColumn}::date`
    : formats.length > 0
      ? `try_strptime(${text}, [${formats.map(literal).join(', ')}])::date`
      : `coalesce(try_cast(${text} as date), try_cast(${text} as timestamp)::date)`;
  const day = source.merge === 'period' && period === 'week' ? `date_trunc('week', ${parsed})::date` : parsed;
  // Exact decimals: sums of doubles depend on the order DuckDB's threads add them in, and the fits
  // should come out the same to the last bit from the same data. A decimal column is summed as it is.
  const amountType = types.get(source.amountColumn)!;
  const amount = amountType.startsWith('DECIMAL')
    ? amountColumn
    : /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)/.test(amountType)
      ? `${amountColumn}::decimal(38, 9)`
      : `try_cast(${amountColumn}::varchar as decimal(38, 9))`;
  // A file is parsed once, into a table; a query over the warehouse is cheaper to read again than
  // to copy, so the rows stay a view over it.
  await warehouse.run(`
    create or replace temp ${isFile ? 'table _transactions_read' : 'view _transactions'} as
    select
        customer_id, purchase_date, amount,
        -- The raw values of a row that cannot be used, to show why.
        case when purchase_date is null then coalesce(nullif(trim(raw_date::varchar), ''), '(empty)') end as date_text,
        case when amount is null then coalesce(raw_amount::varchar, '(empty)') end as amount_text
    from (
        select
            nullif(trim(${ident(source.customerColumn)}::varchar), '') as customer_id,
            ${day} as purchase_date,
            ${amount} as amount,
            ${dateColumn} as raw_date,
            ${amountColumn} as raw_amount
        from ${relation}
    )`);
  if (isFile) await warehouse.run('create or replace temp view _transactions as select * from _transactions_read');
  // One pass: each customer's days, with the rows read and those without an amount counted on the
  // way (a sum leaves out the rows without one, as the purchases must). Rows without a customer
  // or a date form groups of their own, counted and then removed.
  await warehouse.run(`
    create or replace temp table _purchase_days as
    select customer_id, purchase_date, sum(amount) as amount, count(*) as _rows, count(amount) as _amounts
    from _transactions
    group by all`);
  await warehouse.run(`
    create or replace temp table _purchase_stats as
    select
        coalesce(sum(_rows), 0) as rows,
        coalesce(sum(case when customer_id is null or purchase_date is null then _rows else _rows - _amounts end), 0) as skipped
    from _purchase_days`);
  await warehouse.run('delete from _purchase_days where customer_id is null or purchase_date is null or _amounts = 0');
  await warehouse.run('alter table _purchase_days drop column _rows');
  await warehouse.run('alter table _purchase_days drop column _amounts');
  // Why rows were skipped is worked out only when some were (the values' text costs a pass of its own).
  const skipped = await warehouse.readScalar<number>('select skipped from _purchase_stats');
  await warehouse.run(`
    create or replace temp table _skipped as
    select
        case
            when customer_id is null then 'no customer'
            when purchase_date is null then 'date does not parse'
            else 'amount is not a number'
        end as reason,
        case when customer_id is null then '(empty)' when purchase_date is null then date_text else amount_text end as value
    from _transactions
    where ${skipped > 0 ? 'customer_id is null or purchase_date is null or amount is null' : 'false'}`);
}

/** The date formats a column's values decide, or an error saying which --date-format to pass. */
async function detectedFormats(warehouse: Warehouse, relation: string, column: string): Promise<string[]> {
  const reading = await readDates(warehouse, relation, column);
  if (reading?.kind === 'iso') return [];
  if (reading?.kind === 'formats') return reading.formats;
  if (reading?.kind === 'ambiguous') {
    throw new UsageError(
      `--date-col ${column}: every date (e.g. ${reading.examples.join(', ')}) reads both as day/month and as month/day; pass --date-format '${reading.dayFirst}' or --date-format '${reading.monthFirst}'`,
    );
  }
  const examples = await warehouse.readAll<{ v: string }>(`select distinct ${ident(column)}::varchar as v from ${relation} where ${ident(column)} is not null order by 1 limit 3`);
  throw new UsageError(`--date-col ${column}: the values do not read as dates (e.g. ${examples.map((e) => e.v).join(', ')}); pass --date-format, e.g. --date-format '%d.%m.%Y'`);
}
