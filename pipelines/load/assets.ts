import { join } from 'node:path';
import { formatCount as fmt } from '../cli-format.js';
import { readExtractState, writeExtractState } from '../extract/state.js';
import type { Asset } from '../orchestration/asset.js';
import { loadTable } from './load-table.js';
import { rawTableName, sourceFolder, type SourceDefinition, type TableSpec } from './source.js';

/** Above this share of a load's rows in quarantine, the load asset warns. */
export const MAX_QUARANTINED_SHARE = 0.01;

/** One load asset per declared table: `raw.<source>__<table>`, retried on unexpected errors. */
export function loadAssets(source: SourceDefinition): Asset[] {
  return source.tables.map((table) => loadAsset(source, table));
}

function loadAsset(source: SourceDefinition, table: TableSpec): Asset {
  // File by file, unless an extractor's state must be written in the transaction of its pages.
  const commitPerFile = table.extract === undefined;
  return {
    key: `raw.${rawTableName(source, table)}`,
    kind: 'load',
    group: source.name,
    description: table.description ?? `${source.name}.${table.name} extracts`,
    upstream: [],
    tags: ['extract', table.format, ...(table.extract ? [`extractor:${table.extract.kind}`] : [])],
    retries: 2,
    commitsInParts: commitPerFile,
    async materialise(context) {
      // An extractor lands the new pages first; its state is written in this same transaction.
      const pulled = table.extract
        ? await table.extract.pull({
            folder: join(sourceFolder(context.landingRoot, source), table.name),
            runId: context.runId,
            state: await readExtractState(context.warehouse, source.name, table.name),
            log: context.log,
          })
        : undefined;
      const load = await loadTable(
        { warehouse: context.warehouse, runId: context.runId, landingRoot: context.landingRoot, displayRoot: context.projectRoot, commitPerFile },
        source,
        table,
      );
      if (pulled) await writeExtractState(context.warehouse, { source: source.name, table: table.name, state: pulled.state, records: pulled.records, runId: context.runId });
      for (const file of load.files) {
        context.log(`    ${file.file}: ${fmt(file.rowsRead)} read · ${fmt(file.rowsLoaded)} loaded · ${fmt(file.rowsQuarantined)} quarantined`);
      }
      return {
        rows: load.rowsLoaded,
        changed: load.files.length > 0,
        metrics: { rowsRead: load.rowsRead, rowsQuarantined: load.rowsQuarantined },
        summary: `${load.files.length} new files (${load.filesSkipped} already loaded) · ${fmt(load.rowsRead)} read · ${fmt(load.rowsLoaded)} loaded · ${fmt(load.rowsQuarantined)} quarantined`,
        checks: [
          {
            name: 'rows_read_equals_loaded_plus_quarantined',
            severity: 'error',
            failingRows: Math.abs(load.rowsRead - load.rowsLoaded - load.rowsQuarantined),
            passed: load.rowsRead === load.rowsLoaded + load.rowsQuarantined,
          },
          {
            // More than 1% of rows set aside usually means a wrong declaration (a date format, a
            // type), not bad rows: worth a look before the marts are read.
            name: 'quarantined_at_most_1_percent',
            severity: 'warn',
            failingRows: load.rowsQuarantined,
            passed: load.rowsQuarantined <= MAX_QUARANTINED_SHARE * load.rowsRead,
          },
        ],
      };
    },
  };
}
