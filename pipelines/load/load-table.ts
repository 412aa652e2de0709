import { open, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import type { Warehouse } from '../warehouse/connection.js';
import { ident, literal } from '../warehouse/connection.js';
import { ClmError, SchemaDriftError } from '../errors.js';
import { kyselyFor } from '../warehouse/kysely-dialect.js';
import type { MetaTables } from '../warehouse/meta-schema.js';
import { DEFAULT_ENCODING, isUtf8Encoding, notUtf8Error, scanFile, utf8Copy, type FileScan } from './encoding.js';
import { ensureRawTable } from './raw-table.js';
import { landFile, readFileColumns, readRejectedLines, structuralRejectsSql } from './read-file.js';
import { mapLines } from './line-map.js';
import { columnSpec, rawTableName, sourceFolder, type SourceDefinition, type TableSpec } from './source.js';
import { resolveVersionsSql, validateSql } from './validate-sql.js';

export interface LoadContext {
  warehouse: Warehouse;
  runId: string;
  /** The folder that holds one folder per source. */
  landingRoot: string;
  /** Paths in records and messages are shown relative to this folder. */
  displayRoot?: string;
  /**
   * Commit each file on its own: its rows, quarantine and record in one transaction, its work
   * tables outside any (a transaction keeps every table it replaced until it ends, so a table of
   * many big files would hold them all). Otherwise the caller's transaction holds everything.
   */
  commitPerFile?: boolean;
}

export interface FileLoad {
  file: string;
  rowsRead: number;
  rowsLoaded: number;
  rowsQuarantined: number;
}

export interface TableLoad {
  table: string;
  files: FileLoad[];
  filesSkipped: number;
  rowsRead: number;
  rowsLoaded: number;
  rowsQuarantined: number;
}

/**
 * Loads a table's new files into `raw.<source>__<table>`. A file whose checksum was loaded before
 * is skipped, so loading twice adds nothing. Rows that cannot load go to `meta.quarantine` with
 * their file, line, column and reason; for every file, rows read = rows loaded + rows quarantined.
 */
export async function loadTable(context: LoadContext, source: SourceDefinition, table: TableSpec): Promise<TableLoad> {
  const { warehouse } = context;
  const rawTable = `raw.${ident(rawTableName(source, table))}`;
  await ensureRawTable(warehouse, rawTable, table);

  const result: TableLoad = { table: `${source.name}.${table.name}`, files: [], filesSkipped: 0, rowsRead: 0, rowsLoaded: 0, rowsQuarantined: 0 };
  const text = table.format !== 'parquet';
  const utf8 = isUtf8Encoding(table.encoding);
  for (const file of await listFiles(warehouse, sourceFolder(context.landingRoot, source), table.files)) {
    const shown = context.displayRoot ? relative(context.displayRoot, file) : file;
    // A file loaded before and not touched since (same name, size and modification time, as make
    // and rsync judge it) is known without reading it: an incremental run costs what is new.
    const { size: fileSize, mtime } = await stat(file);
    const untouched = await warehouse.readScalar<number>(
      'select count(*) from meta.loaded_files where source = $1 and table_name = $2 and file = $3 and size_bytes = $4 and modified_at = $5::timestamp',
      [source.name, table.name, shown, fileSize, mtime.toISOString()],
    );
    if (Number(untouched) > 0) {
      result.filesSkipped += 1;
      continue;
    }
    const scan = await scanFile(file, text && utf8);
    const { checksum, firstNonUtf8Byte } = scan;
    const seen = await warehouse.readScalar<number>(
      'select count(*) from meta.loaded_files where source = $1 and table_name = $2 and checksum = $3',
      [source.name, table.name, checksum],
    );
    if (seen > 0) {
      result.filesSkipped += 1;
      continue;
    }
    if (firstNonUtf8Byte !== null) throw await notUtf8Error(file, shown, firstNonUtf8Byte, `${source.name}.${table.name}`);
    // DuckDB reads UTF-8: a file in another declared encoding is read from a converted copy.
    const converted = text && !utf8 ? await utf8Copy(file, table.encoding ?? DEFAULT_ENCODING) : undefined;
    const readable = converted?.path ?? file;
    const size = (await stat(readable)).size;
    let load: FileLoad;
    try {
      // An empty file (a transfer that wrote nothing yet) has no header to check and no rows: it
      // is recorded as loaded with 0 rows, and the other files of the table load as usual.
      // The scan's line facts are about the original bytes: a converted copy is mapped line by line.
      if (size > 0) await prepareFile(warehouse, source, table, rawTable, readable, shown, converted ? undefined : scan);
      const endsWithLineFeed = !text || size === 0 ? null : await endsWithNewline(readable, size);
      load = await inFileTransaction(context, async () => {
        const written = size === 0 ? { file: shown, rowsRead: 0, rowsLoaded: 0, rowsQuarantined: 0 } : await writeFile(context, source, table, rawTable, shown);
        await kyselyFor<MetaTables>(warehouse)
          .insertInto('meta.loaded_files')
          .values({
            source: source.name,
            table_name: table.name,
            file: shown,
            checksum,
            size_bytes: fileSize,
            modified_at: mtime,
            rows_read: written.rowsRead,
            rows_loaded: written.rowsLoaded,
            rows_quarantined: written.rowsQuarantined,
            run_id: context.runId,
            loaded_at: new Date(),
            ends_with_newline: endsWithLineFeed,
          })
          .execute();
        return written;
      });
    } finally {
      await converted?.dispose();
    }
    result.files.push(load);
    result.rowsRead += load.rowsRead;
    result.rowsLoaded += load.rowsLoaded;
    result.rowsQuarantined += load.rowsQuarantined;
  }
  return result;
}

/** `fn` in a transaction of its own when the load commits file by file; in the caller's otherwise. */
async function inFileTransaction<T>(context: LoadContext, fn: () => Promise<T>): Promise<T> {
  if (!context.commitPerFile) return fn();
  await context.warehouse.run('begin transaction');
  try {
    const value = await fn();
    await context.warehouse.run('commit');
    return value;
  } catch (error) {
    await context.warehouse.run('rollback');
    throw error;
  }
}

/**
 * Reads a file into the work tables, up to `_final`: every row with its file line, its typed
 * values, and the reasons it cannot load (none for a row that loads). Writes nothing else.
 */
async function prepareFile(warehouse: Warehouse, source: SourceDefinition, table: TableSpec, rawTable: string, file: string, shown: string, scan: FileScan | undefined): Promise<void> {
  const headers = await readFileColumns(warehouse, file, table);
  const present = matchColumns(headers, table, shown, `${source.name}.${table.name}`);

  await landFile(warehouse, file, table, headers);
  const rejectedLines = await readRejectedLines(warehouse);
  await mapLines(warehouse, file, table, rejectedLines, scan);
  await warehouse.run(validateSql(table, present));
  await warehouse.run(resolveVersionsSql(table, rawTable));
}

/** Writes the prepared file: its rows that load into the raw table, the others into quarantine. */
async function writeFile(context: LoadContext, source: SourceDefinition, table: TableSpec, rawTable: string, shown: string): Promise<FileLoad> {
  const { warehouse } = context;
  const where = { run: literal(context.runId), source: literal(source.name), table: literal(table.name), file: literal(shown) };
  const quarantined = await warehouse.run(`
    insert into meta.quarantine
    select
        ${where.run}, ${where.source}, ${where.table}, ${where.file}, f._line,
        f._reasons[1].column,
        array_to_string(list_transform(f._reasons, r -> coalesce('column ' || r.column || ': ', '') || r.reason), '; '),
        to_json(l),
        now()
    from _final as f
    inner join _landing as l on l.rowid = f._rowid
    where len(f._reasons) > 0`);
  const structural = await warehouse.run(`
    insert into meta.quarantine
    select ${where.run}, ${where.source}, ${where.table}, ${where.file}, line, column_name, reason, record, now()
    from (${structuralRejectsSql(table)})`);

  const declared = Object.keys(table.columns).map(ident);
  if (table.primaryKey?.length) {
    const keyMatch = table.primaryKey.map((k) => `${rawTable}.${ident(k)} = f.${ident(k)}`).join(' and ');
    await warehouse.run(`delete from ${rawTable} using _final as f where len(f._reasons) = 0 and ${keyMatch}`);
  }
  const loaded = await warehouse.run(`
    insert into ${rawTable}
    select ${declared.join(', ')}, ${where.file}, _line, ${where.run}, now()
    from _final
    where len(_reasons) = 0`);

  const landed = await warehouse.readScalar<number>('select count(*) from _landing');
  const read = landed + structural;
  if (read !== loaded + quarantined + structural) {
    throw new ClmError(`Load lost rows: ${shown} (${source.name}.${table.name}): read ${read}, loaded ${loaded}, quarantined ${quarantined + structural}`);
  }
  return { file: shown, rowsRead: read, rowsLoaded: loaded, rowsQuarantined: quarantined + structural };
}

/** Whether a text file's last byte is a line feed (a cut transfer often ends mid-line). */
async function endsWithNewline(file: string, size: number): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

/**
 * Matches a file's header to the declared columns (case and surrounding spaces ignored).
 * Returns declared name → header; throws {@link SchemaDriftError} when the difference is not one
 * the source allows.
 */
export function matchColumns(headers: readonly string[], table: TableSpec, file: string, tableName: string): Map<string, string> {
  const normalise = (name: string) => name.trim().toLowerCase();
  const byNormalised = new Map(headers.map((h) => [normalise(h), h]));
  const present = new Map<string, string>();
  const missing: string[] = [];
  for (const [name, declared] of Object.entries(table.columns)) {
    const expected = columnSpec(declared).from ?? name;
    const header = byNormalised.get(normalise(expected));
    if (header === undefined) missing.push(expected);
    else present.set(name, header);
  }
  const used = new Set([...present.values()]);
  const unexpected = headers.filter((h) => !used.has(h));
  const keysMissing = (table.primaryKey ?? []).filter((k) => !present.has(k));
  const missingFails = missing.length > 0 && (table.schemaEvolution?.missing !== 'null' || keysMissing.length > 0);
  const addedFails = unexpected.length > 0 && table.schemaEvolution?.added !== 'ignore';
  if (missingFails || addedFails) throw new SchemaDriftError(file, tableName, missing, unexpected);
  return present;
}

/** The files a table's glob matches, in name order, found by DuckDB's own `glob`. */
async function listFiles(warehouse: Warehouse, directory: string, pattern: string): Promise<string[]> {
  const rows = await warehouse.readAll<{ file: string }>(`select file from glob(${literal(join(directory, pattern))}) order by file`);
  return rows.map((row) => row.file).filter((file) => !basename(file).startsWith('.'));
}
