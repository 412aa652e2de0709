import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import chardet from 'chardet';
import iconv from 'iconv-lite';
import { ClmError } from '../errors.js';

/**
 * Text encodings of extract files. DuckDB reads UTF-8 only; a table whose files are in another
 * encoding declares it (`encoding: 'gb18030'`) and each file is converted to UTF-8 while
 * streaming, before DuckDB sees it. A file that is not UTF-8 and says nothing is refused with
 * the encoding it most likely is, never loaded as `????`.
 */

/** What a table's files are read as when it declares nothing. */
export const DEFAULT_ENCODING = 'utf-8';

/** Whether an `encoding` setting means UTF-8 (no conversion). */
export function isUtf8Encoding(encoding: string | undefined): boolean {
  return encoding === undefined || /^utf-?8$/i.test(encoding.trim());
}

/** Throws when iconv-lite does not know the encoding's name. */
export function checkEncodingName(encoding: string, where: string): void {
  if (!iconv.encodingExists(encoding)) {
    throw new Error(`Unknown encoding '${encoding}': ${where} (names such as gb18030, big5, utf-16le, windows-1252)`);
  }
}

/** One streamed pass over a file's bytes: its checksum, and where it first stops being UTF-8. */
export interface FileScan {
  checksum: string;
  /** Byte offset of the first byte that is not valid UTF-8; null for a UTF-8 file. */
  firstNonUtf8Byte: number | null;
  /** Lines in the file (line feeds, plus a last line without one). */
  lines: number;
  /** Whether a double quote occurs anywhere (a quoted CSV field may then span lines). */
  hasQuote: boolean;
  /** Whether an empty line occurs (one that is only a line feed or CR LF). */
  hasBlankLine: boolean;
}

/**
 * SHA-256 of a file, the offset of its first invalid UTF-8 byte, and its lines, quotes and blank
 * lines (which decide how row line numbers can be known, see line-map.ts), in one read. Each chunk is
 * checked with Node's native UTF-8 validator; a character cut by a chunk's end is carried over.
 */
export async function scanFile(path: string, checkUtf8: boolean): Promise<FileScan> {
  const hash = createHash('sha256');
  let offset = 0;
  let carry = Buffer.alloc(0);
  let firstNonUtf8Byte: number | null = null;
  // Native searches (memchr), so these cost little beside the hash. A line feed ending one chunk
  // and starting the next is a blank line too; so is one that starts the file.
  let lines = 0;
  let hasQuote = false;
  let hasBlankLine = false;
  let previousByte = 0x0a;
  for await (const data of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const chunk = data as Buffer;
    hash.update(chunk);
    if (chunk.length > 0) {
      for (let at = chunk.indexOf(0x0a); at >= 0; at = chunk.indexOf(0x0a, at + 1)) lines += 1;
      hasQuote ||= chunk.indexOf(0x22) >= 0;
      hasBlankLine ||= (previousByte === 0x0a && (chunk[0] === 0x0a || (chunk[0] === 0x0d && chunk[1] === 0x0a))) || chunk.indexOf('\n\n') >= 0 || chunk.indexOf('\n\r\n') >= 0;
      previousByte = chunk[chunk.length - 1]!;
    }
    if (checkUtf8 && firstNonUtf8Byte === null) {
      const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const start = offset - carry.length;
      const complete = completeCharsLength(bytes);
      if (!isUtf8(bytes.subarray(0, complete))) firstNonUtf8Byte = start + firstInvalidIndex(bytes.subarray(0, complete));
      carry = Buffer.from(bytes.subarray(complete));
    }
    offset += chunk.length;
  }
  // A file that ends inside a multi-byte character was cut there.
  if (checkUtf8 && firstNonUtf8Byte === null && carry.length > 0) firstNonUtf8Byte = offset - carry.length;
  if (offset > 0 && previousByte !== 0x0a) lines += 1;
  return { checksum: hash.digest('hex'), firstNonUtf8Byte, lines, hasQuote, hasBlankLine };
}

/** The file's line and column (1-based, in characters) of a byte offset, and the bytes there. */
export async function locateByte(path: string, offset: number): Promise<{ line: number; column: number; bytes: Buffer; lineBytes: Buffer }> {
  let line = 1;
  let lineStart = 0;
  let read = 0;
  const lineChunks: Buffer[] = [];
  for await (const data of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const chunk = data as Buffer;
    const upTo = Math.min(chunk.length, offset + 1 - read);
    for (let at = chunk.indexOf(0x0a); at >= 0 && at < upTo; at = chunk.indexOf(0x0a, at + 1)) {
      line += 1;
      lineStart = read + at + 1;
      lineChunks.length = 0;
    }
    lineChunks.push(chunk.subarray(Math.max(0, lineStart - read)));
    read += chunk.length;
    if (read > offset) break;
  }
  const fromLineStart = Buffer.concat(lineChunks);
  const end = fromLineStart.indexOf(0x0a);
  const lineBytes = end >= 0 ? fromLineStart.subarray(0, end) : fromLineStart;
  const before = lineBytes.subarray(0, offset - lineStart);
  return { line, column: [...before.toString('utf8')].length + 1, bytes: lineBytes.subarray(offset - lineStart, offset - lineStart + 4), lineBytes };
}

/** Refusal of a file that is not UTF-8 and whose table declares no encoding. */
export class EncodingError extends ClmError {}

/**
 * The error for a file that is not UTF-8: where it stops being UTF-8, what it most likely is and
 * the setting that reads it.
 */
export async function notUtf8Error(path: string, shown: string, offset: number, table: string): Promise<EncodingError> {
  const at = await locateByte(path, offset);
  const likely = likelyEncoding(Buffer.concat([await readHead(path), at.lineBytes]));
  return new EncodingError(
    `${shown} is not UTF-8: line ${at.line}, column ${at.column} has the bytes ${[...at.bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ')}. ` +
      `It looks like ${likely.description}. Declare it on table ${table}: encoding: '${likely.setting}'`,
  );
}

/** The encoding a file that stops being UTF-8 at `offset` most likely is: its head and that line, judged together. */
export async function detectEncoding(path: string, offset: number): Promise<{ setting: string; description: string }> {
  const at = await locateByte(path, offset);
  return likelyEncoding(Buffer.concat([await readHead(path), at.lineBytes]));
}

/** The encoding bytes that are not UTF-8 most likely are, as a value for `encoding`. */
export function likelyEncoding(bytes: Buffer): { setting: string; description: string } {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { setting: 'utf-16le', description: `UTF-16LE (Excel's "Unicode text")` };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { setting: 'utf-16be', description: 'UTF-16BE' };
  // chardet tells the multi-byte encodings apart on a real sample (GB18030 from Big5 from Shift_JIS).
  const [best] = chardet.analyse(bytes);
  const known: Record<string, { setting: string; description: string }> = {
    'UTF-16LE': { setting: 'utf-16le', description: 'UTF-16LE' },
    'UTF-16BE': { setting: 'utf-16be', description: 'UTF-16BE' },
    GB18030: { setting: 'gb18030', description: 'GB18030/GBK (the default of Chinese ERPs such as 用友 and 金蝶)' },
    Big5: { setting: 'big5', description: 'Big5 (traditional Chinese)' },
    Shift_JIS: { setting: 'shift_jis', description: 'Shift_JIS (Japanese)' },
    'EUC-KR': { setting: 'euc-kr', description: 'EUC-KR (Korean)' },
  };
  if (best && best.confidence >= 50 && known[best.name]) return known[best.name]!;
  // A short sample: read as GB18030, Chinese text turns into CJK ideographs; Western text does not.
  const nonAscii = [...iconv.decode(bytes, 'gb18030')].filter((c) => c.charCodeAt(0) > 0x7f);
  const ideographs = nonAscii.filter((c) => /\p{Script=Han}/u.test(c)).length;
  if (nonAscii.length > 0 && ideographs / nonAscii.length > 0.8) return known.GB18030!;
  return { setting: 'windows-1252', description: 'Windows-1252 (Western European, older shop systems and Excel)' };
}

/** A UTF-8 copy of a file in another encoding, converted while streaming, and how to remove it. */
export async function utf8Copy(path: string, encoding: string): Promise<{ path: string; dispose: () => Promise<void> }> {
  const folder = await mkdtemp(join(tmpdir(), 'clm-utf8-'));
  const copy = join(folder, 'converted');
  const dispose = () => rm(folder, { recursive: true, force: true });
  try {
    // The decoder drops a byte-order mark; the UTF-8 encoder writes none.
    await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), iconv.decodeStream(encoding), iconv.encodeStream('utf-8'), createWriteStream(copy));
  } catch (error) {
    await dispose();
    throw error;
  }
  return { path: copy, dispose };
}

/** The file's first bytes (1 MiB unless told), as a sample. */
export async function readHead(path: string, bytes = 1 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const data of createReadStream(path, { start: 0, end: bytes - 1 })) {
    chunks.push(data as Buffer);
    length += (data as Buffer).length;
  }
  return Buffer.concat(chunks, length);
}

/** The length of `bytes` without a multi-byte UTF-8 character cut at its end. */
export function completeCharsLength(bytes: Uint8Array): number {
  const end = bytes.length;
  for (let back = 1; back <= 3 && end - back >= 0; back += 1) {
    const byte = bytes[end - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back for the lead
    if ((byte & 0xc0) === 0xc0) {
      const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return back < needed ? end - back : end;
    }
    return end; // ASCII
  }
  return end;
}

/** Index of the first byte of `bytes` that breaks UTF-8 (called once isUtf8 said one does). */
function firstInvalidIndex(bytes: Buffer): number {
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index]!;
    const length = lead < 0x80 ? 1 : (lead & 0xe0) === 0xc0 ? 2 : (lead & 0xf0) === 0xe0 ? 3 : (lead & 0xf8) === 0xf0 ? 4 : 0;
    if (length === 0 || !isUtf8(bytes.subarray(index, index + length))) return index;
    index += length;
  }
  return bytes.length;
}
