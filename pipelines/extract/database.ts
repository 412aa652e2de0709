import { Readable, Transform } from 'node:stream';
import { environmentVariable } from '../config.js';
import { ExtractError, errorMessage } from '../errors.js';
import type { ExtractContext, ExtractResult, Extractor, ExtractState } from './extractor.js';
import { PageWriter } from './extractor.js';

/**
 * An ERP's database as a source table: `extract: postgres({...})` or `extract: mysql({...})`
 * (MySQL and MariaDB). A table or a query per entity, pulled in pages of `pageRows` rows ordered
 * by (cursor, id), each streamed to a CSV file in the landing folder (PostgreSQL's COPY … TO
 * STDOUT; mysql2's row stream) in bounded memory. The whole pull reads one snapshot (a
 * repeatable-read, read-only transaction).
 *
 * The state is the (cursor, id) of the last row pulled; the next pull starts strictly after it,
 * so a row comes again only when its cursor moved (it was updated). A soft delete is an update
 * that sets a flag: map `where: 'not is_deleted'` to take the row out of the marts.
 */
export interface DatabaseOptions {
  /** The environment variable holding the connection URL (`postgres://user:pass@host:5432/erp`, `mysql://…`). */
  connection: { env: string };
  /** A table (or view) to pull… */
  table?: string;
  /** …or a SELECT, when the entity needs a join or a filter. */
  query?: string;
  /** The column whose larger value marks a newer row (`updated_at`); rows are pulled in its order. */
  cursor: string;
  /** The row's key: orders rows that share a cursor value. */
  id: string;
  /** Rows per landed page (default 100,000). */
  pageRows?: number;
}

/** What one database needs from a driver: queries for a page's bounds, and a page streamed as CSV. */
interface Driver {
  /** One row of text values, or undefined when the query returns none. */
  one(sql: string): Promise<string[] | undefined>;
  /** The rows of `sql` as CSV with a header line. */
  csv(sql: string): Promise<Readable>;
  begin(): Promise<void>;
  end(): Promise<void>;
  quoteIdent(name: string): string;
  quoteText(value: string): string;
  /** SQL for a column's value as text. */
  asText(expression: string): string;
}

export function postgres(options: DatabaseOptions): Extractor {
  return databaseExtractor('postgres', options, async (url) => {
    const pg = (await import('pg')).default;
    const { to: copyTo } = await import('pg-copy-streams');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return {
      async one(sql) {
        const result = await client.query({ text: sql, rowMode: 'array' });
        return result.rows[0] as string[] | undefined;
      },
      async csv(sql) {
        return client.query(copyTo(`copy (${sql}) to stdout with (format csv, header)`));
      },
      begin: async () => void (await client.query('begin isolation level repeatable read read only')),
      end: async () => {
        await client.query('commit').catch(() => undefined);
        await client.end();
      },
      quoteIdent: (name) => client.escapeIdentifier(name),
      quoteText: (value) => client.escapeLiteral(value),
      asText: (expression) => `(${expression})::text`,
    };
  });
}

export function mysql(options: DatabaseOptions): Extractor {
  return databaseExtractor('mysql', options, async (url) => {
    const { createConnection } = await import('mysql2');
    // Values as the server writes them: dates, decimals and big integers as text.
    const connection = createConnection({ uri: url, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, decimalNumbers: false });
    const run = (sql: string) =>
      new Promise<unknown[]>((resolve, reject) => connection.query({ sql, rowsAsArray: true }, (error, rows) => (error ? reject(error) : resolve(rows as unknown[]))));
    return {
      async one(sql) {
        const [row] = (await run(sql)) as unknown[][];
        return row?.map((v) => (v === null ? (null as unknown as string) : String(v)));
      },
      async csv(sql) {
        const query = connection.query({ sql, rowsAsArray: true }) as unknown as NodeJS.EventEmitter & { stream(options: { highWaterMark: number }): Readable };
        const fields = new Promise<string[]>((resolve, reject) => {
          query.once('fields', (f: { name: string }[]) => resolve(f.map((x) => x.name)));
          query.once('error', reject);
        });
        let headerSent = false;
        const rows = query.stream({ highWaterMark: 1000 });
        const csv = new Transform({
          writableObjectMode: true,
          transform(row: unknown[], _encoding, done) {
            fields.then((names) => {
              const header = headerSent ? '' : `${names.map(csvField).join(',')}\n`;
              headerSent = true;
              done(null, `${header}${row.map(csvValue).join(',')}\n`);
            }, done);
          },
        });
        // A failing query fails the page instead of leaving it half written.
        rows.on('error', (error) => csv.destroy(error));
        return rows.pipe(csv);
      },
      begin: async () => {
        await run('set session transaction isolation level repeatable read');
        await run('start transaction with consistent snapshot, read only');
      },
      end: async () => {
        await run('commit').catch(() => undefined);
        await new Promise<void>((resolve) => connection.end(() => resolve()));
      },
      quoteIdent: (name) => `\`${name.replace(/`/g, '``')}\``,
      quoteText: (value) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`,
      asText: (expression) => `cast(${expression} as char)`,
    };
  });
}

function databaseExtractor(kind: 'postgres' | 'mysql', options: DatabaseOptions, connect: (url: string) => Promise<Driver>): Extractor {
  if (!options.table === !options.query) throw new Error(`${kind}(): give a table or a query, not both`);
  return {
    kind,
    format: 'csv',
    async pull(context: ExtractContext): Promise<ExtractResult> {
      const url = environmentVariable(options.connection.env, `The ${kind} extractor`);
      let driver: Driver;
      try {
        driver = await connect(url);
      } catch (error) {
        throw new ExtractError(`${kind}: cannot connect (${options.connection.env}): ${errorMessage(error)}`, { cause: error });
      }
      try {
        await driver.begin();
        return await pullPages(driver, options, context);
      } catch (error) {
        if (error instanceof ExtractError) throw error;
        throw new ExtractError(`${kind} ${options.table ?? 'query'}: ${errorMessage(error)}`, { cause: error });
      } finally {
        await driver.end();
      }
    },
  };
}

async function pullPages(driver: Driver, options: DatabaseOptions, context: ExtractContext): Promise<ExtractResult> {
  const from = options.table ? options.table.split('.').map(driver.quoteIdent).join('.') : `(${options.query})`;
  const cursor = driver.quoteIdent(options.cursor);
  const id = driver.quoteIdent(options.id);
  const pageRows = options.pageRows ?? 100_000;
  const pages = new PageWriter(context.folder, context.runId, 'csv');
  const after = (state: ExtractState) =>
    state.cursor === null
      ? 'true'
      : `(${cursor} > ${driver.quoteText(state.cursor)} or (${cursor} = ${driver.quoteText(state.cursor)} and ${id} > ${driver.quoteText(state.lastId ?? '')}))`;
  let state = context.state;
  let records = 0;
  for (;;) {
    // The page's last row: where this page ends and the next starts.
    const rows = `select * from ${from} as s where ${after(state)}`;
    // Aliased: ORDER BY would otherwise sort by the text columns of the same name (1, 10, 100, 2…).
    const bounds = `select ${driver.asText(cursor)} as _cursor_text, ${driver.asText(id)} as _id_text from (${rows}) as r`;
    const last = await driver.one(`${bounds} order by ${cursor}, ${id} limit 1 offset ${pageRows - 1}`);
    const end = last ?? (await driver.one(`${bounds} order by ${cursor} desc, ${id} desc limit 1`));
    if (!end) break;
    const [endCursor, endId] = end as [string, string];
    const upTo = `(${cursor} < ${driver.quoteText(endCursor)} or (${cursor} = ${driver.quoteText(endCursor)} and ${id} <= ${driver.quoteText(endId)}))`;
    const counted = await driver.one(`select ${driver.asText('count(*)')} from (${rows}) as r where ${upTo}`);
    const name = await pages.stream(await driver.csv(`${rows} and ${upTo} order by ${cursor}, ${id}`));
    records += Number(counted?.[0] ?? 0);
    state = { cursor: endCursor, lastId: endId };
    context.log(`    ${name}: ${Number(counted?.[0] ?? 0).toLocaleString('en-US')} rows (${records.toLocaleString('en-US')} so far), up to ${options.cursor} ${endCursor}`);
    if (!last) break;
  }
  context.log(`    ${records.toLocaleString('en-US')} rows in ${pages.written} pages; next pull after ${state.cursor ?? 'the start'}${state.lastId ? ` (${options.id} ${state.lastId})` : ''}`);
  return { pages: pages.written, records, state };
}

/** A value in a CSV field: empty for NULL, quoted when it must be. */
function csvValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Buffer.isBuffer(value)) return csvField(value.toString('utf8'));
  if (typeof value === 'object') return csvField(JSON.stringify(value));
  return csvField(String(value));
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
