import type { Warehouse } from '../warehouse/connection.js';
import type { Asset } from './asset.js';

export interface AssetStatusRow {
  asset: string;
  kind: string;
  last_success: string;
  age_hours: number | null;
  fresh: 'ok' | 'STALE' | 'never';
  last_status: string;
  rows: number | null;
  /** Failing checks of severity error: the asset's dependents did not build on it. */
  failing_checks: string;
  /** Failing checks of severity warn: recorded and shown, nothing stopped. */
  warnings: string;
}

/** Each asset's last successful materialisation, freshness against the SLA, last status and failing checks. */
export async function assetStatus(warehouse: Warehouse, assets: readonly Asset[], slaHours: number): Promise<AssetStatusRow[]> {
  const last = await warehouse.readAll<{ asset_key: string; last_success: Date | null; last_status: string; rows: number | null }>(`
    select
        asset_key,
        max(finished_at) filter (where status = 'success') as last_success,
        arg_max(status, coalesce(finished_at, started_at, '1970-01-01')) as last_status,
        arg_max(rows, finished_at) filter (where status = 'success') as rows
    from meta.asset_runs
    group by asset_key`);
  const failing = await warehouse.readAll<{ asset_key: string; errors: string | null; warnings: string | null }>(`
    select
        asset_key,
        string_agg(check_name || ' (' || failing_rows || ')', '; ') filter (where coalesce(severity, 'error') = 'error') as errors,
        string_agg(check_name || ' (' || failing_rows || ')', '; ') filter (where severity = 'warn') as warnings
    from (
        select * from meta.check_results
        qualify row_number() over (partition by asset_key, check_name order by checked_at desc) = 1
    )
    where not passed
    group by asset_key`);
  const byKey = new Map(last.map((r) => [r.asset_key, r]));
  const failingByKey = new Map(failing.map((r) => [r.asset_key, r]));
  return assets.map((asset) => {
    const record = byKey.get(asset.key);
    const age = record?.last_success ? (Date.now() - record.last_success.getTime()) / 3_600_000 : null;
    return {
      asset: asset.key,
      kind: asset.kind,
      last_success: record?.last_success ? record.last_success.toISOString().slice(0, 19).replace('T', ' ') : '',
      age_hours: age === null ? null : Math.round(age * 10) / 10,
      fresh: age === null ? 'never' : age <= slaHours ? 'ok' : 'STALE',
      last_status: record?.last_status ?? '',
      rows: record?.rows ?? null,
      failing_checks: failingByKey.get(asset.key)?.errors ?? '',
      warnings: failingByKey.get(asset.key)?.warnings ?? '',
    };
  });
}
