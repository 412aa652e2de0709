import type { Warehouse } from '../warehouse/connection.js';
import { literal } from '../warehouse/connection.js';
import { ExtractError, errorMessage } from '../errors.js';
import type { TableSpec } from './source.js';

/** Where a file's rows start: the line of the first data row, minus one (CSV has a header). */
export function firstLineOffset(table: TableSpec): number {
  return table.format === 'csv' ? 2 : 1;
}

/** The column names a file has, as DuckDB reads them. */
export async function readFileColumns(warehouse: Warehouse, file: string, table: TableSpec): Promise<string[]> {
  const rows = await readOrExplain(file, () =>
    warehouse.readAll<{ column_name: string }>(`describe select * from ${scanAsText(file, table)}`),
  );
  return rows.map((row) => row.column_name);
}

/**
 * Lands a file, every column as text, into the temporary table `_landing` in file order (its
 * rowid is the data row's index). CSV lines that do not parse as a record go to DuckDB's rejects
 * table `_reject_errors` with their line numbers instead of failing the read.
 */
export async function landFile(warehouse: Warehouse, file: string, table: TableSpec): Promise<void> {
  await warehouse.run('drop table if exists _reject_errors');
  await warehouse.run('drop table if exists _reject_scans');
  await readOrExplain(file, () =>
    warehouse.run(`create or replace temp table _landing as select * from ${scanAsText(file, table, { rejects: true })}`),
  );
}

/** Structural errors DuckDB's CSV reader set aside while landing the last file. */
export async function readRejects(warehouse: Warehouse): Promise<{ line: number; column_name: string | null; error_message: string; csv_line: string | null }[]> {
  const exists = await warehouse.readScalar<number>(
    `select count(*) from duckdb_tables() where table_name = '_reject_errors' and temporary`,
  );
  if (!exists) return [];
  return warehouse.readAll(
    `select line, column_name, error_message, csv_line from _reject_errors order by line, column_idx`,
  );
}

function scanAsText(file: string, table: TableSpec, options: { rejects?: boolean } = {}): string {
  const path = literal(file);
  switch (table.format) {
    case 'csv': {
      const delimiter = table.csv?.delimiter ? `, delim = ${literal(table.csv.delimiter)}` : '';
      const rejects = options.rejects
        ? `, store_rejects = true, rejects_table = '_reject_errors', rejects_scan = '_reject_scans'`
        : '';
      return `read_csv(${path}, header = true, all_varchar = true${delimiter}${rejects})`;
    }
    case 'ndjson':
      return `(select columns(*)::varchar from read_json(${path}, format = 'newline_delimited', sample_size = -1))`;
    case 'parquet':
      return `(select columns(*)::varchar from read_parquet(${path}))`;
  }
}

async function readOrExplain<T>(file: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw new ExtractError(`Cannot read ${file}: ${errorMessage(error)}`, { cause: error });
  }
}
