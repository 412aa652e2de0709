import { readFile } from 'node:fs/promises';
import { ClmError } from '../errors.js';
import { literal, type Warehouse } from '../warehouse/connection.js';
import { readDates, type DateReading } from '../load/date-formats.js';

/** What DuckDB's sniffer and a look at the values say about a CSV file. */
export interface CsvInspection {
  delimiter: string;
  /** The file starts with a UTF-8 byte-order mark. */
  bom: boolean;
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
 * column as text, to decide how dates are written. A file that is not UTF-8 is refused with the
 * likely encoding, since a wrong guess would corrupt every name in it.
 */
export async function inspectCsv(warehouse: Warehouse, file: string): Promise<CsvInspection> {
  const head = await readFile(file).then((b) => b.subarray(0, 1 << 20));
  checkUtf8(head, file);
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

/** Refuses bytes that are not UTF-8, naming the encoding they most likely are. */
function checkUtf8(bytes: Buffer, file: string): void {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) throw new ClmError(`${file} is UTF-16 (Excel's "Unicode text"); save it as CSV UTF-8 first`);
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, lastCompleteChar(bytes)));
  } catch {
    // Read as GB18030, Chinese text turns into CJK ideographs; Western text does not.
    const asChinese = new TextDecoder('gb18030').decode(bytes);
    const nonAscii = [...asChinese].filter((c) => c.charCodeAt(0) > 0x7f);
    const ideographs = nonAscii.filter((c) => /\p{Script=Han}/u.test(c)).length;
    const chinese = nonAscii.length > 0 && ideographs / nonAscii.length > 0.8;
    const likely = chinese ? 'GB18030/GBK (the default of Chinese ERPs such as 用友 and 金蝶)' : 'Windows-1252';
    throw new ClmError(`${file} is not UTF-8; it looks like ${likely}. Convert it first, e.g. iconv -f ${chinese ? 'GB18030' : 'WINDOWS-1252'} -t UTF-8`);
  }
}

/** The length of `bytes` without a multi-byte character cut at the end. */
function lastCompleteChar(bytes: Buffer): number {
  let end = bytes.length;
  for (let back = 1; back <= 3 && end - back >= 0; back += 1) {
    const byte = bytes[end - back]!;
    if ((byte & 0xc0) === 0xc0) return end - back;
    if ((byte & 0x80) === 0) break;
  }
  return end;
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
