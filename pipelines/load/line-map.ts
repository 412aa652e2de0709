import { literal, type Warehouse } from '../warehouse/connection.js';
import type { TableSpec } from './source.js';

/**
 * The file's real 1-based line of every landed row, computed in DuckDB from the file's text:
 * `_data_lines(landing_rowid, line)`, keyed by the row's rowid in `_landing`. It counts
 * blank lines, and a quoted CSV field that spans lines keeps its record on its first line.
 * DuckDB's CSV reader numbers a rejected line by records and blank lines, not by physical lines:
 * `_logical_lines(logical_line, line)` maps those numbers to the file's lines.
 */
export async function mapLines(warehouse: Warehouse, file: string, table: TableSpec, rejectedLogicalLines: readonly number[]): Promise<void> {
  // Rowids of a temp table made inside a transaction do not start at 0: rows are numbered from the first.
  const base = (await warehouse.readScalar<number | null>('select min(rowid) from _landing')) ?? 0;
  if (table.format === 'parquet') {
    // No lines in a parquet file: the row's place, from 1.
    await warehouse.run(`create or replace temp table _data_lines as select rowid as landing_rowid, rowid - ${base} + 1 as line from _landing`);
    await warehouse.run('create or replace temp table _logical_lines (logical_line bigint, line bigint)');
    return;
  }
  if (table.format === 'ndjson') {
    // The lines were numbered when the file was read (see read-file.ts); landing kept the good ones in order.
    await warehouse.run(`
      create or replace temp table _data_lines as
      select row_number() over (order by line) - 1 + ${base} as landing_rowid, line
      from _ndjson_lines
      where problem is null`);
    await warehouse.run('create or replace temp table _logical_lines (logical_line bigint, line bigint)');
    return;
  }
  // A line starts a record when the quotes before it are balanced.
  const quotes = `length(text) - length(replace(text, '"', ''))`;
  await warehouse.run(`
    create or replace temp table _logical_lines as
    with lines as (
        select unnest(parts) as text, generate_subscripts(parts, 1) as line
        from (select string_split(content, chr(10)) as parts from read_text(${literal(file)}))
    ),
    starts as (
        select
            line,
            text,
            coalesce(sum(${quotes}) over (order by line rows between unbounded preceding and 1 preceding), 0) % 2 = 0 as starts_record
        from lines
    )
    select
        row_number() over (order by line) as logical_line,
        line,
        trim(text, chr(13) || chr(32) || chr(9)) = '' as is_blank
    from starts
    where starts_record`);
  const rejected = rejectedLogicalLines.length > 0 ? `[${rejectedLogicalLines.join(', ')}]` : '[]::bigint[]';
  await warehouse.run(`
    create or replace temp table _data_lines as
    select row_number() over (order by line) - 1 + ${base} as landing_rowid, line
    from _logical_lines
    where not is_blank
        and logical_line > 1
        and not list_contains(${rejected}, logical_line)`);
}
