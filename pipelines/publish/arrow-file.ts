import { writeFile } from 'node:fs/promises';
import { Bool, DateDay, Float64, Table, TimestampMillisecond, Utf8, tableToIPC, vectorFromArray, type DataType, type Vector } from 'apache-arrow';
import type { Warehouse } from '../warehouse/connection.js';
import { ident } from '../warehouse/connection.js';

/**
 * Writes the result of `sql` as an Arrow IPC stream file, the one form DuckDB-Wasm reads with no
 * extension (parquet needs one, fetched from the internet). Values are read column by column from
 * DuckDB, never row by row. Types are narrowed to what reports need: numbers become DOUBLE, lists
 * become comma-separated text, dates and timestamps stay dates and timestamps.
 */
export async function writeArrowFile(warehouse: Warehouse, sql: string, path: string): Promise<{ rows: number; bytes: number }> {
  const described = await warehouse.readAll<{ column_name: string; column_type: string }>(`describe ${sql}`);
  const columns = described.map(({ column_name: name, column_type: type }) => ({ name, ...reportType(type) }));
  const projection = columns.map((c) => `${c.cast(ident(c.name))} as ${ident(c.name)}`).join(', ');
  const reader = await warehouse.connection.runAndReadAll(`select ${projection} from (${sql})`);
  const values = reader.getColumnsObjectJS();
  const vectors: Record<string, Vector> = {};
  for (const column of columns) {
    const data = (values[column.name] ?? []).map((v) => (typeof v === 'bigint' ? Number(v) : v));
    vectors[column.name] = vectorFromArray(data as never[], column.arrow);
  }
  const bytes = tableToIPC(new Table(vectors), 'stream');
  await writeFile(path, bytes);
  return { rows: reader.currentRowCount, bytes: bytes.byteLength };
}

function reportType(duckdbType: string): { arrow: DataType; cast: (column: string) => string } {
  if (duckdbType.endsWith('[]')) return { arrow: new Utf8(), cast: (c) => `array_to_string(${c}, ', ')` };
  if (duckdbType === 'BOOLEAN') return { arrow: new Bool(), cast: (c) => c };
  if (duckdbType === 'DATE') return { arrow: new DateDay(), cast: (c) => c };
  if (duckdbType.startsWith('TIMESTAMP')) return { arrow: new TimestampMillisecond(), cast: (c) => `${c}::timestamp` };
  if (/^(DOUBLE|FLOAT|REAL|DECIMAL|HUGEINT|UHUGEINT|BIGINT|UBIGINT|INTEGER|UINTEGER|SMALLINT|USMALLINT|TINYINT|UTINYINT)/.test(duckdbType)) {
    return { arrow: new Float64(), cast: (c) => `${c}::double` };
  }
  return { arrow: new Utf8(), cast: (c) => `${c}::varchar` };
}
