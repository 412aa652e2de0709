/**
 * The one registry: assembles every asset (loads, models, analytics, the site) from the builders
 * beside each kind. Sources come from `pipelines/sources/` (one file each), models from
 * `models/**.sql` plus those the customer-data contract generates. Schedules live in `schedules.ts`.
 */
import { withWarehouse } from './warehouse/connection.js';
import { rawTableName, type SourceDefinition } from './load/source.js';
import { loadAssets } from './load/assets.js';
import { assertNoOpenChoices, discoverSources } from './sources/registry.js';
import { discoverModels, modelsForSources, type ModelDefinition } from './models/model.js';
import { modelAssets } from './models/assets.js';
import { contractModels } from './contract/models.js';
import { analyticsAssets } from './analytics/assets.js';
import { publishAsset } from './publish/asset.js';
import { topologicalOrder } from './orchestration/graph.js';
import type { Asset } from './orchestration/asset.js';
import type { Project } from './config.js';

export interface Definitions {
  sources: SourceDefinition[];
  models: ModelDefinition[];
  /** In dependency order. */
  assets: Asset[];
}

/** Builds the asset graph; throws on unknown tables, cycles, duplicate names and broken contracts. */
export async function loadDefinitions(project: Pick<Project, 'models' | 'sources'>, options: { allowOpenChoices?: boolean } = {}): Promise<Definitions> {
  const sources = await discoverSources(project.sources);
  if (!options.allowOpenChoices) assertNoOpenChoices(sources);
  const sqlModels = modelsForSources(await discoverModels(project.models), sources.map((s) => s.name));
  const models = [...contractModels(sources, sqlModels), ...sqlModels];
  const upstreamOfModels = [...sources.flatMap(loadAssets), ...analyticsAssets()];
  const otherKeys = new Set(upstreamOfModels.map((a) => a.key));
  const primaryKeys = new Map(sources.flatMap((source) => source.tables.map((table) => [`raw.${rawTableName(source, table)}`, table.primaryKey ?? []] as const)));
  const built = await withWarehouse(':memory:', (parser) => modelAssets(parser, models, otherKeys, primaryKeys));
  const marts = models.filter((m) => m.layer === 'marts').map((m) => m.key);
  return { sources, models, assets: topologicalOrder([...upstreamOfModels, ...built, publishAsset(marts)]) };
}
