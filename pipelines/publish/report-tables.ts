import { ENTITIES, unionModelKey } from '../contract/entities.js';
import { RETENTION_STORY_SQL } from './retention-story.js';

/**
 * The tables the reports read, each one thin SQL over a mart or the run records. Personal data is
 * masked here, before anything leaves the warehouse: the static site never holds a full e-mail
 * address or mobile number. Codes get their names in the configured locale here too
 * (`label('stage', stage)`, `month_label(month)`: see labels.ts), so pages never show `at_risk`.
 */
export interface ReportTable {
  name: string;
  sql: string;
}

/** A report table published in shards: its SQL gives each row a `_shard`; shard 7 is `<name>_s07`. */
export interface ShardedReportTable extends ReportTable {
  sharded: true;
}

/**
 * How many customers a list shows at most (the customer list, each drill-down group, the churn
 * list): the most valuable first, with the group's full count beside it. What a page downloads
 * stays the same size whatever the number of customers.
 */
export const LISTED_CUSTOMERS = 1000;

/**
 * Every customer's profile row, built once per export (`report_customers`, a temporary table) and
 * read by the tables below. Per-customer detail is published in shards by
 * `report_shard(customer_id, shards)`: 16, or more so that a shard holds about 2,000 customers. A
 * profile page's address carries its shard (`/customers/<shard>/<id>/`) and its SQL names only
 * that shard's tables, so a profile rendered in the browser downloads 1/shards of the detail.
 */
export const REPORT_CUSTOMERS_SQL = `select
      c.* replace (mask_email(c.email) as email, mask_mobile(c.mobile) as mobile),
      money_label(c.revenue) as revenue_label,
      profile_page(c.customer_id) as profile_link,
      shard_of(c.customer_id) as _shard,
      label('channel', c.acquisition_channel) as channel_label,
      slug(c.acquisition_channel) as channel_key,
      strftime(c.cohort_month, '%Y-%m') as cohort,
      r.segment as rfm_segment,
      label('segment', r.segment) as segment_label,
      slug(r.segment) as segment_key,
      r.rfm_cell,
      a.revenue_class as abc_class,
      l.stage as lifecycle_stage,
      label('stage', l.stage) as stage_label,
      slug(l.stage) as stage_key,
      v.p_alive,
      v.expected_purchases,
      v.predicted_clv,
      v.clv,
      v.referral_value,
      k.risk_band as churn_risk,
      label('risk_band', k.risk_band) as risk_label,
      k.reasons as churn_reasons
  from marts.customers as c
  left join marts.customer_rfm as r on r.customer_id = c.customer_id and r.is_latest
  left join marts.customer_abc as a on a.customer_id = c.customer_id
  left join (select * from marts.customer_lifecycle qualify month = max(month) over ()) as l on l.customer_id = c.customer_id
  left join marts.customer_clv as v on v.customer_id = c.customer_id
  left join marts.customer_churn_risk as k on k.customer_id = c.customer_id`;

/** The drill-down dimensions (`/customers-in/<dimension>/<value>/`) and the column each groups by. */
export const DRILL_DOWNS = { segment: 'segment_key', stage: 'stage_key', risk: 'churn_risk', cohort: 'cohort', channel: 'channel_key' } as const;

const LIST_COLUMNS = 'customer_id, customer_name, city, channel_label, segment_label, stage_label, risk_label, cohort, order_count, revenue, clv, last_order_at, profile_link';

function drillDown(dimension: keyof typeof DRILL_DOWNS): ReportTable {
  const column = DRILL_DOWNS[dimension];
  return {
    name: `customers_in_${dimension}`,
    sql: `select ${column} as group_key, count(*) over (partition by ${column}) as group_customers, ${LIST_COLUMNS}
          from report_customers where ${column} is not null
          qualify row_number() over (partition by ${column} order by revenue desc, customer_id) <= ${LISTED_CUSTOMERS}`,
  };
}

function sharded(name: string, sql: string): ShardedReportTable {
  return { name, sql, sharded: true };
}

export const REPORT_TABLES: readonly (ReportTable | ShardedReportTable)[] = [
  { name: 'kpi_monthly', sql: 'select * from marts.kpi_monthly' },
  { name: 'monthly_retention', sql: 'select * from marts.monthly_retention' },
  { name: 'monthly_retention_by_channel', sql: `select *, label('channel', acquisition_channel) as channel_label from marts.monthly_retention_by_channel` },
  { name: 'retention_story', sql: RETENTION_STORY_SQL },
  { name: 'cohort_retention', sql: 'select * from marts.cohort_retention' },
  {
    // The cohort triangle by acquisition channel, so the cohorts page can filter by channel and
    // date range: the page sums the channels picked. Immature cells (not observable yet) are left out.
    name: 'cohort_cells',
    sql: `with as_of as (select max(activity_month) as as_of_month from marts.customer_months)
          select cohort_month, strftime(cohort_month, '%Y-%m') as cohort, acquisition_channel, label('channel', acquisition_channel) as channel_label,
                 months_since_first_order, count(*) as customers, count(*) filter (where is_purchase_month) as active_customers, sum(revenue) as revenue
          from marts.customer_months, as_of
          where months_since_first_order <= 24
          group by all`,
  },
  {
    name: 'customer_counts',
    sql: `select count(*) as people, count(*) filter (where order_count > 0) as buyers, getvariable('clm_report_shards') as shards,
                 least(count(*), ${LISTED_CUSTOMERS}) as listed
          from report_customers`,
  },
  {
    name: 'customer_list',
    sql: `select ${LIST_COLUMNS} from report_customers order by revenue desc, customer_id limit ${LISTED_CUSTOMERS}`,
  },
  sharded('customers', 'select * from report_customers'),
  // The customer finder: each customer under the first two characters of their name and the last
  // three of their id (after the source's `crm:`, so `C2` finds `crm:C2`), in the shard
  // find_bucket() gives those characters.
  sharded(
    'customer_find',
    `select 'name' as find_kind, lower(trim(customer_name)) as find_key, find_bucket(left(lower(trim(customer_name)), 2), getvariable('clm_report_shards')) as _shard, ${LIST_COLUMNS}
     from report_customers where trim(customer_name) <> ''
     union all
     select 'id', lower(customer_id), find_bucket(right(regexp_extract(lower(customer_id), '[^:]*$'), 3), getvariable('clm_report_shards')), ${LIST_COLUMNS}
     from report_customers`,
  ),
  ...(Object.keys(DRILL_DOWNS) as (keyof typeof DRILL_DOWNS)[]).map(drillDown),
  {
    name: 'rfm_segments_monthly',
    sql: `select snapshot_month, month_label(snapshot_month) as month_name, segment, label('segment', segment) as segment_label,
                 label_sort('segment', segment) as segment_sort, '/customers-in/segment/' || slug(segment) || '/' as drill_link, count(*) as customers, sum(monetary) as revenue_to_date,
                 avg(recency_days) as avg_recency_days, avg(frequency) as avg_frequency, bool_or(is_latest) as is_latest
          from marts.customer_rfm group by all`,
  },
  {
    name: 'rfm_segment_moves',
    sql: `select coalesce(label('segment', previous_segment), case when getvariable('clm_locale') = 'zh-CN' then '（首次购买）' else '(first purchase)' end) as previous_segment, case when previous_segment is null then -1 else label_sort('segment', previous_segment) end as previous_sort,
                 label('segment', segment) as segment, label_sort('segment', segment) as segment_sort, count(*) as customers
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
  sharded(
    'orders',
    `select customer_id, order_id, ordered_at, order_month, label('channel', channel) as channel, item_count, net_revenue, refunds, margin,
            shard_of(customer_id) as _shard
     from marts.orders`,
  ),
  sharded(
    'stage_history',
    `select customer_id, label('stage', stage) as stage, strftime(valid_from, '%Y-%m') as valid_from, coalesce(strftime(valid_to, '%Y-%m'), 'current') as valid_to,
            shard_of(customer_id) as _shard
     from marts.customer_stage_history`,
  ),
  sharded(
    'touchpoints',
    `select customer_id, occurred_at, label('touchpoint', touchpoint_type) as touchpoint_type, label('funnel', funnel_stage) as funnel_stage,
            campaign, label('channel', channel) as channel, shard_of(customer_id) as _shard
     from marts.customer_touchpoints
     qualify row_number() over (partition by customer_id order by occurred_at desc) <= 20`,
  ),
  {
    name: 'lifecycle_stage_mix',
    sql: `select month, stage, label('stage', stage) as stage_label, label_sort('stage', stage) as stage_sort,
                 '/customers-in/stage/' || slug(stage) || '/' as drill_link, count(*) as customers
          from marts.customer_lifecycle group by all`,
  },
  {
    name: 'lifecycle_transitions',
    sql: `select month_key, month_label(strptime(month_key, '%Y-%m')::date) as month_name,
                 label('stage', from_stage) as from_stage, label_sort('stage', from_stage) as from_sort,
                 label('stage', to_stage) as to_stage, label_sort('stage', to_stage) as to_sort, customers
          from marts.lifecycle_transitions`,
  },
  { name: 'lifecycle_thresholds', sql: 'select * from marts.lifecycle_thresholds' },
  { name: 'journey_funnel', sql: `select *, label('channel', acquisition_channel) as channel_label, label('funnel', stage) as stage_label from marts.journey_funnel` },
  {
    name: 'churn_bands',
    sql: `select label('risk_band', risk_band) as risk_label, label_sort('risk_band', risk_band) as risk_sort, '/customers-in/risk/' || risk_band || '/' as drill_link,
                 count(*) as customers, sum(coalesce(predicted_clv, 0) + historical_clv) as total_value
          from marts.customer_churn_risk where risk_band <> 'low' group by all`,
  },
  {
    // The most valuable customers at risk (LISTED_CUSTOMERS of them); churn_bands counts them all.
    name: 'churn_risk',
    sql: `select k.*, c.customer_name, profile_page(k.customer_id) as profile_link, label('risk_band', k.risk_band) as risk_label,
                 label_sort('risk_band', k.risk_band) as risk_sort, label('stage', k.stage) as stage_label,
                 coalesce(k.predicted_clv, 0) + k.historical_clv as total_value
          from marts.customer_churn_risk as k join marts.customers as c using (customer_id)
          where k.risk_band <> 'low'
          order by risk_sort, total_value desc, customer_id
          limit ${LISTED_CUSTOMERS}`,
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
    sql: `select strftime(cohort_month, '%Y-%m') as cohort, cohort_month, acquisition_channel, label('channel', acquisition_channel) as channel_label, count(*) as customers, avg(clv) as avg_clv,
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
    // The run building the site is still running while it exports: it says so, and a run left
    // 'running' by a killed process says it was interrupted.
    name: 'pipeline_runs',
    sql: `select run_id, trigger, selection,
                 case when run_id = getvariable('clm_run_id') then 'this run (building the site)'
                      when status = 'running' then 'interrupted' else status end as status,
                 started_at, finished_at,
                 round(epoch(coalesce(finished_at, now()::timestamp) - started_at), 1) as seconds, error
          from meta.runs order by started_at desc limit 100`,
  },
  {
    // Each asset's latest result, failures first.
    name: 'pipeline_assets',
    sql: `select a.run_id, a.asset_key, a.kind, a.status, a.attempt, a.rows, a.checks_passed, a.checks_failed,
                 a.finished_at, round(epoch(a.finished_at - a.started_at), 2) as seconds, a.error,
                 case when a.status = 'failed' then 0 when a.checks_failed > 0 then 1 else 2 end as attention
          from meta.asset_runs as a
          where a.status <> 'running'
          qualify row_number() over (partition by a.asset_key order by a.started_at desc) = 1`,
  },
  {
    name: 'pipeline_loads',
    sql: `select source, table_name, count(*) as files, sum(rows_read) as rows_read, sum(rows_loaded) as rows_loaded,
                 sum(rows_quarantined) as rows_quarantined, count(*) filter (where ends_with_newline = false) as files_without_final_newline,
                 max(loaded_at) as last_loaded_at
          from meta.loaded_files group by all order by all`,
  },
  {
    // Quarantined rows by kind of reason, with the first place each kind occurs as file:line.
    name: 'pipeline_quarantine',
    sql: `select source, table_name, column_name, regexp_replace(reason, '(: cannot parse).*|(of line|by line) \\d+.*|\\(\\d{4}-.*', '\\1') as reason_kind,
                 count(*) as rows, arg_min(file || coalesce(':' || line, ''), (file, line)) as first_at, any_value(reason) as example
          from meta.quarantine group by all order by rows desc`,
  },
  {
    // The latest result of every check, failing ones first; status_html colours them.
    name: 'pipeline_checks',
    sql: `select asset_key, check_name, coalesce(severity, 'error') as severity, passed, failing_rows, checked_at,
                 case when passed then 2 when coalesce(severity, 'error') = 'warn' then 1 else 0 end as attention,
                 case when passed then '<span style="color:#15803d">passed</span>'
                      when coalesce(severity, 'error') = 'warn' then '<b style="color:#b45309">warning</b>'
                      else '<b style="color:#b91c1c">failed</b>' end as status_html
          from meta.check_results
          qualify row_number() over (partition by asset_key, check_name order by checked_at desc) = 1
          order by attention, asset_key, check_name`,
  },
  {
    // Which parts of the contract the data provides, so pages can say "no such data" instead of
    // showing empty charts.
    name: 'data_coverage',
    sql: ENTITIES.map((entity) => `select '${entity.name}' as entity, count(*) as rows, list_sort(list_distinct(list(source))) as sources from ${unionModelKey(entity.name)}`).join('\n          union all '),
  },
  {
    // How old the newest data is; stale past the freshness SLA (freshness_sla_hours).
    name: 'data_freshness',
    sql: `with latest(data, latest_at) as (
              select 'orders', max(ordered_at) from marts.orders
              union all select 'touchpoints', max(occurred_at) from marts.customer_touchpoints
              union all select 'extracts loaded', max(loaded_at) from meta.loaded_files)
          select data, latest_at, round(epoch(now()::timestamp - latest_at) / 3600, 1) as hours_old,
                 epoch(now()::timestamp - latest_at) / 3600 > getvariable('clm_freshness_sla_hours') as is_stale
          from latest`,
  },
];
