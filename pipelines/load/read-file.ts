import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Warehouse } from '../warehouse/connection.js';
import { ident, literal } from '../warehouse/connection.js';
import { ExtractError, errorMessage } from '../errors.js';
import type { TableSpec } from './source.js';
import { appendFileLines } from './file-lines.js';

/**
 * The column names a file has. An NDJSON file is read here, once, into `_ndjson_lines`: one row
 * per non-blank line with its line number and what is wrong with it (not JSON, not an object);
 * its columns are the keys of its objects, in the order they first appear.
 */
export async function readFileColumns(warehouse: Warehouse, file: string, table: TableSpec): Promise<string[]> {
  switch (table.format) {
    case 'csv':
      return readOrExplain(file, () => readCsvHeader(file, table.csv?.delimiter ?? ','));
    case 'ndjson': {
      await readOrExplain(file, async () => warehouse.run(ndjsonLinesSql(await numberedLines(warehouse, file))));
      // Lines share a handful of key lists: each distinct list is unnested once, not each line's.
      const keys = await warehouse.readAll<{ key: string }>(`
        select key
        from (
            select unnest(keys) as key, line, generate_subscripts(keys, 1) as position
            from (
                select json_keys(text) as keys, min(line) as line
                from _ndjson_lines
                where problem is null
                group by 1
            )
        )
        group by key
        order by min(line), min(position)`);
      return keys.map((row) => row.key);
    }
    case 'parquet': {
      const rows = await readOrExplain(file, () =>
        warehouse.readAll<{ column_name: string }>(`describe select * from read_parquet(${literal(file)})`),
      );
      return rows.map((row) => row.column_name);
    }
  }
}

/**
 * Lands a file, every column as text, into the temporary table `_landing` in file order (its
 * rowid is the data row's index). CSV lines that do not parse as a record go to DuckDB's rejects
 * table `_reject_errors` with their line numbers instead of failing the read; NDJSON lines that
 * are not JSON objects stay in `_ndjson_lines` with their problem.
 */
export async function landFile(warehouse: Warehouse, file: string, table: TableSpec, headers: readonly string[]): Promise<void> {
  await warehouse.run('drop table if exists _reject_errors');
  await warehouse.run('drop table if exists _reject_scans');
  await readOrExplain(file, () =>
    warehouse.run(`create or replace temp table _landing as ${landingSelect(file, table, headers)}`),
  );
}

/** The (logical) line numbers DuckDB's CSV reader set aside while landing the last file. */
export async function readRejectedLines(warehouse: Warehouse): Promise<number[]> {
  if (!(await hasRejects(warehouse))) return [];
  const rows = await warehouse.readAll<{ line: number }>('select distinct line from _reject_errors order by line');
  return rows.map((row) => Number(row.line));
}

/**
 * SQL for the lines of the last landed file that are not records, one row per line with
 * `line, column_name, reason, record`: CSV lines DuckDB's reader could not split (their lines
 * mapped to the file's, see line-map.ts) and NDJSON lines that are not JSON objects.
 */
export function structuralRejectsSql(table: TableSpec): string {
  switch (table.format) {
    case 'csv':
      return `
        select coalesce(l.line, r.line) as line, r.column_name, 'malformed line: ' || r.error_message as reason, to_json({'csv_line': r.csv_line}) as record
        from (select distinct on (line) line, column_name, error_message, csv_line from _reject_errors order by line, column_idx) as r
        left join _logical_lines as l on l.logical_line = r.line`;
    case 'ndjson':
      return `select line, null::varchar as column_name, problem as reason, to_json({'line_text': text}) as record from _ndjson_lines where problem is not null`;
    case 'parquet':
      return 'select null::bigint as line, null::varchar as column_name, null::varchar as reason, null::json as record where false';
  }
}

async function hasRejects(warehouse: Warehouse): Promise<boolean> {
  const count = await warehouse.readScalar<number>(`select count(*) from duckdb_tables() where table_name = '_reject_errors' and temporary`);
  return Number(count) > 0;
}

function landingSelect(file: string, table: TableSpec, headers: readonly string[]): string {
  const path = literal(file);
  switch (table.format) {
    case 'csv': {
      // No sniffing: the dialect and the columns are known, and a sniffer can be misled by the
      // very lines that should be quarantined.
      const columns = `{${headers.map((h) => `${literal(h)}: 'VARCHAR'`).join(', ')}}`;
      return `select * from read_csv(${path}, auto_detect = false, header = true, columns = ${columns},
        delim = ${literal(table.csv?.delimiter ?? ',')}, quote = '"', escape = '"',
        store_rejects = true, rejects_table = '_reject_errors', rejects_scan = '_reject_scans')`;
    }
    case 'ndjson': {
      // Each object is parsed once for all its keys; values are text as read_json gives them
      // (strings unquoted, numbers and nested values as JSON text).
      const paths = `[${headers.map((h) => literal(`$."${h.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)).join(', ')}]`;
      const columns = headers.map((h, i) => `_values[${i + 1}] as ${ident(h)}`);
      return `
        select ${columns.length > 0 ? columns.join(', ') : 'null::varchar as _empty'}
        from (select line, json_extract_string(text, ${headers.length > 0 ? paths : "['$']"}) as _values from _ndjson_lines where problem is null)
        order by line`;
    }
    case 'parquet':
      return `select columns(*)::varchar from read_parquet(${path})`;
  }
}

/**
 * `_ndjson_lines(line, text, problem)`: every non-blank line of an NDJSON file with its 1-based
 * line number, and why it cannot be a row (null when it can). `lines` is a relation of
 * (line, text), from {@link numberedLines}.
 */
function ndjsonLinesSql(lines: string): string {
  return `
    create or replace temp table _ndjson_lines as
    select
        line,
        text,
        case
            when not json_valid(text) then 'not valid JSON'
            when json_type(text) <> 'OBJECT' then 'not a JSON object (' || lower(json_type(text)) || ')'
        end as problem
    from ${lines}
    -- Not blank: a character other than a space, a tab or a carriage return (a search stops at the
    -- first; trim would copy every line).
    where regexp_matches(text, '[^\\r \\t]')`;
}

/**
 * A relation of the file's lines (line, text). DuckDB splits a file that fits a quarter of its
 * memory cap in one statement (read_text holds the whole file as one value, then its lines: about
 * three times its size); a bigger file is streamed into `_file_lines` a block of lines at a time.
 */
export async function numberedLines(warehouse: Warehouse, file: string): Promise<string> {
  const limit = parseBytes(await warehouse.readScalar<string>(`select current_setting('memory_limit')`));
  if ((await stat(file)).size * 4 > limit) {
    // Blocks of an eighth of the cap at most: a block is held as text, then as its lines.
    await appendFileLines(warehouse, file, '_file_lines', Math.min(32 * 2 ** 20, Math.floor(limit / 8)));
    return '_file_lines';
  }
  return `(
        select unnest(parts) as text, generate_subscripts(parts, 1) as line
        from (select string_split(content, chr(10)) as parts from read_text(${literal(file)}))
    )`;
}

const UNITS: Record<string, number> = { bytes: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40 };

/** DuckDB's way of writing a size ('2.7 GiB', '512.0 MiB') in bytes; no limit when unreadable. */
function parseBytes(setting: string): number {
  const match = /^([\d.]+)\s*(\w+)$/.exec(setting.trim());
  const unit = match ? UNITS[match[2]!] : undefined;
  return match && unit ? Number(match[1]) * unit : Number.POSITIVE_INFINITY;
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
