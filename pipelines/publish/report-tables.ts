/**
 * The tables the reports read, each one thin SQL over a mart or the run records. Personal data is
 * masked here, before anything leaves the warehouse: the static site never holds a full e-mail
 * address or mobile number.
 */
export interface ReportTable {
  name: string;
  sql: string;
}

export const REPORT_TABLES: readonly ReportTable[] = [
  { name: 'kpi_monthly', sql: 'select * from marts.kpi_monthly' },
  { name: 'monthly_retention', sql: 'select * from marts.monthly_retention' },
  { name: 'monthly_retention_by_channel', sql: 'select * from marts.monthly_retention_by_channel' },
  { name: 'cohort_retention', sql: 'select * from marts.cohort_retention' },
  {
    name: 'customers',
    sql: `select
              * replace (mask_email(email) as email, mask_mobile(mobile) as mobile),
              cny_label(revenue_cny) as revenue_label,
              '/customers/' || customer_id || '/' as profile_link
          from marts.customers`,
  },
  { name: 'orders', sql: 'select * exclude (erp_customer_id) from marts.orders' },
  { name: 'customer_touchpoints', sql: 'select * from marts.customer_touchpoints' },
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
                 sum(rows_quarantined) as rows_quarantined, max(loaded_at) as last_loaded_at
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
    sql: `select asset_key, check_name, passed, failing_rows, checked_at
          from meta.check_results
          qualify row_number() over (partition by asset_key, check_name order by checked_at desc) = 1
          order by passed, asset_key, check_name`,
  },
  {
    name: 'data_freshness',
    sql: `select 'orders' as data, max(ordered_at) as latest_at from marts.orders
          union all select 'touchpoints', max(occurred_at) from marts.customer_touchpoints
          union all select 'extracts loaded', max(loaded_at) from meta.loaded_files`,
  },
];
