import type { Warehouse } from '../warehouse/connection.js';
import { ident } from '../warehouse/connection.js';
import { columnSpec, type TableSpec } from './source.js';

/**
 * Creates `raw.<table>` from the declaration when it is missing, so models can read it even before
 * any file lands. After the declared columns come the lineage columns: file, line, run, time.
 */
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
