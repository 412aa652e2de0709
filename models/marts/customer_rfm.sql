-- RFM per buyer per month end: recency, frequency and monetary scores among that month's buyers
-- (quintiles of rank by default: `rfm.score_bins` in clm.config.yml; the highest score is best;
-- equal values always get equal scores), and the named segment. The segment map is the `segments` CTE: one row per rule on a 1–5 scale (scores on
-- another scale are rescaled to it), tried in order; edit it there.
with snapshots as (
    -- The months asked for (clm_month_from / clm_month_to; null: unbounded), and the month before
    -- the first of them, for each buyer's previous segment.
    select * from marts.customer_snapshots
    where snapshot_month >= coalesce(getvariable('clm_month_from')::date - interval 1 month, snapshot_month)
      and snapshot_month <= coalesce(getvariable('clm_month_to')::date, snapshot_month)
),

settings as (
    select getvariable('clm_rfm_score_bins') as score_bins
),

binned as (
    -- Rank-based bins: customers with equal values share a rank, so they get the same score (ties
    -- are never split by customer id); a tie sits in the bin where its rank starts.
    select
        snapshots.*,
        least(score_bins, 1 + floor(score_bins * (rank() over (partition by snapshot_month order by recency_days desc) - 1) / count(*) over (partition by snapshot_month)))::integer as recency_score,
        least(score_bins, 1 + floor(score_bins * (rank() over (partition by snapshot_month order by frequency) - 1) / count(*) over (partition by snapshot_month)))::integer as frequency_score,
        least(score_bins, 1 + floor(score_bins * (rank() over (partition by snapshot_month order by monetary) - 1) / count(*) over (partition by snapshot_month)))::integer as monetary_score
    from snapshots
    cross join settings
),

scored as (
    select
        binned.* replace (
            round(1 + (recency_score - 1) * 4.0 / greatest(settings.score_bins - 1, 1))::integer as recency_score,
            round(1 + (frequency_score - 1) * 4.0 / greatest(settings.score_bins - 1, 1))::integer as frequency_score,
            round(1 + (monetary_score - 1) * 4.0 / greatest(settings.score_bins - 1, 1))::integer as monetary_score
        )
    from binned
    cross join settings
),

segments(rule_order, segment, segment_zh, min_r, max_r, min_fm, max_fm) as (
    values
        (1, 'Champions', '冠军客户', 4, 5, 4.0, 5.0),
        (2, 'Can''t lose them', '不能失去的客户', 1, 2, 4.5, 5.0),
        (3, 'At risk', '风险客户', 1, 2, 3.0, 4.5),
        (4, 'Loyal', '忠诚客户', 3, 5, 3.0, 5.0),
        (5, 'Potential loyalist', '潜力客户', 4, 5, 2.0, 3.0),
        (6, 'New', '新客户', 5, 5, 1.0, 2.0),
        (7, 'Promising', '有望客户', 4, 4, 1.0, 2.0),
        (8, 'Need attention', '需关注客户', 3, 3, 2.0, 3.0),
        (9, 'About to sleep', '即将休眠', 3, 3, 1.0, 2.0),
        (10, 'Hibernating', '休眠客户', 2, 2, 1.0, 3.0),
        (11, 'Lost', '流失客户', 1, 1, 1.0, 3.0)
),

-- Each (R, F, M) cell's segment: the first rule that takes it. 125 cells, so buyers join it by key.
cells as (
    select
        r.r as recency_score,
        f.f as frequency_score,
        m.m as monetary_score,
        segments.segment,
        segments.segment_zh
    from range(1, 6) as r(r)
    cross join range(1, 6) as f(f)
    cross join range(1, 6) as m(m)
    left join segments
        on r.r between segments.min_r and segments.max_r
        and (f.f + m.m) / 2 between segments.min_fm and segments.max_fm
    qualify row_number() over (partition by r.r, f.f, m.m order by segments.rule_order nulls last) = 1
),

segmented as (
    select
        scored.*,
        (scored.frequency_score + scored.monetary_score) / 2 as fm_score,
        scored.recency_score::varchar || scored.frequency_score::varchar || scored.monetary_score::varchar as rfm_cell,
        coalesce(cells.segment, 'Other') as segment,
        coalesce(cells.segment_zh, '其他') as segment_zh
    from scored
    left join cells using (recency_score, frequency_score, monetary_score)
),

final as (
    select
        segmented.*,
        segmented.snapshot_month = latest.snapshot_month as is_latest,
        lag(segment) over (partition by customer_id order by segmented.snapshot_month) as previous_segment
    from segmented
    cross join (select max(snapshot_month) as snapshot_month from marts.customer_snapshots) as latest
)

select * from final
where snapshot_month >= coalesce(getvariable('clm_month_from')::date, snapshot_month)
