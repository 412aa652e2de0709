import type { Warehouse } from '../warehouse/connection.js';

/** How a column's dates are written, as far as its values tell. */
export type DateReading =
  | { kind: 'iso' }
  | { kind: 'formats'; formats: string[] }
  | { kind: 'ambiguous'; dayFirst: string; monthFirst: string; examples: string[] };

/**
 * How a column's dates are written, decided from all its values (at least 95% of them must share
 * a form; the rest will not parse and are reported where they are read). D/M/Y and M/D/Y are told apart by
 * a first part above 12 (days first) or a second part above 12 (months first); when neither ever
 * exceeds 12, the data cannot decide and the reading is ambiguous.
 */
export async function readDates(warehouse: Warehouse, text: string, column: string): Promise<DateReading | undefined> {
  const v = `trim(${quote(column)})`;
  const [stats] = await warehouse.readAll<{
    n: number; iso: number; compact: number; slashed: number; ymd: number;
    first_max: number | null; second_max: number | null; separator: string | null; with_time: number; with_seconds: number; two_digit_year: number;
  }>(`
    select
        count(${v}) as n,
        count(*) filter (where regexp_full_match(${v}, '\\d{4}-\\d{2}-\\d{2}([ T]\\d{1,2}:\\d{2}(:\\d{2}(\\.\\d+)?)?)?')) as iso,
        count(*) filter (where regexp_full_match(${v}, '(19|20)\\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\\d|3[01])')) as compact,
        count(*) filter (where regexp_full_match(${v}, '\\d{1,2}[/.-]\\d{1,2}[/.-]\\d{2,4}( \\d{1,2}:\\d{2}(:\\d{2})?)?')) as slashed,
        count(*) filter (where regexp_full_match(${v}, '\\d{4}[/.]\\d{1,2}[/.]\\d{1,2}( \\d{1,2}:\\d{2}(:\\d{2})?)?')) as ymd,
        max(try_cast(regexp_extract(${v}, '^(\\d{1,2})[/.-]', 1) as integer)) as first_max,
        max(try_cast(regexp_extract(${v}, '^\\d{1,2}[/.-](\\d{1,2})[/.-]', 1) as integer)) as second_max,
        any_value(regexp_extract(${v}, '^\\d{1,4}([/.-])', 1)) filter (where regexp_matches(${v}, '^\\d{1,4}[/.-]')) as separator,
        count(*) filter (where regexp_matches(${v}, ' \\d{1,2}:\\d{2}')) as with_time,
        count(*) filter (where regexp_matches(${v}, ' \\d{1,2}:\\d{2}:\\d{2}')) as with_seconds,
        count(*) filter (where regexp_full_match(${v}, '\\d{1,2}[/.-]\\d{1,2}[/.-]\\d{2}( .*)?')) as two_digit_year
    from ${text}`);
  if (!stats || stats.n === 0) return undefined;
  const most = (count: number) => count >= 0.95 * stats.n;
  if (most(stats.iso)) return { kind: 'iso' };
  const time = stats.with_seconds > 0 ? ' %H:%M:%S' : stats.with_time > 0 ? ' %H:%M' : '';
  const withTimes = (format: string) => (time ? [`${format}${time}`, format] : [format]);
  if (most(stats.compact)) return { kind: 'formats', formats: ['%Y%m%d'] };
  const sep = stats.separator ?? '/';
  if (most(stats.ymd)) return { kind: 'formats', formats: withTimes(`%Y${sep}%m${sep}%d`) };
  if (!most(stats.slashed)) return undefined;
  const year = stats.two_digit_year > 0 ? '%y' : '%Y';
  const dayFirst = `%d${sep}%m${sep}${year}`;
  const monthFirst = `%m${sep}%d${sep}${year}`;
  if ((stats.first_max ?? 0) > 12 && (stats.second_max ?? 0) <= 12) return { kind: 'formats', formats: withTimes(dayFirst) };
  if ((stats.second_max ?? 0) > 12 && (stats.first_max ?? 0) <= 12) return { kind: 'formats', formats: withTimes(monthFirst) };
  const examples = (await warehouse.readAll<{ v: string }>(`select distinct ${v} as v from ${text} where ${v} is not null order by 1 limit 3`)).map((r) => r.v);
  return { kind: 'ambiguous', dayFirst: `${dayFirst}${time}`, monthFirst: `${monthFirst}${time}`, examples };
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
