import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openWarehouse } from '../../pipelines/warehouse/connection.js';
import { kyselyFor } from '../../pipelines/warehouse/kysely-dialect.js';
import { ensureMetaSchema, type MetaTables } from '../../pipelines/warehouse/meta-schema.js';
import { tempDir } from '../helpers/warehouse.js';

describe('the Kysely dialect on @duckdb/node-api', () => {
  it('inserts, selects with parameters, and rolls back a failed transaction', async () => {
    const warehouse = await openWarehouse(join(tempDir(), 'k.duckdb'));
    await ensureMetaSchema(warehouse);
    const db = kyselyFor<MetaTables>(warehouse);

    await db
      .insertInto('meta.runs')
      .values({ run_id: 'r1', trigger: 'manual', selection: '*', status: 'success', pid: 1, started_at: new Date('2026-01-02T03:04:05Z'), finished_at: null, error: null })
      .execute();
    const rows = await db.selectFrom('meta.runs').select(['run_id', 'status', 'started_at']).where('trigger', '=', 'manual').execute();
    expect(rows).toEqual([{ run_id: 'r1', status: 'success', started_at: new Date('2026-01-02T03:04:05Z') }]);

    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('meta.runs').values({ run_id: 'r2', trigger: 'manual', selection: '*', status: 'running', pid: 1, started_at: new Date(), finished_at: null, error: null }).execute();
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    const count = await sql<{ n: number }>`select count(*) as n from meta.runs`.execute(db);
    expect(count.rows).toEqual([{ n: 1 }]);
    warehouse.closeSync();
  });
});
