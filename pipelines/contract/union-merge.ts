/**
 * Merge builds of the contract's unions. A run that brings one more day of orders need not cast
 * and write every order line again: when a provider's raw tables only grew since the union's last
 * build, the union keeps its rows and replaces those of the keys the new raw rows name (the
 * provider's `merge_by`), computed again through the provider's own SQL.
 *
 * What the last build saw is kept in `meta.union_marks`: each raw table's rows per loading run,
 * the SQL of each provider (and the staging views it reads), and the union's content sums. A raw
 * table changes only by loads: new rows come with a new run id, and an upsert deletes the rows it
 * replaces. So, per raw table a changed provider reads:
 * - the same rows per run: unchanged;
 * - rows of new runs only: the keys they name (`changed_by`) are computed again;
 * - rows of earlier runs gone: replaced by an upsert. Their keys are among the new rows' only when
 *   the expression is the table's primary key; otherwise the union is built whole.
 * Anything else (an input not in `changed_by`, changed SQL, a provider sharing its source with
 * another, no marks, a `--full-refresh`) builds the union whole, as before.
 */
import type { MergeSpec, PartialBuild, PartialBuildContext } from '../models/model.js';
import { contentSums, contentVersion, replacedSums, type ContentSums } from '../orchestration/data-versions.js';
import { ident, literal, type Warehouse } from '../warehouse/connection.js';
import { formatCount } from '../cli-format.js';

export interface MergedProvider {
  key: string;
  source: string;
  merge?: MergeSpec;
}

/** The union's select of one provider's rows, cast to the contract, with an optional condition on the provider's columns. */
export type ProviderSelect<P extends MergedProvider> = (warehouse: Warehouse, provider: P, where?: string) => Promise<string>;

interface Marks {
  /** Provider key → fingerprint of its SQL and of the staging SQL it reads. */
  providers: Record<string, string>;
  /** Raw table → loading run → rows. */
  inputs: Record<string, Record<string, number>>;
}

type RunCounts = Map<string, number>;

/** Up to this many keys, a provider is filtered by a written-out list (see below). */
const MAX_LISTED_KEYS = 100_000;

/** A merge plan for one provider: the SQL of the keys to compute again. */
interface ProviderMerge<P extends MergedProvider> {
  provider: P;
  column: string;
  touched: string[];
}

export function unionPartialBuild<P extends MergedProvider>(modelKey: string, providers: readonly P[], select: ProviderSelect<P>): PartialBuild {
  // Raw tables' rows per run, counted once per build, and the sums of a merge, for remember().
  let counted = new Map<string, RunCounts>();
  let mergedSums: ContentSums | undefined;

  const runCounts = async (warehouse: Warehouse, input: string): Promise<RunCounts> => {
    let counts = counted.get(input);
    if (!counts) {
      const rows = await warehouse.readAll<{ run: string; rows: number }>(`select _run_id as run, count(*) as rows from ${input} group by _run_id`);
      counts = new Map(rows.map((r) => [r.run, Number(r.rows)]));
      counted.set(input, counts);
    }
    return counts;
  };

  /** The keys to compute again for one changed provider; undefined when the union must be built whole. */
  const planProvider = async (warehouse: Warehouse, context: PartialBuildContext, provider: P, marks: Marks): Promise<ProviderMerge<P> | undefined> => {
    const leaves = context.leaves(provider.key);
    if (!provider.merge || !leaves) return undefined;
    if (providers.some((other) => other !== provider && other.source === provider.source)) return undefined;
    const touched: string[] = [];
    for (const input of leaves.inputs) {
      const before = marks.inputs[input];
      if (!before) return undefined;
      const now = await runCounts(warehouse, input);
      const newRuns = [...now.keys()].filter((run) => !(run in before));
      const earlier = Object.entries(before);
      if (earlier.some(([run, rows]) => (now.get(run) ?? 0) > rows)) return undefined;
      const replaced = earlier.some(([run, rows]) => (now.get(run) ?? 0) < rows);
      if (newRuns.length === 0 && !replaced) continue;
      const expression = provider.merge.changedBy[input];
      if (expression === undefined) return undefined;
      const key = context.primaryKeys.get(input);
      if (replaced && !(key?.length === 1 && [key[0], ident(key[0]!)].includes(expression.trim()))) return undefined;
      if (newRuns.length > 0) touched.push(`select (${expression}) as k from ${input} as new_rows where _run_id in (${newRuns.map(literal).join(', ')})`);
    }
    return touched.length > 0 ? { provider, column: provider.merge.column, touched } : undefined;
  };

  return {
    async tryBuild(warehouse, context) {
      counted = new Map();
      mergedSums = undefined;
      const previous = context.history.previousInputs;
      const stored = await readMarks(warehouse, modelKey);
      if (!previous || !stored) return undefined;
      const { marks, sums } = stored;
      if (Object.keys(marks.providers).sort().join() !== providers.map((p) => p.key).sort().join()) return undefined;
      const plans: ProviderMerge<P>[] = [];
      for (const provider of providers) {
        if (marks.providers[provider.key] !== context.leaves(provider.key)?.code) return undefined;
        if (previous.get(provider.key) === context.history.inputs.get(provider.key)) continue;
        const plan = await planProvider(warehouse, context, provider, marks);
        if (!plan) return undefined;
        plans.push(plan);
      }
      if (plans.length === 0) return undefined;

      await warehouse.run(`create or replace temp table _union_merged as select * from ${modelKey} limit 0`);
      let removed: ContentSums = { rows: 0n, xor: 0n, total: 0n };
      let keys = 0;
      for (const plan of plans) {
        await warehouse.run(`create or replace temp table _union_keys as select distinct k from (${plan.touched.join('\nunion all\n')}) where k is not null`);
        const [found] = await warehouse.readAll<{ keys: number; text: boolean }>(`select count(*) as keys, coalesce(bool_and(typeof(k) = 'VARCHAR'), true) as text from _union_keys`);
        keys += found!.keys;
        const inUnion = `source = ${literal(plan.provider.source)} and ${ident(plan.column)} in (select k::varchar from _union_keys)`;
        const out = await contentSums(warehouse, modelKey, inUnion);
        removed = { rows: removed.rows + out.rows, xor: removed.xor ^ out.xor, total: removed.total + out.total };
        await warehouse.run(`delete from ${modelKey} where ${inUnion}`);
        // A list of text keys written out is pushed down through the provider's joins and sums to
        // its scans; a semi join with the keys' table is applied to the provider's result.
        const listed = found!.text && found!.keys <= MAX_LISTED_KEYS;
        const inProvider = listed
          ? `${ident(plan.column)} in (${(await warehouse.readAll<{ k: string }>('select k from _union_keys')).map((r) => literal(r.k)).join(', ')})`
          : `${ident(plan.column)} in (select k from _union_keys)`;
        await warehouse.run(`insert into _union_merged\n${await select(warehouse, plan.provider, inProvider)}`);
      }
      await warehouse.run('drop table _union_keys');
      const added = await contentSums(warehouse, '_union_merged');
      await warehouse.run(`insert into ${modelKey} select * from _union_merged`);
      mergedSums = replacedSums(sums, removed, added);
      const names = plans.map((p) => p.provider.key).join(', ');
      return {
        tested: '_union_merged',
        summary: `merged: ${formatCount(Number(added.rows))} rows for ${formatCount(keys)} keys that new rows name (${formatCount(Number(removed.rows))} replaced), from ${names}`,
        content: contentVersion(mergedSums),
      };
    },

    async remember(warehouse, context) {
      await warehouse.run('drop table if exists _union_merged');
      const sums = mergedSums ?? (await contentSums(warehouse, modelKey));
      mergedSums = undefined;
      await warehouse.run('delete from meta.union_marks where model_key = $1', [modelKey]);
      const marks: Marks = { providers: {}, inputs: {} };
      for (const provider of providers) {
        const leaves = context.leaves(provider.key);
        // A provider that reads more than raw tables is never merged: nothing to keep.
        if (!leaves) return contentVersion(sums);
        marks.providers[provider.key] = leaves.code;
        for (const input of leaves.inputs) marks.inputs[input] = Object.fromEntries(await runCounts(warehouse, input));
      }
      counted = new Map();
      await warehouse.run('insert into meta.union_marks values ($1, $2, $3, $4, $5)', [modelKey, String(sums.rows), String(sums.xor), String(sums.total), JSON.stringify(marks)]);
      return contentVersion(sums);
    },

    async forget(warehouse) {
      await warehouse.run('delete from meta.union_marks where model_key = $1', [modelKey]);
    },
  };
}

async function readMarks(warehouse: Warehouse, modelKey: string): Promise<{ marks: Marks; sums: ContentSums } | undefined> {
  const [row] = await warehouse.readAll<{ content_rows: string; content_xor: string; content_total: string; marks: string }>(
    'select content_rows, content_xor, content_total, marks::varchar as marks from meta.union_marks where model_key = $1',
    [modelKey],
  );
  if (!row) return undefined;
  return { marks: JSON.parse(row.marks) as Marks, sums: { rows: BigInt(row.content_rows), xor: BigInt(row.content_xor), total: BigInt(row.content_total) } };
}
