import type { Warehouse } from '../warehouse/connection.js';
import type { FileScan } from './encoding.js';
import type { TableSpec } from './source.js';
import { numberedLines } from './read-file.js';

/**
 * The file's real 1-based line of every landed row, computed in DuckDB from the file's text:
 * `_data_lines(landing_rowid, line)`, keyed by the row's rowid in `_landing`. It counts
 * blank lines, and a quoted CSV field that spans lines keeps its record on its first line.
 * DuckDB's CSV reader numbers a rejected line by records and blank lines, not by physical lines:
 * `_logical_lines(logical_line, line)` maps those numbers to the file's lines. `scan` (the file's
 * own bytes, from scanFile) lets a file with one record per line skip reading its text.
 */
export async function mapLines(warehouse: Warehouse, file: string, table: TableSpec, rejectedLogicalLines: readonly number[], scan?: Pick<FileScan, 'lines' | 'hasQuote' | 'hasBlankLine'>): Promise<void> {
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
  const rejected = rejectedLogicalLines.length > 0 ? `[${rejectedLogicalLines.join(', ')}]` : '[]::bigint[]';
  // No quote and no blank line: each line is the header, a record or a rejected line, and the
  // reader's numbers are the file's. When the count agrees (a line of spaces only would upset
  // it), rows take the lines left in order, with no pass over the text.
  if (scan && !scan.hasQuote && !scan.hasBlankLine) {
    const landed = await warehouse.readScalar<number>('select count(*) from _landing');
    if (Number(landed) + rejectedLogicalLines.length + 1 === scan.lines) {
      await warehouse.run(`create or replace temp table _logical_lines as select unnest(${rejected}) as logical_line, unnest(${rejected}) as line, false as is_blank`);
      await warehouse.run(
        rejectedLogicalLines.length === 0
          ? `create or replace temp table _data_lines as select rowid as landing_rowid, rowid - ${base} + 2 as line from _landing`
          : `create or replace temp table _data_lines as
             select row_number() over (order by line) - 1 + ${base} as landing_rowid, line
             from range(2, ${scan.lines + 1}) as t(line)
             where not list_contains(${rejected}, line)`,
      );
      return;
    }
  }
  // A line starts a record when the quotes before it are balanced.
  const quotes = `length(text) - length(replace(text, '"', ''))`;
  await warehouse.run(`
    create or replace temp table _logical_lines as
    with lines as (
        select line, text from ${await numberedLines(warehouse, file)}
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
        -- Nothing but spaces, tabs and a carriage return (a search, where trim would copy each line).
        not regexp_matches(text, '[^\\r \\t]') as is_blank
    from starts
    where starts_record`);
  await warehouse.run(`
    create or replace temp table _data_lines as
    select row_number() over (order by line) - 1 + ${base} as landing_rowid, line
    from _logical_lines
    where not is_blank
        and logical_line > 1
        and not list_contains(${rejected}, logical_line)`);
}
