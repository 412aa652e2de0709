import type { Warehouse } from '../warehouse/connection.js';
import { ident, literal } from '../warehouse/connection.js';
import type { ModelDefinition, MonthOfRows } from './model.js';
import type { BuildHistory } from '../orchestration/asset.js';

/**
 * Incremental builds of month-partitioned models.
 *
 * A model whose YAML maps inputs to their month column under `recompute_from` (or to `{ month,
 * columns, where }`: the month of a row, the columns and rows the model reads) declares that a
 * change to such an input in month m changes the model from month m on, and nothing before it
 * (snapshots to date, monthly scores, anything that looks only backwards in time). A run then
 * recomputes the months from the first one in which such an input changed, and always the model's
 * last month (the month to date), and keeps the months before. Anything else that changed (the
 * model's code, another input) recomputes every month.
 *
 * Which months of an input changed: an input rebuilt from a month on in this same run says so;
 * any other input is compared month by month with a fingerprint of its rows kept from the
 * model's last build (`meta.month_fingerprints`).
 */

/** The months a build computes (first days, inclusive); null for unbounded. */
export interface MonthRange {
  from: string | null;
  to: string | null;
}

/** A month's fingerprint of an input's rows: count, and order-free hashes. */
type MonthFingerprints = Map<string, string>;

export interface IncrementalPlan {
  /** The first month to recompute; null to recompute every month. */
  from: string | null;
  /** Why, for the progress line: `marts.orders changed from 2026-10`. */
  reason: string;
  /** Fingerprints to keep for the next run, once the build succeeds. */
  fingerprints: Map<string, MonthFingerprints>;
}

export async function planMonths(warehouse: Warehouse, model: ModelDefinition, history: BuildHistory): Promise<IncrementalPlan> {
  const drivers = Object.entries(model.partition?.recomputeFrom ?? {});
  const fingerprints = new Map<string, MonthFingerprints>();
  const column = model.partition?.column;
  const previous = history.previousInputs;
  const otherChanged = previous === undefined ? [] : [...history.inputs].filter(([key, version]) => !model.partition?.recomputeFrom?.[key] && previous.get(key) !== version).map(([key]) => key);

  let from: string | null = null;
  let reason = '';
  for (const [input, rows] of drivers) {
    const rebuiltFrom = history.changedFrom.get(input);
    if (rebuiltFrom !== undefined) {
      // Known from this run; fingerprints kept from before would no longer describe the input.
      await warehouse.run('delete from meta.month_fingerprints where model_key = $1 and input_key = $2', [model.key, input]);
      if (from === null || rebuiltFrom < from) [from, reason] = [rebuiltFrom, `${input} changed from ${rebuiltFrom.slice(0, 7)}`];
      continue;
    }
    if (previous !== undefined && previous.get(input) === history.inputs.get(input)) continue;
    const now = await monthFingerprints(warehouse, input, rows, history.inputs.get(input));
    fingerprints.set(input, now);
    if (previous === undefined || otherChanged.length > 0) continue;
    const before = await storedFingerprints(warehouse, model.key, input);
    if (before.size === 0) {
      otherChanged.push(`${input} (no fingerprints from the last build)`);
      continue;
    }
    const changed = [...new Set([...now.keys(), ...before.keys()])].filter((month) => now.get(month) !== before.get(month)).sort();
    if (changed.includes(NO_MONTH)) {
      otherChanged.push(rows.month === undefined ? input : `${input} (rows without a month)`);
      continue;
    }
    if (changed[0] !== undefined && (from === null || changed[0] < from)) [from, reason] = [changed[0], `${input} changed from ${changed[0].slice(0, 7)}`];
  }
  if (previous === undefined) return { from: null, reason: 'no earlier build of this code', fingerprints };
  if (otherChanged.length > 0 || column === undefined) {
    return { from: null, reason: `${otherChanged.join(', ') || 'no month column'} changed`, fingerprints };
  }
  // The last month is the month to date: what it says (latest, as of) may move with any new data.
  const last = await warehouse.readScalar<string | null>(`select strftime(max(${ident(column)}), '%Y-%m-01') from ${model.key}`);
  if (last === null) return { from: null, reason: 'the table was empty', fingerprints };
  if (from === null || last < from) [from, reason] = [last, ['the last month is month to date', reason].filter(Boolean).join('; ')];
  return { from, reason, fingerprints };
}

/** Keeps the fingerprints the build was planned with, for the next run to compare against. */
export async function keepFingerprints(warehouse: Warehouse, modelKey: string, fingerprints: ReadonlyMap<string, MonthFingerprints>): Promise<void> {
  for (const [input, months] of fingerprints) {
    await warehouse.run('delete from meta.month_fingerprints where model_key = $1 and input_key = $2', [modelKey, input]);
    if (months.size === 0) continue;
    const values = [...months].map(([month, fp]) => `(${literal(modelKey)}, ${literal(input)}, ${literal(month)}, ${literal(fp)})`).join(',\n');
    await warehouse.run(`insert into meta.month_fingerprints values ${values}`);
  }
}

/** Rows without a month: a change to them may touch any month. */
const NO_MONTH = 'no month';

/**
 * Fingerprints already taken in this process, by warehouse, input, its data version and the rows
 * asked for: several marts read `marts.orders` by month, and one pass serves them all.
 */
const taken = new WeakMap<Warehouse, Map<string, MonthFingerprints>>();

async function monthFingerprints(warehouse: Warehouse, input: string, rows: MonthOfRows, version: string | undefined): Promise<MonthFingerprints> {
  const key = version === undefined ? undefined : JSON.stringify([input, version, rows]);
  const cached = key === undefined ? undefined : taken.get(warehouse)?.get(key);
  if (cached) return cached;
  const month = rows.month === undefined ? 'null::date' : /^[a-z_][a-z0-9_]*$/.test(rows.month) ? ident(rows.month) : rows.month;
  const hashed = rows.columns ? rows.columns.map(ident).join(', ') : 't';
  // Grouped on the month's date, and each row hashed once; the month is written out per group.
  const found = await warehouse.readAll<{ month: string; fp: string }>(`
    select coalesce(strftime(month, '%Y-%m-01'), '${NO_MONTH}') as month,
           count(*)::varchar || ':' || bit_xor(h)::varchar || ':' || sum(h::hugeint)::varchar as fp
    from (
        select date_trunc('month', ${month}) as month, hash(${hashed}) as h
        from ${input} as t
        where ${rows.where ?? 'true'}
    )
    group by month`);
  const fingerprints = new Map(found.map((r) => [r.month, r.fp]));
  if (key !== undefined) {
    if (!taken.has(warehouse)) taken.set(warehouse, new Map());
    taken.get(warehouse)!.set(key, fingerprints);
  }
  return fingerprints;
}

async function storedFingerprints(warehouse: Warehouse, modelKey: string, input: string): Promise<MonthFingerprints> {
  const rows = await warehouse.readAll<{ month: string; fingerprint: string }>(
    `select month, fingerprint from meta.month_fingerprints where model_key = $1 and input_key = $2`,
    [modelKey, input],
  );
  return new Map(rows.map((r) => [r.month, r.fingerprint]));
}
