import { createReadStream } from 'node:fs';
import type { Warehouse } from '../warehouse/connection.js';
import { ident } from '../warehouse/connection.js';

const LINE_FEED = 0x0a;

/**
 * Reads a UTF-8 text file into the temporary table `name(line bigint, text varchar)`: every line
 * with its 1-based number, as the file has it (a carriage return kept, the text after the last
 * newline included even when empty, as `string_split` gives it). The file goes to DuckDB a block
 * of whole lines at a time (about `blockBytes`, cut after a line feed), and DuckDB splits each
 * block: a file of any size stays under the memory cap, where `read_text` holds a whole file as
 * one value and fails on a file half the cap's size. The file must be UTF-8 (checked before).
 */
export async function appendFileLines(warehouse: Warehouse, file: string, name: string, blockBytes = 32 * 2 ** 20): Promise<void> {
  await warehouse.run(`create or replace temp table ${ident(name)} (line bigint, text varchar)`);
  let linesBefore = 0;
  // Each block is the bytes of its lines without the line feed after the last one. It goes in
  // through the appender as one blob (a bound parameter of that size is several times slower).
  const insertBlock = async (block: Buffer) => {
    await warehouse.run('create or replace temp table _file_block (bytes blob)');
    const appender = await warehouse.connection.createAppender('_file_block', 'main', 'temp');
    appender.appendBlob(block);
    appender.endRow();
    appender.closeSync();
    await warehouse.run(`
      insert into ${ident(name)}
      select generate_subscripts(parts, 1) + ${linesBefore} as line, unnest(parts) as text
      from (select string_split(decode(bytes), chr(10)) as parts from _file_block)`);
    linesBefore += countLineFeeds(block) + 1;
  };
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: Math.min(4 * 2 ** 20, blockBytes) })) {
    pending.push(chunk as Buffer);
    pendingBytes += (chunk as Buffer).length;
    if (pendingBytes < blockBytes) continue;
    const buffer = Buffer.concat(pending);
    const lastLineFeed = buffer.lastIndexOf(LINE_FEED);
    if (lastLineFeed === -1) continue;
    await insertBlock(buffer.subarray(0, lastLineFeed));
    pending = [buffer.subarray(lastLineFeed + 1)];
    pendingBytes = pending[0]!.length;
  }
  await insertBlock(Buffer.concat(pending));
  await warehouse.run('drop table _file_block');
}

function countLineFeeds(buffer: Buffer): number {
  let count = 0;
  for (let at = buffer.indexOf(LINE_FEED); at !== -1; at = buffer.indexOf(LINE_FEED, at + 1)) count += 1;
  return count;
}
