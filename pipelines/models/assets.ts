import { formatCount } from '../cli-format.js';
import { GraphError } from '../errors.js';
import type { Asset } from '../orchestration/asset.js';
import type { Warehouse } from '../warehouse/connection.js';
import { referencedTables, resolveReferences } from './dependencies.js';
import { materialiseModel } from './materialise.js';
import { fingerprint } from '../orchestration/data-versions.js';
import type { ModelDefinition } from './model.js';

/**
 * One asset per model, its upstream keys read from the SQL with DuckDB's parser (or given, for
 * generated models). `otherKeys` are the tables models may read besides each other: raw tables
 * and the analytics steps' output. Unknown tables are an error naming the file.
 */
export async function modelAssets(parser: Warehouse, models: readonly ModelDefinition[], otherKeys: ReadonlySet<string>): Promise<Asset[]> {
  const modelKeys = new Set(models.map((m) => m.key));
  const assets: Asset[] = [];
  for (const model of models) {
    const upstream = model.upstream ?? resolveReferences(model, await referencedTables(parser, model), modelKeys, otherKeys);
    // A relationships test reads its target table, so the target must be built first.
    const testTargets = model.tests.flatMap((t) => (t.kind === 'relationships' ? [t.to] : []));
    for (const target of testTargets) {
      if (!modelKeys.has(target) && !otherKeys.has(target)) throw new GraphError(`Unknown table ${target} in a relationships test of ${model.file}`);
    }
    for (const input of Object.keys(model.partition?.recomputeFrom ?? {})) {
      if (!upstream.includes(input)) throw new GraphError(`${model.file}: recompute_from names ${input}, which the model does not read`);
    }
    assets.push(modelAsset(model, [...new Set([...upstream, ...testTargets])]));
  }
  return assets;
}

function modelAsset(model: ModelDefinition, upstream: string[]): Asset {
  return {
    key: model.key,
    kind: 'model',
    group: model.layer,
    description: model.description || model.grain,
    file: model.file,
    upstream,
    tags: model.partition ? [model.layer, 'partitioned'] : [model.layer],
    // A generated model's SQL depends on its providers, so it is compiled to be compared.
    async codeVersion(context) {
      const sql = model.compile ? await model.compile(context.warehouse) : model.sql;
      return fingerprint(model.layer, sql, JSON.stringify(model.tests), JSON.stringify(model.partition ?? null));
    },
    async materialise(context) {
      const outcome = await materialiseModel(context.warehouse, model, { partition: context.partition, history: context.history });
      const rows = outcome.rows === undefined ? 'view' : `${formatCount(outcome.rows)} rows`;
      return {
        rows: outcome.rows,
        checks: outcome.checks,
        summary: outcome.months ? `${rows} · ${outcome.months}` : rows,
        metrics: { buildSeconds: outcome.buildSeconds, testSeconds: outcome.testSeconds },
        builtFrom: outcome.builtFrom && model.partition ? { month: outcome.builtFrom, column: model.partition.column } : undefined,
      };
    },
  };
}
