import { DuckDBDoubleVector, DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { WarehouseLockedError, errorMessage } from '../errors.js';

/** A row as JavaScript values; BIGINT and HUGEINT that fit are plain numbers. */
export type Row = Record<string, unknown>;

/** Parameters bound to `$1, $2, …` in order. */
export type Params = readonly DuckDBValue[];

/** An open DuckDB database file with the small API the pipeline needs. */
export interface Warehouse {
  readonly path: string;
  readonly connection: DuckDBConnection;
  /** Runs a statement and returns all rows, read into memory at once. */
  readAll<T extends Row = Row>(sql: string, params?: Params): Promise<T[]>;
  /** Runs a statement and returns its columns by name, each an array (no object per row). */
  readColumns<T extends Record<string, unknown[]> = Record<string, unknown[]>>(sql: string, params?: Params): Promise<T>;
  /**
   * Runs a query whose columns are all DOUBLE without nulls and returns them as Float64Arrays,
   * read straight out of DuckDB's vectors (no conversion per value: a million rows in tens of
   * milliseconds, where {@link readColumns} takes most of a second).
   */
  readDoubles<K extends string>(sql: string, params?: Params): Promise<Record<K, Float64Array>>;
  /** Runs a statement and returns the number of rows it changed. */
  run(sql: string, params?: Params): Promise<number>;
  /** Runs every statement of `sql` in turn and returns each one's rows. */
  readEach(sql: string): Promise<Row[][]>;
  /** Runs a statement and returns the first column of the first row. */
  readScalar<T = unknown>(sql: string, params?: Params): Promise<T>;
  closeSync(): void;
}

export interface OpenOptions {
  readOnly?: boolean;
  /** DuckDB's memory_limit, e.g. '2GB'. */
  memoryLimit?: string;
  /** Where DuckDB spills what does not fit memoryLimit. */
  tempDirectory?: string;
  /** Worker threads (default: every core). */
  threads?: number;
  /** false: no file outside the warehouse may be read or written (COPY, ATTACH, read_csv…). */
  externalAccess?: boolean;
}

/**
 * Opens (or creates) a warehouse file. Extension autoloading and autoinstalling are off: native
 * DuckDB has parquet, json and icu built in, and nothing may be downloaded at run time.
 */
export async function openWarehouse(path: string, options: OpenOptions = {}): Promise<Warehouse> {
  const config: Record<string, string> = {
    autoload_known_extensions: 'false',
    autoinstall_known_extensions: 'false',
  };
  if (options.readOnly) config['access_mode'] = 'READ_ONLY';
  if (options.memoryLimit) config['memory_limit'] = options.memoryLimit;
  if (options.tempDirectory) config['temp_directory'] = options.tempDirectory;
  if (options.threads) config['threads'] = String(options.threads);
  if (options.externalAccess === false) config['enable_external_access'] = 'false';
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path, config);
  } catch (error) {
    const message = errorMessage(error);
    if (/lock/i.test(message)) throw new WarehouseLockedError(`Warehouse ${path} is in use by another process: ${message}`);
    throw error;
  }
  const connection = await instance.connect();
  await connection.run("set TimeZone = 'UTC'");
  return {
    path,
    connection,
    async readAll<T extends Row>(sql: string, params?: Params) {
      const reader = await connection.runAndReadAll(sql, params ? [...params] : undefined);
      return reader.getRowObjectsJS().map((row) => normaliseRow(row) as T);
    },
    async readColumns<T extends Record<string, unknown[]>>(sql: string, params?: Params) {
      const reader = await connection.runAndReadAll(sql, params ? [...params] : undefined);
      return reader.getColumnsObjectJS() as T;
    },
    async readDoubles<K extends string>(sql: string, params?: Params) {
      const result = await connection.run(sql, params ? [...params] : undefined);
      const names = result.columnNames();
      const chunks = Array.from({ length: result.chunkCount }, (_, i) => result.getChunk(i));
      const rows = chunks.reduce((sum, chunk) => sum + chunk.rowCount, 0);
      const columns = {} as Record<K, Float64Array>;
      names.forEach((name, c) => {
        const column = new Float64Array(rows);
        let at = 0;
        for (const chunk of chunks) {
          const vector = chunk.getColumnVector(c);
          if (!(vector instanceof DuckDBDoubleVector)) throw new Error(`readDoubles: column ${name} is ${vector.type.toString()}, not DOUBLE`);
          for (let i = 0; i < vector.itemCount; i++) {
            const value = vector.getItem(i);
            if (value === null) throw new Error(`readDoubles: column ${name} has a null`);
            column[at + i] = value;
          }
          at += vector.itemCount;
        }
        columns[name as K] = column;
      });
      return columns;
    },
    async readEach(sql: string) {
      const statements = await connection.extractStatements(sql);
      const results: Row[][] = [];
      for (let i = 0; i < statements.count; i++) {
        const reader = await (await statements.prepare(i)).runAndReadAll();
        results.push(reader.getRowObjectsJS().map((row) => normaliseRow(row)));
      }
      return results;
    },
    async run(sql: string, params?: Params) {
      const result = await connection.run(sql, params ? [...params] : undefined);
      return result.rowsChanged;
    },
    async readScalar<T>(sql: string, params?: Params) {
      const reader = await connection.runAndReadAll(sql, params ? [...params] : undefined);
      const row = reader.getRowsJS()[0];
      return normaliseValue(row?.[0]) as T;
    },
    closeSync() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Opens a warehouse, hands it to `fn`, and closes it whatever happens. */
export async function withWarehouse<T>(path: string, fn: (warehouse: Warehouse) => Promise<T>, options?: OpenOptions): Promise<T> {
  const warehouse = await openWarehouse(path, options);
  try {
    return await fn(warehouse);
  } finally {
    warehouse.closeSync();
  }
}

function normaliseRow(row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) out[key] = normaliseValue(value);
  return out;
}

/** BIGINT comes back as bigint; counts and sums fit in a double, so hand them over as numbers. */
export function normaliseValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
  }
  if (Array.isArray(value)) return value.map(normaliseValue);
  return value;
}

/** Quotes an identifier for DuckDB. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a string literal for DuckDB. */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
