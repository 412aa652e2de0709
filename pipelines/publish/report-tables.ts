import { ENTITIES, unionModelKey } from '../contract/entities.js';

/**
 * The tables the reports read, each one thin SQL over a mart or the run records. Personal data is
 * masked here, before anything leaves the warehouse: the static site never holds a full e-mail
 * address or mobile number.
 */
export interface ReportTable {
  name: string;
  sql: string;
}

/**
 * Per-customer detail (orders, touchpoints) is published in this many shards, by
 * `report_shard(customer_id)`. A profile page's URL carries its shard (`/customers/<shard>/<id>/`)
 * and its SQL names only that shard's tables, so a page rendered in the browser downloads 1/16 of
 * the detail, not all of it.
 */
export const CUSTOMER_SHARDS = 16;

function sharded(name: string, sql: (shard: number) => string): ReportTable[] {
  return Array.from({ length: CUSTOMER_SHARDS }, (_, shard) => ({ name: `${name}_s${String(shard).padStart(2, '0')}`, sql: sql(shard) }));
}

export const REPORT_TABLES: readonly ReportTable[] = [
  { name: 'kpi_monthly', sql: 'select * from marts.kpi_monthly' },
  { name: 'monthly_retention', sql: 'select * from marts.monthly_retention' },
  { name: 'monthly_retention_by_channel', sql: 'select * from marts.monthly_retention_by_channel' },
  { name: 'cohort_retention', sql: 'select * from marts.cohort_retention' },
  {
    name: 'customers',
    sql: `select
              c.* replace (mask_email(c.email) as email, mask_mobile(c.mobile) as mobile),
              money_label(c.revenue) as revenue_label,
              profile_link(c.customer_id) as profile_link,
              r.segment as rfm_segment,
              r.segment_zh as rfm_segment_zh,
              r.rfm_cell,
              a.revenue_class as abc_class,
              l.stage as lifecycle_stage,
              v.p_alive,
              v.expected_purchases,
              v.predicted_clv,
              v.clv,
              v.referral_value,
              k.risk_band as churn_risk,
              k.reasons as churn_reasons
          from marts.customers as c
          left join marts.customer_rfm as r on r.customer_id = c.customer_id and r.is_latest
          left join marts.customer_abc as a on a.customer_id = c.customer_id
          left join (select * from marts.customer_lifecycle qualify month = max(month) over ()) as l on l.customer_id = c.customer_id
          left join marts.customer_clv as v on v.customer_id = c.customer_id
          left join marts.customer_churn_risk as k on k.customer_id = c.customer_id`,
  },
  {
    name: 'rfm_segments_monthly',
    sql: `select snapshot_month, segment, segment_zh, count(*) as customers, sum(monetary) as revenue_to_date,
                 avg(recency_days) as avg_recency_days, avg(frequency) as avg_frequency, bool_or(is_latest) as is_latest
          from marts.customer_rfm group by all`,
  },
  {
    name: 'rfm_segment_moves',
    sql: `select coalesce(previous_segment, '(new buyer)') as previous_segment, segment, count(*) as customers
          from marts.customer_rfm where is_latest group by all`,
  },
  {
    name: 'abc_classes',
    sql: `select revenue_class as class, count(*) as customers, sum(revenue) as revenue, sum(margin) as margin,
                 round(100.0 * sum(revenue) / sum(sum(revenue)) over (), 1) as revenue_share_pct,
                 round(100.0 * count(*) / sum(count(*)) over (), 1) as customer_share_pct
          from marts.customer_abc group by all`,
  },
  {
    name: 'abc_pareto',
    sql: `select round(100.0 * row_number() over (order by revenue desc, customer_id) / count(*) over (), 2) as customer_pct,
                 revenue_cumulative_pct
          from marts.customer_abc
          qualify row_number() over (order by revenue desc, customer_id) % greatest(1, (count(*) over ()) // 200) = 0`,
  },
  ...sharded(
    'orders',
    (shard) => `select customer_id, order_id, ordered_at, order_month, channel, item_count, net_revenue, refunds, margin
                from marts.orders where report_shard(customer_id) = ${shard}`,
  ),
  ...sharded(
    'stage_history',
    (shard) => `select customer_id, stage, strftime(valid_from, '%Y-%m') as valid_from, coalesce(strftime(valid_to, '%Y-%m'), 'current') as valid_to
                from marts.customer_stage_history where report_shard(customer_id) = ${shard}`,
  ),
  ...sharded(
    'touchpoints',
    (shard) => `select customer_id, occurred_at, touchpoint_type, funnel_stage, campaign, channel
                from marts.customer_touchpoints where report_shard(customer_id) = ${shard}
                qualify row_number() over (partition by customer_id order by occurred_at desc) <= 20`,
  ),
  { name: 'lifecycle_stage_mix', sql: 'select month, stage, count(*) as customers from marts.customer_lifecycle group by all' },
  { name: 'lifecycle_transitions', sql: 'select month_key, from_stage, to_stage, customers from marts.lifecycle_transitions' },
  { name: 'lifecycle_thresholds', sql: 'select * from marts.lifecycle_thresholds' },
  { name: 'journey_funnel', sql: 'select * from marts.journey_funnel' },
  {
    name: 'churn_risk',
    sql: `select k.*, c.customer_name, profile_link(k.customer_id) as profile_link,
                 coalesce(k.predicted_clv, 0) + k.historical_clv as total_value
          from marts.customer_churn_risk as k join marts.customers as c using (customer_id)
          where k.risk_band <> 'low'`,
  },
  {
    name: 'clv_distribution',
    sql: `with bins(bin_order, low, high) as (values (1, -1e18, 200), (2, 200, 500), (3, 500, 1000), (4, 1000, 2000), (5, 2000, 5000),
                (6, 5000, 10000), (7, 10000, 1e18))
          select bins.bin_order,
                 case bins.bin_order when 1 then '< ' || money_label(bins.high) when 7 then '≥ ' || money_label(bins.low)
                      else money_label(bins.low) || '–' || money_label(bins.high) end as bin,
                 count(clv.customer_id) as customers, coalesce(sum(clv.clv), 0) as clv
          from bins left join marts.customer_clv as clv on clv.clv >= bins.low and clv.clv < bins.high
          group by all`,
  },
  {
    name: 'clv_by_segment',
    sql: `select strftime(cohort_month, '%Y-%m') as cohort, acquisition_channel, count(*) as customers, avg(clv) as avg_clv,
                 avg(historical_clv) as avg_historical, avg(predicted_clv) as avg_predicted, sum(referral_value) as referral_value
          from marts.customer_clv group by all`,
  },
  { name: 'clv_backtest', sql: 'select * from analytics.clv_backtest' },
  { name: 'clv_fit', sql: 'select * from analytics.clv_fit' },
  {
    name: 'clv_status',
    sql: `select s.*, (select any_value(value_basis) from analytics.customer_clv) as value_basis from analytics.clv_status as s`,
  },
  {
    name: 'pipeline_runs',
    sql: `select run_id, trigger, selection, status, started_at, finished_at,
                 round(epoch(coalesce(finished_at, now()::timestamp) - started_at), 1) as seconds, error
          from meta.runs order by started_at desc limit 100`,
  },
  {
    name: 'pipeline_assets',
    sql: `select a.run_id, a.asset_key, a.kind, a.status, a.attempt, a.rows, a.checks_passed, a.checks_failed,
                 round(epoch(a.finished_at - a.started_at), 2) as seconds, a.error
          from meta.asset_runs as a
          where a.run_id in (select run_id from meta.runs order by started_at desc limit 20)`,
  },
  {
    name: 'pipeline_loads',
    sql: `select source, table_name, count(*) as files, sum(rows_read) as rows_read, sum(rows_loaded) as rows_loaded,
                 sum(rows_quarantined) as rows_quarantined, count(*) filter (where ends_with_newline = false) as files_without_final_newline,
                 max(loaded_at) as last_loaded_at
          from meta.loaded_files group by all order by all`,
  },
  {
    name: 'pipeline_quarantine',
    sql: `select source, table_name, column_name, regexp_replace(reason, '(: cannot parse).*|(of line|by line) \\d+.*|\\(\\d{4}-.*', '\\1') as reason_kind,
                 count(*) as rows, min(file) as first_file, min(line) as first_line
          from meta.quarantine group by all order by rows desc`,
  },
  {
    name: 'pipeline_checks',
    sql: `select asset_key, check_name, coalesce(severity, 'error') as severity, passed, failing_rows, checked_at
          from meta.check_results
          qualify row_number() over (partition by asset_key, check_name order by checked_at desc) = 1
          order by passed, asset_key, check_name`,
  },
  {
    // Which parts of the contract the data provides, so pages can say "no such data" instead of
    // showing empty charts.
    name: 'data_coverage',
    sql: ENTITIES.map((entity) => `select '${entity.name}' as entity, count(*) as rows, list_sort(list_distinct(list(source))) as sources from ${unionModelKey(entity.name)}`).join('\n          union all '),
  },
  {
    name: 'data_freshness',
    sql: `select 'orders' as data, max(ordered_at) as latest_at from marts.orders
          union all select 'touchpoints', max(occurred_at) from marts.customer_touchpoints
          union all select 'extracts loaded', max(loaded_at) from meta.loaded_files`,
  },
];
