-- Every buyer as of the end of each month: recency, frequency and monetary value to date, the
-- basis of monthly RFM and lifecycle snapshots. Partitioned by month: a run recomputes the months
-- from the first one whose orders changed (see the YAML); `clm backfill --from YYYY-MM --to YYYY-MM`
-- recomputes a chosen range.
with orders as (
    select * from marts.orders
),

months as (
    -- The months asked for (clm_month_from / clm_month_to; null: unbounded) among those with data.
    select unnest(generate_series(
        greatest(min(order_month), coalesce(getvariable('clm_month_from')::date, min(order_month))),
        least(max(order_month), coalesce(getvariable('clm_month_to')::date, max(order_month))),
        interval 1 month
    ))::date as snapshot_month
    from orders
),

history as (
    select
        orders.*,
        months.snapshot_month,
        (months.snapshot_month + interval 1 month)::date as snapshot_end
    from orders
    inner join months on orders.ordered_at < months.snapshot_month + interval 1 month
),

final as (
    select
        customer_id,
        snapshot_month,
        count(*) as frequency,
        sum(net_revenue) as monetary,
        case when count(margin) = count(*) then sum(margin) end as margin,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        datediff('day', max(ordered_at), any_value(snapshot_end)) as recency_days
    from history
    group by customer_id, snapshot_month
)

select * from final
