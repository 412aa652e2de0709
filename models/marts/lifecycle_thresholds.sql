-- The lifecycle rules' thresholds for every month, from what was known at its end: the gaps
-- between a customer's consecutive orders seen by then, and the buyers' orders to date. Active
-- while the last order is within the 75th percentile of gaps; at risk up to the 90th percentile;
-- dormant up to twice that; churned beyond. Loyal: active with at least as many orders as the top
-- fifth of buyers (and at least 3). A month is judged by its own knowledge, so new data never
-- restates the stages of the months before it.
-- Until 100 gaps have been seen, the thresholds are those of the first month that has seen 100
-- (all the data's, if none has). To set a threshold by hand, set it under `lifecycle:` in
-- clm.config.yml: it then holds for every month.
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

months as (
    select unnest(generate_series(min(order_month), max(order_month), interval 1 month))::date as month
    from orders
),

-- Each gap is seen in the month of the order that closes it; counted per whole number of days,
-- so the distribution to date is a running sum over months.
gap_counts as (
    select order_month as seen_in, gap_days, count(*) as gaps
    from (
        select order_month, datediff('day', lag(ordered_at) over (partition by customer_id order by ordered_at), ordered_at) as gap_days
        from orders
    )
    where gap_days is not null
    group by all
),

gaps_to_date as (
    select months.month, gap_counts.gap_days as value, sum(gap_counts.gaps) as n
    from months
    inner join gap_counts on gap_counts.seen_in <= months.month
    group by all
),

-- A buyer has k orders to date at the end of a month when their k-th order was placed by then.
kth_orders as (
    select order_month as seen_in, order_number as k, count(*) as buyers
    from orders
    group by all
),

buyers_with_at_least as (
    select months.month, kth_orders.k, sum(kth_orders.buyers) as buyers
    from months
    inner join kth_orders on kth_orders.seen_in <= months.month
    group by all
),

orders_to_date as (
    -- Buyers with exactly k orders to date: those with at least k, less those with at least k + 1.
    select month, k as value, buyers - coalesce(lead(buyers) over (partition by month order by k), 0) as n
    from buyers_with_at_least
),

distributions as (
    select 'gap' as measure, * from gaps_to_date
    union all
    select 'orders' as measure, * from orders_to_date where n > 0
),

cumulative as (
    select
        measure, month, value,
        sum(n) over (partition by measure, month order by value) as up_to,
        sum(n) over (partition by measure, month)::bigint as total
    from distributions
),

-- quantile_cont over the values to date: (total − 1) · q places the quantile between two
-- neighbours in sorted order, read from the running counts.
quantiles as (
    select
        c.measure, c.month, q.q, any_value(c.total) as total,
        any_value((c.total - 1) * q.q) as position,
        min(c.value) filter (where c.up_to > floor((c.total - 1) * q.q)) as below,
        min(c.value) filter (where c.up_to > ceil((c.total - 1) * q.q)) as above
    from cumulative as c
    inner join (values ('gap', 0.5::double), ('gap', 0.75), ('gap', 0.9), ('orders', 0.8)) as q(measure, q) using (measure)
    group by all
),

per_month as (
    select
        month,
        any_value(total) filter (where measure = 'gap') as gaps_observed,
        any_value(below + (position - floor(position)) * (above - below)) filter (where measure = 'gap' and q = 0.5) as median_gap_days,
        any_value(below + (position - floor(position)) * (above - below)) filter (where measure = 'gap' and q = 0.75) as p75,
        any_value(below + (position - floor(position)) * (above - below)) filter (where measure = 'gap' and q = 0.9) as p90,
        any_value(below + (position - floor(position)) * (above - below)) filter (where measure = 'orders') as p80_orders
    from quantiles
    group by month
),

-- The month whose knowledge a month uses: its own once 100 gaps have been seen.
basis as (
    select
        months.month,
        case
            when coalesce(per_month.gaps_observed, 0) >= 100 then months.month
            else coalesce(min(months.month) filter (where per_month.gaps_observed >= 100) over (), max(months.month) over ())
        end as basis_month
    from months
    left join per_month using (month)
),

derived as (
    select
        basis.month,
        ceil(per_month.p75)::integer as active_days,
        ceil(per_month.p90)::integer as at_risk_days,
        2 * ceil(per_month.p90)::integer as dormant_days,
        greatest(3, ceil(per_month.p80_orders)::integer) as loyal_orders,
        per_month.median_gap_days,
        coalesce(per_month.gaps_observed, 0) as gaps_observed
    from basis
    left join per_month on per_month.month = basis.basis_month
),

final as (
    select
        derived.month,
        strftime(derived.month, '%Y-%m') as month_key,
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
