/**
 * The one registry: every asset the pipeline materialises, with its upstream keys, group and
 * description. Sources come from `pipelines/sources/` (one file each), models from
 * `models/**.sql` with their dependencies read from the SQL itself. Schedules live in
 * `schedules.ts`.
 */
import { withWarehouse } from './warehouse/connection.js';
import { loadTable } from './load/load-table.js';
import { rawTableName, type SourceDefinition } from './load/source.js';
import { discoverSources } from './sources/registry.js';
import { discoverModels, type ModelDefinition } from './models/model.js';
import { referencedTables, resolveReferences } from './models/dependencies.js';
import { materialiseModel } from './models/materialise.js';
import { topologicalOrder } from './orchestration/graph.js';
import type { Asset } from './orchestration/asset.js';
import type { ProjectPaths } from './config.js';
import { GraphError } from './errors.js';
import { buildSite, exportReportData } from './publish/publish.js';
import { materialiseCustomerClv } from './analytics/clv/clv-asset.js';

export interface Definitions {
  sources: SourceDefinition[];
  models: ModelDefinition[];
  /** In dependency order. */
  assets: Asset[];
}

/** Builds the asset graph; throws on unknown tables, cycles and duplicate names. */
export async function loadDefinitions(paths: Pick<ProjectPaths, 'models' | 'root'>): Promise<Definitions> {
  const sources = await discoverSources();
  const models = await discoverModels(paths.models);
  const analytics = analyticsAssets();
  const assets: Asset[] = [...sources.flatMap(loadAssets), ...analytics];
  // Tables a model may read besides other models: the raw layer and the analytics steps' output.
  const rawKeys = new Set(assets.map((a) => a.key));
  const modelKeys = new Set(models.map((m) => m.key));
  await withWarehouse(':memory:', async (parser) => {
    for (const model of models) {
      const upstream = resolveReferences(model, await referencedTables(parser, model), modelKeys, rawKeys);
      // A relationships test reads its target table, so the target must be built first.
      const testTargets = model.tests.flatMap((t) => (t.kind === 'relationships' ? [t.to] : []));
      for (const target of testTargets) {
        if (!modelKeys.has(target) && !rawKeys.has(target)) throw new GraphError(`Unknown table ${target} in a relationships test of ${model.file}`);
      }
      assets.push(modelAsset(model, [...new Set([...upstream, ...testTargets])]));
    }
  });
  assets.push(publishAsset(models.filter((m) => m.layer === 'marts').map((m) => m.key)));
  return { sources, models, assets: topologicalOrder(assets) };
}

/** Numerical steps SQL cannot express well; each writes tables in the `analytics` schema. */
function analyticsAssets(): Asset[] {
  return [
    {
      key: 'analytics.customer_clv',
      kind: 'analytics',
      group: 'analytics',
      description: 'Predictive CLV: BG/NBD and Gamma-Gamma fitted on the orders, every buyer scored (also analytics.clv_fit, analytics.clv_backtest)',
      upstream: ['marts.orders'],
      tags: ['clv'],
      materialise: (context) => materialiseCustomerClv(context.warehouse),
    },
  ];
}

/** The report site: exports the report tables as Arrow and builds the Evidence project. */
function publishAsset(marts: string[]): Asset {
  return {
    key: 'reports.site',
    kind: 'publish',
    group: 'reports',
    description: 'The Evidence site in reports/build/, built from the marts with no network',
    upstream: marts,
    tags: ['reports'],
    async materialise(context) {
      const exported = await exportReportData(context.warehouse, context.reportsDir);
      context.log(`    exported ${exported.tables} report tables, ${fmt(exported.rows)} rows, ${fmt(exported.bytes / 1024)} KiB of Arrow`);
      const site = await buildSite(context.reportsDir, context.log);
      return {
        rows: exported.rows,
        summary: `${site.pages} pages, ${fmt(site.bytes / 1024 / 1024)} MiB in reports/build/, built in ${site.seconds.toFixed(1)}s`,
        metrics: { buildSeconds: site.seconds, siteBytes: site.bytes, sitePages: site.pages, dataBytes: exported.bytes },
      };
    },
  };
}

function loadAssets(source: SourceDefinition): Asset[] {
  return source.tables.map((table) => ({
    key: `raw.${rawTableName(source, table)}`,
    kind: 'load',
    group: source.name,
    description: table.description ?? `${source.name}.${table.name} extracts`,
    upstream: [],
    tags: ['extract', table.format],
    retries: 2,
    async materialise(context) {
      const load = await loadTable(
        { warehouse: context.warehouse, runId: context.runId, landingRoot: context.landingRoot, displayRoot: context.projectRoot },
        source,
        table,
      );
      for (const file of load.files) {
        context.log(`    ${file.file}: ${fmt(file.rowsRead)} read · ${fmt(file.rowsLoaded)} loaded · ${fmt(file.rowsQuarantined)} quarantined`);
      }
      return {
        rows: load.rowsLoaded,
        metrics: { rowsRead: load.rowsRead, rowsQuarantined: load.rowsQuarantined },
        summary: `${load.files.length} new files (${load.filesSkipped} already loaded) · ${fmt(load.rowsRead)} read · ${fmt(load.rowsLoaded)} loaded · ${fmt(load.rowsQuarantined)} quarantined`,
        checks: [
          {
            name: 'rows_read_equals_loaded_plus_quarantined',
            severity: 'error',
            failingRows: Math.abs(load.rowsRead - load.rowsLoaded - load.rowsQuarantined),
            passed: load.rowsRead === load.rowsLoaded + load.rowsQuarantined,
          },
        ],
      };
    },
  }));
}

function modelAsset(model: ModelDefinition, upstream: string[]): Asset {
  return {
    key: model.key,
    kind: 'model',
    group: model.layer,
    description: model.description || model.grain,
    upstream,
    tags: model.partition ? [model.layer, 'partitioned'] : [model.layer],
    async materialise(context) {
      const outcome = await materialiseModel(context.warehouse, model, context.partition);
      return {
        rows: outcome.rows,
        checks: outcome.checks,
        summary: outcome.rows === undefined ? 'view' : `${fmt(outcome.rows)} rows`,
        metrics: { buildSeconds: outcome.buildSeconds, testSeconds: outcome.testSeconds },
      };
    },
  };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
