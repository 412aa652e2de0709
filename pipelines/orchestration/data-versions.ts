import { createHash } from 'node:crypto';
import type { Warehouse } from '../warehouse/connection.js';
import type { Settings } from '../config.js';

/**
 * Data versions, as Dagster calls them: a short fingerprint of what an asset holds. A load's
 * changes when it loads something new; a model's is derived from its code version and its
 * inputs' versions, so the same SQL over the same data has the same version. A run rebuilds a
 * model only when that derived version differs from the one it was last built at: a run that
 * brings one new file of orders rebuilds what reads orders and nothing else.
 */
export interface DataVersion {
  dataVersion: string;
  codeVersion: string | null;
  /** The upstream versions it was built from, as one string. */
  inputs: string;
  rows: number | null;
  runId: string;
}

export function fingerprint(...parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/**
 * A table's content as sums over its rows: the count, the xor and the sum of each row's hash. Each
 * is a sum, so the content after replacing some rows is the content before, less the rows taken
 * out, plus the rows put in: a table merged in part need not be read whole again.
 */
export interface ContentSums {
  rows: bigint;
  xor: bigint;
  total: bigint;
}

export async function contentSums(warehouse: Warehouse, relation: string, where = 'true'): Promise<ContentSums> {
  const [row] = await warehouse.readAll<{ rows: string; xor: string; total: string }>(
    `select count(*)::varchar as rows, coalesce(bit_xor(hash(t)), 0)::varchar as xor, coalesce(sum(hash(t)::hugeint), 0)::varchar as total from ${relation} as t where ${where}`,
  );
  return { rows: BigInt(row!.rows), xor: BigInt(row!.xor), total: BigInt(row!.total) };
}

/** `before` with the rows of `removed` taken out and those of `added` put in. */
export function replacedSums(before: ContentSums, removed: ContentSums, added: ContentSums): ContentSums {
  return { rows: before.rows - removed.rows + added.rows, xor: before.xor ^ removed.xor ^ added.xor, total: before.total - removed.total + added.total };
}

/** A table's data version from its content. */
export function contentVersion(sums: ContentSums): string {
  return fingerprint(String(sums.rows), String(sums.xor), String(sums.total));
}

/** The settings models read (as DuckDB variables) are part of every code version. */
export function settingsFingerprint(settings: Settings): string {
  const { warehouse: _w, landing: _l, sources: _s, duckdb: _d, timezone: _t, ...read } = settings;
  return fingerprint(JSON.stringify(read));
}

export function inputsOf(upstream: readonly string[], versions: ReadonlyMap<string, DataVersion>): string {
  return upstream.map((key) => `${key}@${versions.get(key)?.dataVersion ?? 'none'}`).join(',');
}

/** The inverse of {@link inputsOf}: upstream key → data version. */
export function parseInputs(inputs: string): Map<string, string> {
  return new Map(inputs.split(',').filter(Boolean).map((entry) => {
    const at = entry.lastIndexOf('@');
    return [entry.slice(0, at), entry.slice(at + 1)] as const;
  }));
}

export async function readDataVersions(warehouse: Warehouse): Promise<Map<string, DataVersion>> {
  const rows = await warehouse.readAll<{ asset_key: string; data_version: string; code_version: string | null; inputs: string; rows: number | null; run_id: string }>(
    'select asset_key, data_version, code_version, inputs, rows, run_id from meta.data_versions',
  );
  return new Map(rows.map((r) => [r.asset_key, { dataVersion: r.data_version, codeVersion: r.code_version, inputs: r.inputs, rows: r.rows, runId: r.run_id }]));
}

export async function writeDataVersion(warehouse: Warehouse, key: string, version: DataVersion): Promise<void> {
  await warehouse.run(
    `insert or replace into meta.data_versions values ($1, $2, $3, $4, $5, $6, now())`,
    [key, version.dataVersion, version.codeVersion, version.inputs, version.rows, version.runId],
  );
}
