import { beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProject, type Project } from '../../pipelines/config.js';
import { FIXTURES, query, run } from '../helpers/warehouse.js';

// Every expected number below was worked out by hand from tests/fixtures/mini (see its README).
describe('marts on the hand-computed mini fixture', () => {
  let paths: Project;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clm-marts-'));
    cpSync(join(FIXTURES, 'mini'), join(dir, 'landing'), { recursive: true });
    paths = loadProject({ warehouse: join(dir, 'warehouse.duckdb'), landing: join(dir, 'landing') });
    const summary = await run(paths);
    expect(summary.status).toBe('success');
  });

  it('stitches one row per real person across CRM and ERP ids, keeping the evidence', async () => {
    const rows = await query(paths, `
      select customer_id, customer_name, acquisition_channel, source_ids, matched_on, match_evidence, tags, order_count, revenue::double as revenue, margin::double as margin, is_buyer
      from marts.customers order by customer_id`);
    expect(rows).toEqual([
      { customer_id: 'crm:C1', customer_name: '王芳', acquisition_channel: 'wechat', source_ids: ['crm:C1', 'erp:E1'], matched_on: ['email'], match_evidence: ['crm:C1 = erp:E1 (email)'], tags: ['newsletter', 'vip'], order_count: 3, revenue: 350, margin: 210, is_buyer: true },
      { customer_id: 'crm:C2', customer_name: 'Bob Smith', acquisition_channel: 'search', source_ids: ['crm:C2', 'erp:E2'], matched_on: ['mobile'], match_evidence: ['crm:C2 = erp:E2 (mobile)'], tags: [], order_count: 1, revenue: 100, margin: 60, is_buyer: true },
      { customer_id: 'crm:C3', customer_name: '李雷', acquisition_channel: 'referral', source_ids: ['crm:C3', 'erp:E3'], matched_on: ['email', 'mobile'], match_evidence: ['crm:C3 = erp:E3 (email)', 'crm:C3 = erp:E3 (mobile)'], tags: [], order_count: 1, revenue: 100, margin: 60, is_buyer: true },
      // A prospect has no orders, so no margin (null, not 0); an ERP-only customer's channel is unknown.
      { customer_id: 'crm:C4', customer_name: 'Prospect Only', acquisition_channel: 'douyin', source_ids: ['crm:C4'], matched_on: [], match_evidence: [], tags: [], order_count: 0, revenue: 0, margin: null, is_buyer: false },
      { customer_id: 'erp:E4', customer_name: '张伟', acquisition_channel: 'unknown', source_ids: ['erp:E4'], matched_on: [], match_evidence: [], tags: [], order_count: 1, revenue: 300, margin: 180, is_buyer: true },
    ]);
  });

  it('nets orders of discounts and returns and leaves cancelled orders out', async () => {
    const rows = await query(paths, `
      select source_order_id as order_id, customer_id, gross_revenue::double as gross, discount::double as discount, refunds::double as refund,
             net_revenue::double as net, margin::double as margin, order_number
      from marts.orders order by order_id`);
    expect(rows).toEqual([
      { order_id: 'O1', customer_id: 'crm:C1', gross: 250, discount: 10, refund: 40, net: 200, margin: 120, order_number: 1 },
      { order_id: 'O2', customer_id: 'crm:C2', gross: 100, discount: 0, refund: 0, net: 100, margin: 60, order_number: 1 },
      { order_id: 'O3', customer_id: 'crm:C1', gross: 100, discount: 0, refund: 0, net: 100, margin: 60, order_number: 2 },
      { order_id: 'O4', customer_id: 'crm:C3', gross: 100, discount: 0, refund: 0, net: 100, margin: 60, order_number: 1 },
      { order_id: 'O5', customer_id: 'crm:C1', gross: 50, discount: 0, refund: 0, net: 50, margin: 30, order_number: 3 },
      { order_id: 'O6', customer_id: 'erp:E4', gross: 300, discount: 0, refund: 0, net: 300, margin: 180, order_number: 1 },
    ]);
  });

  it('has one customer_months row per buyer per month from first order to the last month with data', async () => {
    const rows = await query(paths, `
      select customer_id, count(*) as months, sum(order_count) as orders, min(activity_month)::varchar as first_month, max(activity_month)::varchar as last_month
      from marts.customer_months group by customer_id order by customer_id`);
    expect(rows).toEqual([
      { customer_id: 'crm:C1', months: 4, orders: 3, first_month: '2024-01-01', last_month: '2024-04-01' },
      { customer_id: 'crm:C2', months: 4, orders: 1, first_month: '2024-01-01', last_month: '2024-04-01' },
      { customer_id: 'crm:C3', months: 3, orders: 1, first_month: '2024-02-01', last_month: '2024-04-01' },
      { customer_id: 'erp:E4', months: 2, orders: 1, first_month: '2024-03-01', last_month: '2024-04-01' },
    ]);
  });

  it('fills the cohort grid, with null (not zero) in cells not yet observable', async () => {
    const rows = await query(paths, `
      select cohort_month::varchar as cohort, months_since_first_order as k, cohort_customers as size, active_customers as active,
             retention_pct::double as pct, revenue::double as revenue
      from marts.cohort_retention order by cohort_month, k`);
    expect(rows).toEqual([
      { cohort: '2024-01-01', k: 0, size: 2, active: 2, pct: 100, revenue: 300 },
      { cohort: '2024-01-01', k: 1, size: 2, active: 1, pct: 50, revenue: 100 },
      { cohort: '2024-01-01', k: 2, size: 2, active: 0, pct: 0, revenue: 0 },
      { cohort: '2024-01-01', k: 3, size: 2, active: 1, pct: 50, revenue: 50 },
      { cohort: '2024-02-01', k: 0, size: 1, active: 1, pct: 100, revenue: 100 },
      { cohort: '2024-02-01', k: 1, size: 1, active: 0, pct: 0, revenue: 0 },
      { cohort: '2024-02-01', k: 2, size: 1, active: 0, pct: 0, revenue: 0 },
      { cohort: '2024-02-01', k: 3, size: 1, active: null, pct: null, revenue: null },
      { cohort: '2024-03-01', k: 0, size: 1, active: 1, pct: 100, revenue: 300 },
      { cohort: '2024-03-01', k: 1, size: 1, active: 0, pct: 0, revenue: 0 },
      { cohort: '2024-03-01', k: 2, size: 1, active: null, pct: null, revenue: null },
      { cohort: '2024-03-01', k: 3, size: 1, active: null, pct: null, revenue: null },
    ]);
  });

  it('counts monthly retention with a three-month activity window', async () => {
    const rows = await query(paths, `
      select month_key, customers_at_start as start, new_customers as new, retained_customers as retained,
             churned_customers as churned, reactivated_customers as reactivated, active_customers as active,
             revenue::double as revenue, retention_pct::double as retention, churn_pct::double as churn,
             net_revenue_retention_pct::double as nrr
      from marts.monthly_retention order by month`);
    expect(rows).toEqual([
      { month_key: '2024-01', start: 0, new: 2, retained: 0, churned: 0, reactivated: 0, active: 2, revenue: 300, retention: null, churn: null, nrr: null },
      { month_key: '2024-02', start: 2, new: 1, retained: 2, churned: 0, reactivated: 0, active: 3, revenue: 200, retention: 100, churn: 0, nrr: 133.33 },
      { month_key: '2024-03', start: 3, new: 1, retained: 3, churned: 0, reactivated: 0, active: 4, revenue: 300, retention: 100, churn: 0, nrr: 100 },
      { month_key: '2024-04', start: 4, new: 0, retained: 3, churned: 1, reactivated: 0, active: 3, revenue: 50, retention: 75, churn: 25, nrr: 68.75 },
    ]);
  });

  it('classes buyers A/B/C by their share of revenue (A to 80%, B to 95%)', async () => {
    // Revenue ¥350 (C1), ¥300 (E4), ¥100 (C2), ¥100 (C3) of ¥850: C3 starts at 750/850 = 88% → B.
    expect(await query(paths, `select customer_id, revenue_class, revenue_cumulative_pct::double as pct from marts.customer_abc order by revenue_cumulative_pct`)).toEqual([
      { customer_id: 'crm:C1', revenue_class: 'A', pct: 41.18 },
      { customer_id: 'erp:E4', revenue_class: 'A', pct: 76.47 },
      { customer_id: 'crm:C2', revenue_class: 'A', pct: 88.24 },
      { customer_id: 'crm:C3', revenue_class: 'B', pct: 100 },
    ]);
  });

  it('scores RFM per month end and names the segments, with the previous month’s segment', async () => {
    // Scores are rank bins: 1 + floor(5 × (rank − 1) / buyers), equal values sharing the lowest rank.
    // As of 2024-04-30 (4 buyers): recency 11 (C1), 59 (E4), 81 (C3), 107 (C2) days → R 4, 3, 2, 1;
    // frequency 3, 1, 1, 1 → F 4 for C1 and 1 for the three tied; monetary 350, 300, 100, 100 → M 4, 3, 1, 1.
    // As of 2024-03-31: C1 R2 F4 M3 (FM 3.5) → At risk; C3 R3 F1 M1 → About to sleep; E4 R4 F1 M3 (FM 2) → Potential loyalist; C2 R1 F1 M1 → Lost.
    expect(await query(paths, `
      select customer_id, recency_days, rfm_cell, segment, segment_zh, previous_segment
      from marts.customer_rfm where is_latest order by customer_id`)).toEqual([
      { customer_id: 'crm:C1', recency_days: 11, rfm_cell: '444', segment: 'Champions', segment_zh: '冠军客户', previous_segment: 'At risk' },
      { customer_id: 'crm:C2', recency_days: 107, rfm_cell: '111', segment: 'Lost', segment_zh: '流失客户', previous_segment: 'Lost' },
      { customer_id: 'crm:C3', recency_days: 81, rfm_cell: '211', segment: 'Hibernating', segment_zh: '休眠客户', previous_segment: 'About to sleep' },
      { customer_id: 'erp:E4', recency_days: 59, rfm_cell: '313', segment: 'Need attention', segment_zh: '需关注客户', previous_segment: 'Potential loyalist' },
    ]);
  });

  it('gives equal scores to equal values: ties are never split by customer id', async () => {
    const split = await query(paths, `
      select count(*) as groups from (
          select snapshot_month, frequency from marts.customer_rfm group by all having count(distinct frequency_score) > 1
          union all
          select snapshot_month, monetary from marts.customer_rfm group by all having count(distinct monetary_score) > 1
          union all
          select snapshot_month, recency_days from marts.customer_rfm group by all having count(distinct recency_score) > 1)`);
    expect(split).toEqual([{ groups: 0 }]);
  });

  it('gives one-time buyers a churn reason against the data’s own time to a second order', async () => {
    // The only repeat buyer (C1) ordered again after 26 days, so every one-time buyer past 26 days is flagged.
    expect(await query(paths, `
      select customer_id, reasons from marts.customer_churn_risk where list_contains(reason_codes, 'no_second_order') order by customer_id`)).toEqual([
      { customer_id: 'crm:C2', reasons: 'one order, 107 days ago; 3 in 4 repeat buyers ordered again within 26 days; NPS detractor (6)' },
      { customer_id: 'crm:C3', reasons: 'one order, 81 days ago; 3 in 4 repeat buyers ordered again within 26 days' },
      { customer_id: 'erp:E4', reasons: 'one order, 59 days ago; 3 in 4 repeat buyers ordered again within 26 days' },
    ]);
  });

  it('derives lifecycle thresholds from inter-purchase gaps and stages every person every month', async () => {
    // Gaps between consecutive orders: 26 and 75 days (C1 only; 2024 is a leap year) → 75th percentile 62.75 → 63 days active, 90th 70.1 → 71 at risk, 142 dormant.
    // Two gaps are far from the 100 a month needs to be judged by its own: every month takes all the data's.
    const thresholds = { active_days: 63, at_risk_days: 71, dormant_days: 142, loyal_orders: 3, gaps_observed: 2 };
    expect(await query(paths, 'select month_key, active_days, at_risk_days, dormant_days, loyal_orders, gaps_observed from marts.lifecycle_thresholds order by month')).toEqual(
      ['2024-01', '2024-02', '2024-03', '2024-04'].map((month) => ({ month_key: month, ...thresholds })),
    );
    const stages = await query(paths, `select customer_id, list(month_key || ' ' || stage order by month) as stages from marts.customer_lifecycle group by 1 order by 1`);
    expect(stages).toEqual([
      // 王芳: contact in Dec, first order Jan, ordered again Feb, 55 days since at the end of March, third order in April.
      { customer_id: 'crm:C1', stages: ['2023-12 prospect', '2024-01 new', '2024-02 active', '2024-03 active', '2024-04 loyal'] },
      // Bob: one order on 15 January; 77 days since at the end of March (> 71), 107 at the end of April.
      { customer_id: 'crm:C2', stages: ['2024-01 new', '2024-02 active', '2024-03 dormant', '2024-04 dormant'] },
      { customer_id: 'crm:C3', stages: ['2024-02 new', '2024-03 active', '2024-04 dormant'] },
      { customer_id: 'crm:C4', stages: ['2024-03 prospect', '2024-04 prospect'] },
      { customer_id: 'erp:E4', stages: ['2024-03 new', '2024-04 active'] },
    ]);
    expect(await query(paths, `select stage, valid_from::varchar as valid_from, valid_to::varchar as valid_to from marts.customer_stage_history where customer_id = 'crm:C2' order by valid_from`)).toEqual([
      { stage: 'new', valid_from: '2024-01-01', valid_to: '2024-02-01' },
      { stage: 'active', valid_from: '2024-02-01', valid_to: '2024-03-01' },
      { stage: 'dormant', valid_from: '2024-03-01', valid_to: null },
    ]);
  });
});
