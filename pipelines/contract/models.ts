/**
 * The models the contract generates: a staging view for every source table that maps itself onto
 * an entity, and one union per entity (`intermediate.int_<entity>_unioned`) over every provider.
 * Adding or removing a source edits no model.
 */
import { ClmError } from '../errors.js';
import { isOpenChoice, providesOf, rawTableName, type Provides, type SourceDefinition, type TableSpec } from '../load/source.js';
import type { MergeSpec, ModelDefinition, TestSpec } from '../models/model.js';
import { unionPartialBuild, type MergedProvider } from './union-merge.js';
import { ident, literal, type Warehouse } from '../warehouse/connection.js';
import { DUCKDB_TYPE, ENTITIES, entity as entityNamed, unionModelKey, type ContractType, type Entity } from './entities.js';

/** A model that feeds an entity: its key, the source it speaks for and how its rows merge. */
interface Provider extends MergedProvider {
  /** Where it is declared, for messages. */
  file: string;
}

/** The staging views of mapped tables, and the unions of every entity. */
export function contractModels(sources: readonly SourceDefinition[], sqlModels: readonly ModelDefinition[]): ModelDefinition[] {
  const mapped = sources.flatMap((source) =>
    source.tables.flatMap((table) => {
      const all = providesOf(table);
      return all.map((provides) => mappedStagingModel(source, table, provides, all.length > 1));
    }),
  );
  const taken = new Set(sqlModels.map((m) => m.key));
  for (const model of mapped) {
    if (taken.has(model.key)) throw new ClmError(`Two models are named ${model.key}: the mapping in ${model.file} and a SQL file; remove one`);
  }
  const providers = [...sqlModels, ...mapped].filter((m) => m.provides);
  for (const model of providers) {
    if (!ENTITIES.some((e) => e.name === model.provides?.entity)) {
      throw new ClmError(`Contract broken: ${model.key} (${model.file}) provides '${model.provides?.entity}', which is not an entity (${ENTITIES.map((e) => e.name).join(', ')})`);
    }
  }
  const unions = ENTITIES.map((entity) =>
    unionModel(entity, providers.filter((m) => m.provides?.entity === entity.name).map((m) => ({ key: m.key, source: m.provides!.source, file: m.file, merge: m.merge }))),
  );
  return [...mapped, ...unions];
}

/**
 * `staging.stg_<source>__<table>` (`…__<table>_<entity>` when the table provides several): the raw
 * table's columns renamed and computed onto the entity. Customers mapped from rows that repeat a
 * customer (an order-lines export) keep the latest row of each.
 */
function mappedStagingModel(source: SourceDefinition, table: TableSpec, provides: Provides, several: boolean): ModelDefinition {
  const file = source.file ?? `pipelines/sources/${source.name}.ts`;
  const declared = new Set(Object.keys(table.columns));
  const columns = Object.entries(provides.map).map(([column, value]) => {
    // An open choice leaves the column null; `clm run` refuses the source until it is made.
    const expression = isOpenChoice(value) ? 'null' : declared.has(value) ? ident(value) : `(${value})`;
    return `${expression} as ${ident(column)}`;
  });
  if (provides.entity === 'orders' && !('order_id' in provides.map)) {
    // A transaction log: every row is an order, known by its place in its file.
    columns.push(`_source_file || ':' || _source_line as order_id`);
  }
  const name = several ? `stg_${source.name}__${table.name}_${provides.entity}` : `stg_${source.name}__${table.name}`;
  const raw = `raw.${rawTableName(source, table)}`;
  const filters = [provides.where ? `where ${provides.where}` : ''];
  if (provides.entity === 'customers') {
    filters.push(`qualify row_number() over (partition by customer_id order by _source_file desc, _source_line desc) = 1`);
  }
  return {
    key: `staging.${name}`,
    name,
    layer: 'staging',
    file,
    sql: [
      `select\n    ${[`${literal(source.name)} as source`, ...columns].join(',\n    ')}`,
      `from raw.${ident(rawTableName(source, table))}`,
      ...filters.filter(Boolean),
    ].join('\n'),
    description: `${source.name}.${table.name} mapped onto the contract's ${provides.entity}`,
    grain: '',
    tests: [],
    provides: { entity: provides.entity, source: source.name },
    merge: mappedMerge(provides, declared, raw),
    upstream: [raw],
  };
}

/**
 * A mapped table's rows merge into the union by the entity's key (orders: by order id), which a
 * new raw row gives through the same mapping.
 */
function mappedMerge(provides: Provides, declared: ReadonlySet<string>, raw: string): MergeSpec | undefined {
  const column = entityNamed(provides.entity)?.key?.[0] ?? 'order_id';
  const value = provides.map[column];
  if (value !== undefined && isOpenChoice(value)) return undefined;
  const expression = value === undefined ? (column === 'order_id' ? `_source_file || ':' || _source_line` : undefined) : declared.has(value) ? ident(value) : `(${value})`;
  return expression === undefined ? undefined : { column, changedBy: { [raw]: expression } };
}

/** `intermediate.int_<entity>_unioned`: every provider's rows, cast to the contract's types. */
function unionModel(entity: Entity, providers: readonly Provider[]): ModelDefinition {
  const key = unionModelKey(entity.name);
  const name = key.split('.')[1]!;
  const tests: TestSpec[] = [
    { kind: 'not_null', column: 'source', severity: 'error' },
    ...entity.columns.filter((c) => c.required).map((c): TestSpec => ({ kind: 'not_null', column: c.name, severity: 'error' })),
  ];
  if (entity.key) tests.push({ kind: 'unique_combination', columns: ['source', ...entity.key], severity: 'error' });
  return {
    key,
    name,
    layer: 'intermediate',
    file: 'pipelines/contract/entities.ts',
    sql: '',
    description: `Every source's ${entity.name} (${entity.description}), unioned and cast to the contract: ${providers.map((p) => p.key).join(', ') || 'no provider, so no rows'}`,
    grain: `one row per ${entity.name === 'orders' ? 'order row' : entity.name.replace(/s$/, '')} per source`,
    tests,
    upstream: providers.map((p) => p.key),
    compile: (warehouse) => unionSql(warehouse, entity, providers),
    partialBuild: unionPartialBuild(key, providers, (warehouse, provider, where) => providerSelect(warehouse, entity, provider, where)),
  };
}

const typed = (expression: string, type: ContractType) => `${expression}::${DUCKDB_TYPE[type]}`;

/** The union's SQL, after checking each provider's columns against the contract. */
async function unionSql(warehouse: Warehouse, entity: Entity, providers: readonly Provider[]): Promise<string> {
  if (providers.length === 0) {
    const columns = [`null::varchar as source`, ...entity.columns.map((c) => `${typed('null', c.type)} as ${ident(c.name)}`)];
    return `select ${columns.join(', ')} where false`;
  }
  const selects: string[] = [];
  for (const provider of providers) selects.push(await providerSelect(warehouse, entity, provider));
  return selects.join('\n\nunion all\n\n');
}

/** One provider's rows cast to the contract (those meeting `where`, over the provider's columns, if given). */
async function providerSelect(warehouse: Warehouse, entity: Entity, provider: Provider, where?: string): Promise<string> {
  const described = await warehouse.readAll<{ column_name: string; column_type: string }>(`describe select * from ${provider.key}`);
  const types = new Map(described.map((d) => [d.column_name, d.column_type]));
  const columns = [`${literal(provider.source)} as source`];
  const providing = `${provider.key} (${provider.file}, source ${provider.source}) provides ${entity.name}`;
  for (const column of entity.columns) {
    const type = types.get(column.name);
    if (type === undefined) {
      if (column.required) throw new ClmError(`Contract broken: ${providing}: required column ${column.name} is missing`);
      columns.push(`${typed('null', column.type)} as ${ident(column.name)}`);
      continue;
    }
    if (!fits(type, column.type)) throw new ClmError(`Contract broken: ${providing}: column ${column.name} is ${type}; the contract needs ${describeType(column.type)}`);
    columns.push(`${typed(ident(column.name), column.type)} as ${ident(column.name)}`);
  }
  return `select\n    ${columns.join(',\n    ')}\nfrom ${provider.key}${where ? `\nwhere ${where}` : ''}`;
}

/** Whether a provider's DuckDB type carries the contract type without guessing. */
function fits(duckdbType: string, type: ContractType): boolean {
  const t = duckdbType.toUpperCase();
  if (t === '"NULL"' || t === 'NULL') return true;
  switch (type) {
    case 'text':
      return !t.endsWith('[]') && !t.startsWith('STRUCT') && !t.startsWith('MAP');
    case 'timestamp':
      return t === 'DATE' || t.startsWith('TIMESTAMP');
    case 'money':
    case 'number':
      return /^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|DECIMAL.*|FLOAT|DOUBLE|REAL)$/.test(t);
    case 'boolean':
      return t === 'BOOLEAN';
    case 'text_list':
      return t === 'VARCHAR[]';
  }
}

function describeType(type: ContractType): string {
  return {
    text: 'text',
    timestamp: 'a DATE or TIMESTAMP (declare the raw column with its formats)',
    money: 'money (a number)',
    number: 'a number',
    boolean: 'a BOOLEAN',
    text_list: 'a list of text (VARCHAR[])',
  }[type];
}
