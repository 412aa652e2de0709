import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parse } from 'yaml';
import { GraphError } from '../errors.js';
import type { Warehouse } from '../warehouse/connection.js';
import type { BuildHistory } from '../orchestration/asset.js';

/** The layers, in order; each is a schema in the warehouse. */
export const LAYERS = ['staging', 'intermediate', 'marts'] as const;
export type Layer = (typeof LAYERS)[number];

export type TestSpec =
  | { kind: 'unique' | 'not_null'; column: string; severity: Severity }
  | { kind: 'accepted_values'; column: string; values: readonly (string | number | boolean)[]; severity: Severity }
  | { kind: 'relationships'; column: string; to: string; field: string; severity: Severity }
  | { kind: 'expression'; expression: string; severity: Severity }
  | { kind: 'unique_combination'; columns: readonly string[]; severity: Severity };

export interface MonthPartition {
  by: 'month';
  column: string;
  /** Upstream key → which of its rows fall in which month. */
  recomputeFrom?: Readonly<Record<string, MonthOfRows>>;
}

/** How an input's rows are placed in months, for {@link MonthPartition.recomputeFrom}. */
export interface MonthOfRows {
  /** A month or date column, or an expression over the input's columns; absent: a change to the input changes every month. */
  month?: string;
  /** The columns the model reads (default: all): a change to another column changes nothing. */
  columns?: readonly string[];
  /** The rows the model reads (default: all), as a condition over the input's columns. */
  where?: string;
}

/**
 * How a model that provides an entity has its rows replaced in the entity's union when its inputs
 * only grew (see contract/union-merge.ts): the rows whose `column` holds a value that new input
 * rows name are computed again, and no others.
 */
export interface MergeSpec {
  /** The column whose values name the rows to compute again: the entity's key, or order_id. */
  column: string;
  /**
   * Each raw table the model reads (through staging views too) → an expression over that table's
   * new rows (`new_rows`) giving the values of `column` they change. A table not named here that
   * changes, or a change that is not new rows (a replaced row, unless the expression is the
   * table's primary key), builds the union whole.
   */
  changedBy: Readonly<Record<string, string>>;
}

/** `error` stops the model's dependents; `warn` is recorded and shown only. */
export type Severity = 'error' | 'warn';

export interface ModelDefinition {
  /** `<layer>.<name>`: the asset key and the table's qualified name. */
  key: string;
  name: string;
  layer: Layer;
  /** Relative to the project root, for messages. */
  file: string;
  sql: string;
  description: string;
  grain: string;
  tests: readonly TestSpec[];
  /**
   * A monthly-partitioned model reads `getvariable('clm_month_from')` and `clm_month_to` (first
   * days of months, null for unbounded) and returns the rows of those months only, in `column`.
   * `clm backfill` runs it once per month. `recomputeFrom` names the inputs whose changes move
   * forward in time (`marts.orders` → `order_month`): a run then recomputes only the months from
   * the first one in which such an input changed (see incremental.ts).
   */
  partition?: MonthPartition;
  /** A staging model that provides a contract entity (its YAML's `provides:`), and for which source. */
  provides?: { entity: string; source: string };
  /** For a model that provides an entity: how its rows are merged into the union (YAML `merge_by:`). */
  merge?: MergeSpec;
  /**
   * A build that may write only part of the table (the contract's unions): tried before a build
   * of the whole table, and told of every build that succeeds.
   */
  partialBuild?: PartialBuild;
  /**
   * For models generated from the contract: writes the SQL when the model is built, from what its
   * upstream tables hold (the union reads each provider's columns), checking the contract as it goes.
   */
  compile?: (warehouse: Warehouse) => Promise<string>;
  /** Upstream keys known without parsing the SQL (generated models). */
  upstream?: readonly string[];
}

/** What a partial build needs to know about the run and the graph. */
export interface PartialBuildContext {
  history: BuildHistory;
  /**
   * The raw tables a staging model reads (through other staging views), and a fingerprint of the
   * SQL on the way; undefined when it reads anything else.
   */
  leaves: (key: string) => Leaves | undefined;
  /** A raw table → its declared primary key. */
  primaryKeys: ReadonlyMap<string, readonly string[]>;
}

export interface Leaves {
  inputs: readonly string[];
  code: string;
}

export interface PartialBuild {
  /**
   * Writes what changed, and returns the rows it wrote (a table for the tests to read) and the
   * table's content fingerprint; undefined when the table must be built whole.
   */
  tryBuild(warehouse: Warehouse, context: PartialBuildContext): Promise<{ tested: string; summary: string; content: string } | undefined>;
  /** After a build (whole or partial) and its tests: keeps what the next one starts from; returns the content fingerprint. */
  remember(warehouse: Warehouse, context: PartialBuildContext): Promise<string>;
  /** After a whole build that could not keep it (a backfill): the next build is whole too. */
  forget(warehouse: Warehouse): Promise<void>;
}

/**
 * Reads every `models/<layer>/**.sql` with the YAML beside it. The file name is the table name;
 * the first folder is the layer and the schema.
 */
export async function discoverModels(modelsDir: string, projectRoot = join(modelsDir, '..')): Promise<ModelDefinition[]> {
  const models: ModelDefinition[] = [];
  for (const layer of LAYERS) {
    const layerDir = join(modelsDir, layer);
    if (!existsSync(layerDir)) continue;
    const files = (await readdir(layerDir, { recursive: true })).filter((f) => f.endsWith('.sql')).sort();
    for (const file of files) {
      const path = join(layerDir, file);
      const name = basename(file, '.sql');
      const shown = relative(projectRoot, path);
      if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new GraphError(`Model file names must be lowercase snake_case: ${shown}`);
      const yamlPath = path.replace(/\.sql$/, '.yml');
      const properties = existsSync(yamlPath) ? parseProperties(await readFile(yamlPath, 'utf8'), relative(projectRoot, yamlPath)) : undefined;
      models.push({
        key: `${layer}.${name}`,
        name,
        layer,
        file: shown,
        sql: (await readFile(path, 'utf8')).trim().replace(/;\s*$/, ''),
        description: properties?.description ?? '',
        grain: properties?.grain ?? '',
        tests: properties?.tests ?? [],
        partition: properties?.partition,
        provides: properties?.provides
          ? { entity: properties.provides, source: properties.source ?? sourceOfStagingModel(name, shown) }
          : undefined,
        merge: properties?.merge,
      });
    }
  }
  const seen = new Map<string, string>();
  for (const model of models) {
    const other = seen.get(model.name);
    if (other) throw new GraphError(`Two models share the name ${model.name}: ${other} and ${model.file}`);
    seen.set(model.name, model.file);
  }
  return models;
}

/**
 * The models that can run with these sources: a staging model named `stg_<source>__…` belongs to
 * its source, and is left out when that source is not in the project (models/staging/erp/ does
 * nothing for a company with no ERP source).
 */
export function modelsForSources(models: readonly ModelDefinition[], sourceNames: readonly string[]): ModelDefinition[] {
  const present = new Set(sourceNames);
  return models.filter((model) => {
    if (model.layer !== 'staging') return true;
    const owner = model.provides?.source ?? /^stg_([a-z][a-z0-9_]*?)__/.exec(model.name)?.[1];
    return owner === undefined || present.has(owner);
  });
}

interface Properties {
  description?: string;
  grain?: string;
  tests: TestSpec[];
  partition?: MonthPartition;
  provides?: string;
  source?: string;
  merge?: MergeSpec;
}

/** `stg_<source>__<entity>s` → `<source>`. */
function sourceOfStagingModel(name: string, file: string): string {
  const match = /^stg_([a-z][a-z0-9_]*?)__/.exec(name);
  if (!match?.[1]) throw new GraphError(`${file}: a model that provides an entity is named stg_<source>__<name>, or its YAML says source: <source>`);
  return match[1];
}

/** Reads a model's YAML: description, grain, column tests and model tests (dbt's vocabulary). */
export function parseProperties(text: string, file: string): Properties {
  const doc = (parse(text) ?? {}) as {
    description?: string;
    grain?: string;
    columns?: { name: string; tests?: unknown[] }[];
    tests?: unknown[];
    partitioned_by?: string;
    partition_column?: string;
    recompute_from?: unknown;
    provides?: string;
    source?: string;
    merge_by?: unknown;
  };
  const tests: TestSpec[] = [];
  for (const column of doc.columns ?? []) {
    for (const entry of column.tests ?? []) tests.push(columnTest(column.name, entry, file));
  }
  for (const entry of doc.tests ?? []) tests.push(modelTest(entry, file));
  let partition: Properties['partition'];
  if (doc.partitioned_by !== undefined) {
    if (doc.partitioned_by !== 'month') fail(file, `partitioned_by must be month, not '${doc.partitioned_by}'`);
    if (!doc.partition_column) fail(file, 'a partitioned model needs partition_column');
    partition = { by: 'month', column: doc.partition_column };
    if (doc.recompute_from !== undefined) partition.recomputeFrom = recomputeFrom(doc.recompute_from, file);
  } else if (doc.recompute_from !== undefined) {
    fail(file, 'recompute_from needs partitioned_by: month');
  }
  if (doc.merge_by !== undefined && doc.provides === undefined) fail(file, 'merge_by is for a model that provides an entity (provides:)');
  const merge = doc.merge_by === undefined ? undefined : mergeBy(doc.merge_by, file);
  return { description: doc.description?.trim(), grain: doc.grain, tests, partition, provides: doc.provides, source: doc.source, merge };
}

/** `merge_by: { column, changed_by: { raw.table: expression } }`. */
function mergeBy(value: unknown, file: string): MergeSpec {
  const usage = 'merge_by needs column (the key whose rows are merged) and changed_by, mapping each raw table it reads (schema.table) to an expression over its new rows giving that key';
  const { column, changed_by: changedBy } = (value ?? {}) as { column?: unknown; changed_by?: unknown };
  if (typeof column !== 'string' || typeof changedBy !== 'object' || changedBy === null || Array.isArray(changedBy)) fail(file, usage);
  for (const [input, expression] of Object.entries(changedBy)) {
    if (!/^raw\.[a-z_][a-z0-9_]*$/.test(input) || typeof expression !== 'string') fail(file, usage);
  }
  return { column, changedBy: changedBy as Record<string, string> };
}

/** `recompute_from:` maps each input (schema.table) to its month column, or to `{ month, columns, where }`. */
function recomputeFrom(value: unknown, file: string): Record<string, MonthOfRows> {
  const usage = 'recompute_from maps each input (schema.table) to its month column (`marts.orders: order_month`), or to { month, columns, where }';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(file, usage);
  const inputs: Record<string, MonthOfRows> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (!/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/.test(key)) fail(file, usage);
    if (typeof entry === 'string') {
      inputs[key] = { month: entry };
      continue;
    }
    const { month, columns, where } = (entry ?? {}) as { month?: unknown; columns?: unknown; where?: unknown };
    if ((month !== undefined && typeof month !== 'string') || (columns !== undefined && !(Array.isArray(columns) && columns.every((c) => typeof c === 'string'))) || (where !== undefined && typeof where !== 'string')) fail(file, usage);
    inputs[key] = { month: month as string | undefined, columns: columns as string[] | undefined, where };
  }
  return inputs;
}

function columnTest(column: string, entry: unknown, file: string): TestSpec {
  const [kind, args] = splitEntry(entry, file);
  const severity = severityOf(args);
  switch (kind) {
    case 'unique':
    case 'not_null':
      return { kind, column, severity };
    case 'accepted_values':
      return { kind, column, values: (args['values'] as (string | number | boolean)[] | undefined) ?? fail(file, `accepted_values on ${column} needs values`), severity };
    case 'relationships':
      return { kind, column, to: String(args['to'] ?? fail(file, `relationships on ${column} needs to`)), field: String(args['field'] ?? column), severity };
    case 'expression':
      return { kind, expression: String(args['expression'] ?? args['value']), severity };
    default:
      return fail(file, `unknown test '${kind}' on column ${column}`);
  }
}

function modelTest(entry: unknown, file: string): TestSpec {
  const [kind, args] = splitEntry(entry, file);
  const severity = severityOf(args);
  if (kind === 'expression') return { kind, expression: String(args['expression'] ?? args['value']), severity };
  if (kind === 'unique_combination') return { kind, columns: (args['columns'] ?? args['value']) as string[], severity };
  return fail(file, `unknown model test '${kind}'`);
}

/** `unique` → ['unique', {}]; `{expression: "x > 0"}` → ['expression', {value: 'x > 0'}]; `{relationships: {to, field}}` → ['relationships', {to, field}]. */
function splitEntry(entry: unknown, file: string): [string, Record<string, unknown>] {
  if (typeof entry === 'string') return [entry, {}];
  if (entry && typeof entry === 'object') {
    const [kind, value] = Object.entries(entry)[0] ?? fail(file, 'empty test entry');
    if (value && typeof value === 'object' && !Array.isArray(value)) return [kind, value as Record<string, unknown>];
    return [kind, { value }];
  }
  return fail(file, `cannot read test entry ${JSON.stringify(entry)}`);
}

function severityOf(args: Record<string, unknown>): Severity {
  return args['severity'] === 'warn' ? 'warn' : 'error';
}

function fail(file: string, message: string): never {
  throw new GraphError(`${file}: ${message}`);
}
