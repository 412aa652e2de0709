import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { Warehouse } from '../warehouse/connection.js';
import { ident } from '../warehouse/connection.js';

/**
 * Streams a UTF-8 text file into the temporary table `name(line bigint, text varchar)`: every
 * line with its 1-based number, as the file has it (a carriage return kept, the text after the
 * last newline included even when empty, as `string_split` gives it). The lines go through
 * DuckDB's appender a chunk of the file at a time, so a file of any size stays under the memory
 * cap: `read_text` holds a whole file as one value, and fails on a file half the cap's size.
 */
export async function appendFileLines(warehouse: Warehouse, file: string, name: string): Promise<void> {
  await warehouse.run(`create or replace temp table ${ident(name)} (line bigint, text varchar)`);
  const appender = await warehouse.connection.createAppender(name, 'main', 'temp');
  const decoder = new StringDecoder('utf8');
  let line = 0;
  let rest = '';
  const append = (text: string) => {
    appender.appendBigInt(BigInt(++line));
    appender.appendVarchar(text);
    appender.endRow();
  };
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) {
      const text = rest + decoder.write(chunk as Buffer);
      let start = 0;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        append(text.slice(start, end));
        start = end + 1;
      }
      rest = text.slice(start);
    }
    append(rest + decoder.end());
    appender.closeSync();
  } catch (error) {
    appender.closeSync();
    throw error;
  }
}
