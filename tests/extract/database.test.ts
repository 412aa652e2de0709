// Database extractors against real PostgreSQL and MariaDB servers on loopback, started here from
// Debian's packages. A full pull, an incremental pull after inserts, updates and soft deletes,
// and a pull killed at a page then resumed must each leave the warehouse equal to the server's
// table, row for row.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project } from '../../pipelines/config.js';
import { mysql, postgres } from '../../pipelines/extract/database.js';
import { loadAssets } from '../../pipelines/load/assets.js';
import { defineSource, type SourceDefinition } from '../../pipelines/load/source.js';
import { runPipeline } from '../../pipelines/orchestration/runner.js';
import { clm } from '../helpers/cli.js';
import { startMariadb, startPostgres, type DatabaseServer } from '../helpers/db-servers.js';
import { freshProject, projectWithSources, query, tempDir } from '../helpers/warehouse.js';

/** One database's dialect for the test's own statements. */
interface Db {
  name: 'postgres' | 'mariadb';
  start: () => Promise<DatabaseServer>;
  exec: (url: string, sql: string) => Promise<void>;
  /** The table as text rows, the way the warehouse should hold it. */
  rows: (url: string) => Promise<OrderRow[]>;
  extractor: typeof postgres;
  now: string;
}

interface OrderRow {
  id: string;
  customer_id: string;
  amount: string;
  status: string;
  is_deleted: boolean;
  updated_at: string;
}

const ROWS_SQL = `select cast(id as char(20)) as id, customer_id, cast(amount as char(20)) as amount, status, is_deleted, cast(updated_at as char(30)) as updated_at from sales_order order by id`;

const DATABASES: Db[] = [
  {
    name: 'postgres',
    start: startPostgres,
    extractor: postgres,
    now: 'clock_timestamp()',
    async exec(url, sql) {
      const pg = (await import('pg')).default;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    },
    async rows(url) {
      const pg = (await import('pg')).default;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const result = await client.query(ROWS_SQL.replace(/char\((\d+)\)/g, 'varchar'));
        return result.rows.map(normalise);
      } finally {
        await client.end();
      }
    },
  },
  {
    name: 'mariadb',
    start: startMariadb,
    extractor: mysql,
    now: 'now(6)',
    async exec(url, sql) {
      const { createConnection } = await import('mysql2/promise');
      const connection = await createConnection({ uri: url, multipleStatements: true });
      try {
        await connection.query(sql);
      } finally {
        await connection.end();
      }
    },
    async rows(url) {
      const { createConnection } = await import('mysql2/promise');
      const connection = await createConnection({ uri: url });
      try {
        const [rows] = await connection.query(ROWS_SQL);
        return (rows as Record<string, unknown>[]).map(normalise);
      } finally {
        await connection.end();
      }
    },
  },
];

/** Both sides' rows in one shape: text, booleans as booleans, timestamps with microseconds. */
function normalise(row: Record<string, unknown>): OrderRow {
  const stamp = String(row['updated_at']).replace('T', ' ');
  return {
    id: String(row['id']),
    customer_id: String(row['customer_id']),
    amount: Number(row['amount']).toFixed(2),
    status: String(row['status']),
    is_deleted: row['is_deleted'] === true || row['is_deleted'] === 1 || row['is_deleted'] === '1',
    updated_at: stamp.includes('.') ? stamp.padEnd(26, '0') : `${stamp}.000000`,
  };
}

async function warehouseRows(project: Project): Promise<OrderRow[]> {
  const rows = await query(project, `select id::varchar as id, customer_id, amount::varchar as amount, status, is_deleted, strftime(updated_at, '%Y-%m-%d %H:%M:%S.%f') as updated_at from raw.erp_db__sales_order order by id`);
  return rows.map(normalise);
}

const COLUMNS = { id: 'BIGINT', customer_id: 'VARCHAR', amount: 'DECIMAL(12,2)', status: 'VARCHAR', is_deleted: 'BOOLEAN', updated_at: 'TIMESTAMP' } as const;

describe.each(DATABASES)('$name extractor', (db) => {
  let server: DatabaseServer;
  beforeAll(async () => {
    server = await db.start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** A fresh `sales_order` table: 1,000 rows, 300 of them sharing one updated_at (a bulk import). */
  async function seed(): Promise<void> {
    const boolean = db.name === 'postgres' ? 'boolean' : 'tinyint(1)';
    const timestamp = db.name === 'postgres' ? 'timestamp(6)' : 'datetime(6)';
    const values = Array.from({ length: 1000 }, (_, i) => {
      const at = i < 300 ? '2025-03-01 08:00:00' : `2025-03-${String(2 + (i % 25)).padStart(2, '0')} 10:${String(i % 60).padStart(2, '0')}:00.${String(i).padStart(6, '0')}`;
      return `(${i + 1}, 'C${(i * 7) % 180}', ${((i * 37) % 9000) / 100 + 1}, '${i % 9 === 0 ? '已取消' : 'paid'}', false, '${at}')`;
    });
    await db.exec(server.url, `drop table if exists sales_order`);
    await db.exec(server.url, `create table sales_order (id bigint primary key, customer_id varchar(20) not null, amount decimal(12,2) not null, status varchar(20) not null, is_deleted ${boolean} not null, updated_at ${timestamp} not null)`);
    await db.exec(server.url, `insert into sales_order values ${values.join(', ')}`);
  }

  function source(env: string, pageRows: number): SourceDefinition {
    return defineSource({
      name: 'erp_db',
      description: 'ERP orders from the database',
      tables: [{ name: 'sales_order', columns: COLUMNS, primaryKey: ['id'], cursor: 'updated_at', extract: db.extractor({ connection: { env }, table: 'sales_order', cursor: 'updated_at', id: 'id', pageRows }) }],
    });
  }

  async function pull(project: Project, definition: SourceDefinition): Promise<string[]> {
    const log: string[] = [];
    const summary = await runPipeline({ paths: project, assets: loadAssets(definition), log: (line) => log.push(line) });
    expect(summary.status, log.join('\n')).toBe('success');
    return log;
  }

  it('pulls the table in pages, then only what changed: inserts, updates and soft deletes', async () => {
    await seed();
    process.env['TEST_DB_URL'] = server.url;
    const project = freshProject();
    const definition = source('TEST_DB_URL', 128); // 300 rows share a cursor value across page edges

    const full = await pull(project, definition);
    expect(await warehouseRows(project)).toEqual(await db.rows(server.url));
    expect(full.join('\n')).toMatch(/1,000 rows in 8 pages/);

    await db.exec(server.url, `insert into sales_order values (1001, 'C1', 12.50, 'paid', false, ${db.now}), (1002, 'C2', 99.99, 'paid', false, ${db.now})`);
    await db.exec(server.url, `update sales_order set status = 'refunded', updated_at = ${db.now} where id in (5, 500)`);
    await db.exec(server.url, `update sales_order set is_deleted = true, updated_at = ${db.now} where id = 42`);
    await pull(project, definition);

    expect(await warehouseRows(project)).toEqual(await db.rows(server.url));
    // The second pull read the five changed rows only.
    expect(await query(project, `select sum(rows_read)::int as rows from meta.loaded_files group by run_id order by min(loaded_at)`)).toEqual([{ rows: 1000 }, { rows: 5 }]);
  });

  it('resumes a pull killed at a page: the next run ends with exactly the table', async () => {
    await seed();
    const dir = tempDir();
    const file = join(dir, 'erp-db.ts');
    writeFileSync(
      file,
      `import { defineSource } from '../load/source.js';
import { ${db.extractor.name} } from '../extract/database.js';

export default defineSource({
  name: 'erp_db',
  description: 'ERP orders from the database',
  tables: [
    {
      name: 'sales_order',
      columns: ${JSON.stringify(COLUMNS)},
      primaryKey: ['id'],
      cursor: 'updated_at',
      extract: ${db.extractor.name}({ connection: { env: 'TEST_DB_URL' }, table: 'sales_order', cursor: 'updated_at', id: 'id', pageRows: 100 }),
    },
  ],
});
`,
    );
    const project = projectWithSources([file]);
    const args = ['run', '--select', 'raw.erp_db__sales_order', '--sources', project.sources, '--warehouse', project.warehouse, '--landing', project.landing];
    const env = { TEST_DB_URL: server.url };

    const killed = await clm(args, { env, onStderr: (text, kill) => text.includes('-p000004.csv:') && kill() });
    expect(killed.signal).toBe('SIGKILL');
    await db.exec(server.url, `update sales_order set amount = 1.00, updated_at = ${db.now} where id = 3`);

    const resumed = await clm(args, { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await warehouseRows(project)).toEqual(await db.rows(server.url));
  });
});
