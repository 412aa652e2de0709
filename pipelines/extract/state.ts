import type { Warehouse } from '../warehouse/connection.js';
import { kyselyFor } from '../warehouse/kysely-dialect.js';
import type { MetaTables } from '../warehouse/meta-schema.js';
import type { ExtractState } from './extractor.js';

/** The state the last committed pull of a table left; nothing yet: pull everything. */
export async function readExtractState(warehouse: Warehouse, source: string, table: string): Promise<ExtractState> {
  const row = await kyselyFor<MetaTables>(warehouse)
    .selectFrom('meta.extract_state')
    .select(['cursor', 'last_id'])
    .where('source', '=', source)
    .where('table_name', '=', table)
    .executeTakeFirst();
  return { cursor: row?.cursor ?? null, lastId: row?.last_id ?? null };
}

/** Records where the pull stands; called in the transaction that loads the pulled pages. */
export async function writeExtractState(warehouse: Warehouse, entry: { source: string; table: string; state: ExtractState; records: number; runId: string }): Promise<void> {
  const db = kyselyFor<MetaTables>(warehouse);
  await db.deleteFrom('meta.extract_state').where('source', '=', entry.source).where('table_name', '=', entry.table).execute();
  await db
    .insertInto('meta.extract_state')
    .values({ source: entry.source, table_name: entry.table, cursor: entry.state.cursor, last_id: entry.state.lastId, records: entry.records, run_id: entry.runId, updated_at: new Date() })
    .execute();
}
