import {
  CompiledQuery,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';
import type { DuckDBValue } from '@duckdb/node-api';
import type { Warehouse } from './connection.js';

/**
 * A Kysely dialect on `@duckdb/node-api`. DuckDB speaks PostgreSQL's SQL dialect closely enough
 * (`$1` parameters, double-quoted identifiers, `returning`) that Kysely's PostgreSQL compiler and
 * adapter serve as they are; only the driver is DuckDB's.
 *
 * The existing packages (kysely-duckdb and friends) wrap the older `duckdb` client, so this small
 * one is ours. It shares the warehouse's single connection and runs one query at a time.
 */
export class DuckDBDialect implements Dialect {
  constructor(private readonly warehouse: Warehouse) {}

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new DuckDBDriver(this.warehouse);
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}

/** Typed query access to an open warehouse. */
export function kyselyFor<DB>(warehouse: Warehouse): Kysely<DB> {
  return new Kysely<DB>({ dialect: new DuckDBDialect(warehouse) });
}

class DuckDBDriver implements Driver {
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly warehouse: Warehouse) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    // One DuckDB connection: callers take turns, so a transaction is never interleaved.
    let release!: () => void;
    const previous = this.queue;
    this.queue = new Promise<void>((resolve) => (release = resolve));
    await previous;
    return new DuckDBKyselyConnection(this.warehouse, release);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin transaction'));
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }
  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as DuckDBKyselyConnection).release();
  }
  async destroy(): Promise<void> {}
}

class DuckDBKyselyConnection implements DatabaseConnection {
  constructor(
    private readonly warehouse: Warehouse,
    readonly release: () => void,
  ) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const params = compiled.parameters.map(toDuckDBValue);
    const reader = await this.warehouse.connection.runAndReadAll(compiled.sql, params);
    const rows = reader.getRowObjectsJS().map((row) => {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(row)) out[key] = typeof value === 'bigint' ? Number(value) : value;
      return out as R;
    });
    const changed = reader.rowsChanged;
    return { rows, numAffectedRows: changed > 0 ? BigInt(changed) : undefined };
  }

  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    yield* [];
    throw new Error('DuckDBDialect does not stream; use readAll or the warehouse connection');
  }
}

function toDuckDBValue(value: unknown): DuckDBValue {
  if (value instanceof Date) return value.toISOString();
  if (value === undefined) return null;
  return value as DuckDBValue;
}
