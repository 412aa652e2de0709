-- The lifecycle rules' thresholds, derived from the data's own gaps between a customer's
-- consecutive orders (one row). Active while the last order is within the 75th percentile of
-- gaps; at risk up to the 90th percentile; dormant up to twice that; churned beyond. Loyal: active
-- with at least as many orders as the top fifth of buyers (and at least 3). To set a threshold by
-- hand, set it under `lifecycle:` in clm.config.yml.
with orders as (
    select * from marts.orders
),

overrides as (
    select
        getvariable('clm_lifecycle_active_days') as active_days,
        getvariable('clm_lifecycle_at_risk_days') as at_risk_days,
        getvariable('clm_lifecycle_dormant_days') as dormant_days,
        getvariable('clm_lifecycle_loyal_orders') as loyal_orders
),

gaps as (
    select datediff('day', lag(ordered_at) over (partition by customer_id order by ordered_at), ordered_at) as gap_days
    from orders
),

order_counts as (
    select count(*) as orders from orders group by customer_id
),

derived as (
    select
        ceil(quantile_cont(gap_days, 0.75))::integer as active_days,
        ceil(quantile_cont(gap_days, 0.90))::integer as at_risk_days,
        2 * ceil(quantile_cont(gap_days, 0.90))::integer as dormant_days,
        greatest(3, (select ceil(quantile_cont(orders, 0.80))::integer from order_counts)) as loyal_orders,
        median(gap_days) as median_gap_days,
        count(*) as gaps_observed
    from gaps
    where gap_days is not null
),

final as (
    select
        coalesce(overrides.active_days, derived.active_days) as active_days,
        coalesce(overrides.at_risk_days, derived.at_risk_days) as at_risk_days,
        coalesce(overrides.dormant_days, derived.dormant_days) as dormant_days,
        coalesce(overrides.loyal_orders, derived.loyal_orders) as loyal_orders,
        derived.median_gap_days,
        derived.gaps_observed
    from derived
    cross join overrides
)

select * from final
