import type { Warehouse } from '../warehouse/connection.js';
import { GraphError } from '../errors.js';
import type { ModelDefinition } from './model.js';

/** A table a model reads, as written in its SQL. */
export interface TableReference {
  schema: string;
  table: string;
}

/**
 * The tables a query reads, from DuckDB's own parser (`json_serialize_sql`): every base table
 * referenced anywhere, less the names of the query's CTEs.
 */
export async function referencedTables(parser: Warehouse, model: ModelDefinition): Promise<TableReference[]> {
  const serialised = await parser.readScalar<string>('select json_serialize_sql($1::varchar)', [model.sql]);
  const tree = JSON.parse(serialised) as { error?: boolean; error_message?: string };
  if (tree.error) throw new GraphError(`Model failed: ${model.key} (${model.file}): Parser Error: ${tree.error_message}`);
  const tables: TableReference[] = [];
  const cteNames = new Set<string>();
  walk(tree, (node) => {
    if (node['type'] === 'BASE_TABLE') tables.push({ schema: String(node['schema_name'] ?? ''), table: String(node['table_name']) });
    const cteMap = node['cte_map'] as { map?: { key: string }[] } | undefined;
    for (const entry of cteMap?.map ?? []) cteNames.add(entry.key);
  });
  const unique = new Map<string, TableReference>();
  for (const ref of tables) {
    if (ref.schema === '' && cteNames.has(ref.table)) continue;
    unique.set(`${ref.schema}.${ref.table}`, ref);
  }
  return [...unique.values()];
}

function walk(node: unknown, visit: (node: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit);
  } else if (node && typeof node === 'object') {
    visit(node as Record<string, unknown>);
    for (const child of Object.values(node)) walk(child, visit);
  }
}

/**
 * Resolves a model's references to asset keys: other models (`marts.orders`, or `orders` alone)
 * and raw tables (`raw.crm__contacts`). Anything else is an error naming the file.
 */
export function resolveReferences(model: ModelDefinition, refs: readonly TableReference[], modelKeys: ReadonlySet<string>, rawKeys: ReadonlySet<string>): string[] {
  const byName = new Map([...modelKeys].map((key) => [key.split('.')[1]!, key]));
  return refs.map((ref) => {
    const key = ref.schema ? `${ref.schema}.${ref.table}` : byName.get(ref.table);
    if (key && (modelKeys.has(key) || rawKeys.has(key))) return key;
    throw new GraphError(`Unknown table ${ref.schema ? `${ref.schema}.` : ''}${ref.table} in ${model.file} (${model.key}): no model, raw table or analytics table has that name`);
  });
}
