import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Warehouse } from '../warehouse/connection.js';
import { literal } from '../warehouse/connection.js';
import { ExtractError, errorMessage } from '../errors.js';
import type { TableSpec } from './source.js';

/** The column names a file has, as DuckDB reads them. */
export async function readFileColumns(warehouse: Warehouse, file: string, table: TableSpec): Promise<string[]> {
  if (table.format === 'csv') return readOrExplain(file, () => readCsvHeader(file, table.csv?.delimiter ?? ','));
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
export async function landFile(warehouse: Warehouse, file: string, table: TableSpec, headers: readonly string[]): Promise<void> {
  await warehouse.run('drop table if exists _reject_errors');
  await warehouse.run('drop table if exists _reject_scans');
  await readOrExplain(file, () =>
    warehouse.run(`create or replace temp table _landing as select * from ${scanAsText(file, table, headers)}`),
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

function scanAsText(file: string, table: TableSpec, headers: readonly string[] = []): string {
  const path = literal(file);
  switch (table.format) {
    case 'csv': {
      // No sniffing: the dialect and the columns are known, and a sniffer can be misled by the
      // very lines that should be quarantined.
      const columns = `{${headers.map((h) => `${literal(h)}: 'VARCHAR'`).join(', ')}}`;
      return `read_csv(${path}, auto_detect = false, header = true, columns = ${columns},
        delim = ${literal(table.csv?.delimiter ?? ',')}, quote = '"', escape = '"',
        store_rejects = true, rejects_table = '_reject_errors', rejects_scan = '_reject_scans')`;
    }
    case 'ndjson':
      // Landing reuses the keys found by readFileColumns instead of scanning the file again to infer them.
      return headers.length > 0
        ? `read_json(${path}, format = 'newline_delimited', columns = {${headers.map((h) => `${literal(h)}: 'VARCHAR'`).join(', ')}})`
        : `(select columns(*)::varchar from read_json(${path}, format = 'newline_delimited', sample_size = -1))`;
    case 'parquet':
      return `(select columns(*)::varchar from read_parquet(${path}))`;
  }
}

/** The header line of a CSV file, split on the delimiter (quotes honoured, a BOM dropped). */
async function readCsvHeader(file: string, delimiter: string): Promise<string[]> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 64 * 1024 });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let header = '';
  for await (const line of lines) {
    header = line;
    break;
  }
  lines.close();
  stream.destroy();
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (const ch of header.replace(/^\uFEFF/, '')) {
    if (ch === '"') quoted = !quoted;
    else if (ch === delimiter && !quoted) {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

async function readOrExplain<T>(file: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw new ExtractError(`Cannot read ${file}: ${errorMessage(error)}`, { cause: error });
  }
}
