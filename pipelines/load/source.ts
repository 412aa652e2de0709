import { resolve } from 'node:path';
import { ENTITIES, type EntityName } from '../contract/entities.js';
import { checkEncodingName } from './encoding.js';
import { pagesGlob, type Extractor } from '../extract/extractor.js';

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
  formats?: readonly string[] | OpenChoice;
}

/**
 * A choice `clm init source` could not make from the data (a date that reads as D/M and M/D, a
 * required column it could not find). `clm run` refuses a source that still holds one.
 */
export interface OpenChoice {
  readonly openChoice: string;
}

/** Marks a setting as undecided, with what to set: `openChoice('every date reads as D/M/Y and M/D/Y: set formats to [\'%d/%m/%Y\'] or [\'%m/%d/%Y\']')`. */
export function openChoice(question: string): OpenChoice {
  return { openChoice: question };
}

/**
 * How a table feeds the customer-data contract (see `pipelines/contract/entities.ts`): each
 * contract column is a column of the table or a SQL expression over its columns.
 */
export interface Provides {
  entity: EntityName;
  /** Contract column → a column name or SQL: `{ net_revenue: 'Sales', cost: 'Sales - Profit', is_cancelled: "starts_with(InvoiceNo, 'C')" }`. */
  map: Readonly<Record<string, string | OpenChoice>>;
  /** Only rows for which this SQL holds provide the entity, e.g. `'CustomerID is not null'` (guest purchases stay in raw). */
  where?: string;
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
  /**
   * Rows with the same key replace one another; the newer `cursor` wins. Without a key every row
   * is an event of its own (a transaction log): rows are appended, none replaces another.
   */
  primaryKey?: readonly string[];
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
  /**
   * The text encoding of the table's CSV or NDJSON files when it is not UTF-8: `'gb18030'` (also
   * reads GBK and GB2312: 用友, 金蝶), `'big5'`, `'utf-16le'` (Excel's "Unicode text"),
   * `'windows-1252'`. Files are converted to UTF-8 while streaming. Undeclared, a file that is
   * not UTF-8 is refused with the encoding it looks like.
   */
  encoding?: string;
  /**
   * The contract entity this table provides, and how its columns map onto it. A table may provide
   * several (an order-lines export also names each row's customer): give a list.
   */
  provides?: Provides | readonly Provides[];
  /**
   * Pull the rows from the system itself (`rest({...})`, `postgres({...})`, `mysql({...})` from
   * `pipelines/extract/`): each run lands the new pages in the source's folder, then loads them.
   * `files` and `format` then default to the extractor's pages.
   */
  extract?: Extractor;
}

/** A table as a source file declares it: `files` and `format` may be left to its extractor. */
export type TableDeclaration = Omit<TableSpec, 'files' | 'format'> & Partial<Pick<TableSpec, 'files' | 'format'>>;

export interface SourceDefinition {
  /** Lowercase identifier: `crm`, `erp`. */
  name: string;
  description: string;
  /** The source's folder: absolute, or relative to the landing root (default: its name). */
  directory?: string;
  tables: readonly TableSpec[];
  /** The file that declares it, relative to the project root (set by the registry). */
  file?: string;
}

/** Declares a source; checks the declaration so mistakes surface when the registry loads. */
export function defineSource(declared: Omit<SourceDefinition, 'tables'> & { tables: readonly TableDeclaration[] }): SourceDefinition {
  const source: SourceDefinition = { ...declared, tables: declared.tables.map((table) => resolveTable(table, `source ${declared.name}, table ${table.name}`)) };
  if (!/^[a-z][a-z0-9_]*$/.test(source.name)) throw new Error(`Source name must be lowercase snake_case: '${source.name}'`);
  for (const table of source.tables) {
    const where = `source ${source.name}, table ${table.name}`;
    if (!/^[a-z][a-z0-9_]*$/.test(table.name)) throw new Error(`Table name must be lowercase snake_case: ${where}`);
    for (const key of [...(table.primaryKey ?? []), ...(table.cursor ? [table.cursor] : [])]) {
      if (!(key in table.columns)) throw new Error(`Key column '${key}' is not declared: ${where}`);
    }
    if (table.cursor && !table.primaryKey?.length) throw new Error(`A cursor needs a primary key: ${where}`);
    if (table.encoding !== undefined) {
      if (table.format === 'parquet') throw new Error(`Parquet has no text encoding to declare: ${where}`);
      checkEncodingName(table.encoding, where);
    }
    for (const provides of providesOf(table)) checkProvides(provides, where);
  }
  return source;
}

/** A declared table with its files and format filled in from its extractor. */
function resolveTable(table: TableDeclaration, where: string): TableSpec {
  if (!table.extract) {
    if (!table.files || !table.format) throw new Error(`A table without an extractor needs files and format: ${where}`);
    return table as TableSpec;
  }
  if (!table.primaryKey?.length) throw new Error(`A table with an extractor needs a primary key (a record pulled twice must stay one row): ${where}`);
  if (table.format && table.format !== table.extract.format) throw new Error(`The ${table.extract.kind} extractor lands ${table.extract.format}, not ${table.format}: ${where}`);
  return { ...table, files: table.files ?? pagesGlob(table.name, table.extract), format: table.extract.format };
}

/**
 * The contract's side of a mapping, checked when the source loads: the entity exists, every
 * mapped name is one of its columns, and every required column is mapped.
 */
function checkProvides(provides: Provides, where: string): void {
  const target = ENTITIES.find((e) => e.name === provides.entity);
  if (!target) throw new Error(`Contract broken: ${where} provides '${provides.entity}', which is not an entity (${ENTITIES.map((e) => e.name).join(', ')})`);
  const known = new Set(target.columns.map((c) => c.name));
  for (const column of Object.keys(provides.map)) {
    if (column === 'source') throw new Error(`Contract broken: ${where} maps 'source', which clm fills with the source's name`);
    if (!known.has(column)) throw new Error(`Contract broken: ${where}, entity ${target.name}: '${column}' is not a column of the contract (${[...known].join(', ')})`);
  }
  for (const column of target.columns) {
    const defaulted = target.name === 'orders' && column.name === 'order_id';
    if (column.required && !defaulted && !(column.name in provides.map)) {
      throw new Error(`Contract broken: ${where}, entity ${target.name}: required column '${column.name}' is not mapped`);
    }
  }
}

/** Every open choice left in a source's declaration, as text saying what to set. */
export function openChoicesIn(source: SourceDefinition): string[] {
  const found: string[] = [];
  for (const table of source.tables) {
    for (const [name, declared] of Object.entries(table.columns)) {
      const formats = columnSpec(declared).formats;
      if (isOpenChoice(formats)) found.push(`table ${table.name}, column ${name}: ${formats.openChoice}`);
    }
    for (const provides of providesOf(table)) {
      for (const [column, value] of Object.entries(provides.map)) {
        if (isOpenChoice(value)) found.push(`table ${table.name}, ${provides.entity}.${column}: ${value.openChoice}`);
      }
    }
  }
  return found;
}

/** The entities a table provides, as a list. */
export function providesOf(table: TableSpec): readonly Provides[] {
  if (!table.provides) return [];
  return Array.isArray(table.provides) ? table.provides : [table.provides as Provides];
}

export function isOpenChoice(value: unknown): value is OpenChoice {
  return typeof value === 'object' && value !== null && 'openChoice' in value;
}

/** The column's full spec, whichever way it was declared. */
export function columnSpec(declared: ColumnType | ColumnSpec): ColumnSpec {
  return typeof declared === 'string' ? { type: declared } : declared;
}

/** The folder a source's extracts land in: its `directory` (absolute, or under the landing root), else its name under the landing root. */
export function sourceFolder(landingRoot: string, source: SourceDefinition): string {
  return resolve(landingRoot, source.directory ?? source.name);
}

/** `raw.<source>__<table>`'s table name. */
export function rawTableName(source: SourceDefinition, table: TableSpec): string {
  return `${source.name}__${table.name}`;
}
