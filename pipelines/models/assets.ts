import { formatCount } from '../cli-format.js';
import { GraphError } from '../errors.js';
import type { Asset } from '../orchestration/asset.js';
import type { Warehouse } from '../warehouse/connection.js';
import { referencedTables, resolveReferences } from './dependencies.js';
import { materialiseModel, type ModelBuildOptions } from './materialise.js';
import { fingerprint } from '../orchestration/data-versions.js';
import type { Leaves, ModelDefinition } from './model.js';

/**
 * One asset per model, its upstream keys read from the SQL with DuckDB's parser (or given, for
 * generated models). `otherKeys` are the tables models may read besides each other: raw tables
 * and the analytics steps' output. Unknown tables are an error naming the file.
 */
export async function modelAssets(parser: Warehouse, models: readonly ModelDefinition[], otherKeys: ReadonlySet<string>, primaryKeys: ReadonlyMap<string, readonly string[]> = new Map()): Promise<Asset[]> {
  const modelKeys = new Set(models.map((m) => m.key));
  const upstreamOf = new Map<string, readonly string[]>();
  for (const model of models) upstreamOf.set(model.key, model.upstream ?? resolveReferences(model, await referencedTables(parser, model), modelKeys, otherKeys));
  const graph = { leaves: leavesOf(models, upstreamOf), primaryKeys };
  const assets: Asset[] = [];
  for (const model of models) {
    const upstream = upstreamOf.get(model.key)!;
    // A relationships test reads its target table, so the target must be built first.
    const testTargets = model.tests.flatMap((t) => (t.kind === 'relationships' ? [t.to] : []));
    for (const target of testTargets) {
      if (!modelKeys.has(target) && !otherKeys.has(target)) throw new GraphError(`Unknown table ${target} in a relationships test of ${model.file}`);
    }
    for (const input of Object.keys(model.partition?.recomputeFrom ?? {})) {
      if (!upstream.includes(input)) throw new GraphError(`${model.file}: recompute_from names ${input}, which the model does not read`);
    }
    assets.push(modelAsset(model, [...new Set([...upstream, ...testTargets])], graph));
  }
  return assets;
}

/**
 * The raw tables a staging model reads, through the staging views it reads, with a fingerprint of
 * the SQL on the way (for the unions' merge builds); undefined when it reads anything else.
 */
function leavesOf(models: readonly ModelDefinition[], upstreamOf: ReadonlyMap<string, readonly string[]>): (key: string) => Leaves | undefined {
  const byKey = new Map(models.map((m) => [m.key, m]));
  const found = new Map<string, Leaves | undefined>();
  const walk = (key: string, path: readonly string[]): Leaves | undefined => {
    if (key.startsWith('raw.')) return { inputs: [key], code: '' };
    const model = byKey.get(key);
    if (!model || model.layer !== 'staging' || path.includes(key)) return undefined;
    if (found.has(key)) return found.get(key);
    const parts: Leaves[] = [];
    for (const up of upstreamOf.get(key) ?? []) {
      const leaves = walk(up, [...path, key]);
      if (!leaves) {
        found.set(key, undefined);
        return undefined;
      }
      parts.push(leaves);
    }
    const leaves = {
      inputs: [...new Set(parts.flatMap((p) => p.inputs))].sort(),
      code: fingerprint(model.sql, JSON.stringify(model.merge ?? null), ...parts.map((p) => p.code)),
    };
    found.set(key, leaves);
    return leaves;
  };
  return (key) => walk(key, []);
}

function modelAsset(model: ModelDefinition, upstream: string[], graph: ModelBuildOptions['graph']): Asset {
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
      const outcome = await materialiseModel(context.warehouse, model, { partition: context.partition, history: context.history, graph });
      const rows = outcome.rows === undefined ? 'view' : `${formatCount(outcome.rows)} rows`;
      const how = outcome.months ?? outcome.partial;
      return {
        rows: outcome.rows,
        checks: outcome.checks,
        content: outcome.content,
        summary: how ? `${rows} · ${how}` : rows,
        metrics: { buildSeconds: outcome.buildSeconds, testSeconds: outcome.testSeconds },
        builtFrom: outcome.builtFrom && model.partition ? { month: outcome.builtFrom, column: model.partition.column } : undefined,
      };
    },
  };
}
