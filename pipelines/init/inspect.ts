import { ClmError } from '../errors.js';
import { detectEncoding, readHead, scanFile, utf8Copy } from '../load/encoding.js';
import { literal, type Warehouse } from '../warehouse/connection.js';
import { readDates, type DateReading } from '../load/date-formats.js';

/** What DuckDB's sniffer and a look at the values say about a CSV file. */
export interface CsvInspection {
  delimiter: string;
  /** The file starts with a byte-order mark. */
  bom: boolean;
  /** The file's encoding when it is not UTF-8: a value for the table's `encoding`, and what it is. */
  encoding?: { setting: string; description: string };
  lineEnding: 'LF' | 'CRLF';
  rows: number;
  columns: InspectedColumn[];
}

export interface InspectedColumn {
  header: string;
  /** DuckDB's sniffed type: BIGINT, DOUBLE, VARCHAR, DATE, TIMESTAMP, BOOLEAN. */
  sniffed: string;
  /** For a column whose values are dates: how to read them, or why that cannot be decided. */
  date?: DateReading;
  /** A few values, for the comments of the generated file. */
  examples: string[];
}

/**
 * Reads a CSV file with DuckDB: the dialect and types from `sniff_csv`, then every value of every
 * column as text, to decide how dates are written. A file that is not UTF-8 is read through a
 * UTF-8 copy in the encoding it most likely is (GB18030, UTF-16, Windows-1252...), which the
 * inspection reports for the source to declare.
 */
export async function inspectCsv(warehouse: Warehouse, file: string): Promise<CsvInspection> {
  const { firstNonUtf8Byte } = await scanFile(file, true);
  if (firstNonUtf8Byte === null) return inspectUtf8Csv(warehouse, file);
  const head = await readHead(file, 2);
  const encoding = await detectEncoding(file, firstNonUtf8Byte);
  const copy = await utf8Copy(file, encoding.setting);
  try {
    const bom = (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff);
    return { ...(await inspectUtf8Csv(warehouse, copy.path)), bom, encoding };
  } finally {
    await copy.dispose();
  }
}

async function inspectUtf8Csv(warehouse: Warehouse, file: string): Promise<CsvInspection> {
  const head = await readHead(file);
  const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
  const firstLineEnd = head.indexOf(0x0a);
  const lineEnding = firstLineEnd > 0 && head[firstLineEnd - 1] === 0x0d ? 'CRLF' : 'LF';
  const [sniff] = await warehouse.readAll<{ Delimiter: string; HasHeader: boolean; Columns: { name: string; type: string }[] }>(
    `select Delimiter, HasHeader, Columns from sniff_csv(${literal(file)}, sample_size = -1)`,
  );
  if (!sniff?.HasHeader) throw new ClmError(`${file}: no header line found; clm init source needs the column names on the first line`);
  const text = `read_csv(${literal(file)}, delim = ${literal(sniff.Delimiter)}, header = true, all_varchar = true)`;
  const rows = await warehouse.readScalar<number>(`select count(*) from ${text}`);
  const columns: InspectedColumn[] = [];
  for (const { name, type } of sniff.Columns) {
    const examples = (await warehouse.readAll<{ v: string }>(
      `select distinct ${quote(name)} as v from ${text} where ${quote(name)} is not null order by 1 limit 3`,
    )).map((r) => r.v);
    columns.push({ header: name.replace(/^\uFEFF/, ''), sniffed: type, examples, date: await readDates(warehouse, text, name) });
  }
  return { delimiter: sniff.Delimiter, bom, lineEnding, rows, columns };
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
