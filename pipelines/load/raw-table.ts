import type { Warehouse } from '../warehouse/connection.js';
import { ident } from '../warehouse/connection.js';
import { columnSpec, type TableSpec } from './source.js';

/** Lineage columns every raw table carries after its declared columns. */
export const LINEAGE_COLUMNS = ['_source_file', '_source_line', '_run_id', '_loaded_at'] as const;

/** Creates `raw.<table>` from the declaration when it is missing, so models can read it even before any file lands. */
export async function ensureRawTable(warehouse: Warehouse, rawTable: string, table: TableSpec): Promise<void> {
  const columns = Object.entries(table.columns).map(([name, declared]) => `${ident(name)} ${columnSpec(declared).type}`);
  await warehouse.run(`
    create table if not exists ${rawTable} (
        ${columns.join(',\n        ')},
        _source_file varchar not null,
        _source_line bigint not null,
        _run_id varchar not null,
        _loaded_at timestamp not null
    )`);
}
