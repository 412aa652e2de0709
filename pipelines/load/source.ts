/**
 * How a source declares its tables. A source is one file under `pipelines/sources/` whose default
 * export is `defineSource({...})`; nothing else in the tree needs to change to add one.
 */

/** DuckDB types a declared column may have. */
export type ColumnType =
  | 'VARCHAR'
  | 'INTEGER'
  | 'BIGINT'
  | 'DOUBLE'
  | 'BOOLEAN'
  | 'DATE'
  | 'TIMESTAMP'
  | `DECIMAL(${number},${number})`;

export interface ColumnSpec {
  type: ColumnType;
  /** The header in the file when it differs from the column name, e.g. `'客户名称'`. */
  from?: string;
  /** A missing value is a bad row. Primary-key columns are always required. */
  required?: boolean;
  /** strptime formats tried in order for DATE and TIMESTAMP columns; ISO 8601 is the default. */
  formats?: readonly string[];
}

export type FileFormat = 'csv' | 'ndjson' | 'parquet';

export interface TableSpec {
  /** Lands as `raw.<source>__<name>`. */
  name: string;
  description?: string;
  /** A glob relative to the source's folder, e.g. `'orders_*.csv'`. */
  files: string;
  format: FileFormat;
  columns: Record<string, ColumnType | ColumnSpec>;
  /** Rows with the same key replace one another; the newer `cursor` wins. */
  primaryKey: readonly string[];
  /** The column whose larger value marks the newer version of a row (e.g. `updated_at`). */
  cursor?: string;
  /** Named SQL predicates each row must satisfy, over the typed columns: `{ quantity_positive: 'quantity > 0' }`. */
  checks?: Record<string, string>;
  /** What to do when a file's columns differ from the declaration. The default rejects the file. */
  schemaEvolution?: {
    /** Columns in the file but not declared: reject the file (default) or ignore them. */
    added?: 'fail' | 'ignore';
    /** Declared columns missing from the file: reject the file (default) or load them as null. */
    missing?: 'fail' | 'null';
  };
  /** CSV dialect: the delimiter defaults to a comma; quotes are `"`. */
  csv?: { delimiter?: string };
}

export interface SourceDefinition {
  /** Lowercase identifier: `crm`, `erp`. */
  name: string;
  description: string;
  /** The source's folder under the landing root (defaults to its name). */
  directory?: string;
  tables: readonly TableSpec[];
}

/** Declares a source; checks the declaration so mistakes surface when the registry loads. */
export function defineSource(source: SourceDefinition): SourceDefinition {
  if (!/^[a-z][a-z0-9_]*$/.test(source.name)) throw new Error(`Source name must be lowercase snake_case: '${source.name}'`);
  for (const table of source.tables) {
    const where = `source ${source.name}, table ${table.name}`;
    if (!/^[a-z][a-z0-9_]*$/.test(table.name)) throw new Error(`Table name must be lowercase snake_case: ${where}`);
    for (const key of [...table.primaryKey, ...(table.cursor ? [table.cursor] : [])]) {
      if (!(key in table.columns)) throw new Error(`Key column '${key}' is not declared: ${where}`);
    }
    if (table.primaryKey.length === 0) throw new Error(`A primary key is required: ${where}`);
  }
  return source;
}

/** The column's full spec, whichever way it was declared. */
export function columnSpec(declared: ColumnType | ColumnSpec): ColumnSpec {
  return typeof declared === 'string' ? { type: declared } : declared;
}

/** `raw.<source>__<table>`'s table name. */
export function rawTableName(source: SourceDefinition, table: TableSpec): string {
  return `${source.name}__${table.name}`;
}
