-- Every buyer as of the end of each month: recency, frequency and monetary value to date, the
-- basis of monthly RFM and lifecycle snapshots. Partitioned by month: a run computes every month;
-- `clm backfill --from YYYY-MM --to YYYY-MM` recomputes a chosen range.
with orders as (
    select * from marts.orders
),

months as (
    -- A partition when one is asked for (a backfill), else every month with orders.
    select unnest(generate_series(min(order_month), max(order_month), interval 1 month))::date as snapshot_month
    from orders
    where getvariable('partition_month') is null
    union all
    select getvariable('partition_month')::date as snapshot_month
    where getvariable('partition_month') is not null
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
        sum(margin) as margin,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        datediff('day', max(ordered_at), any_value(snapshot_end)) as recency_days
    from history
    group by customer_id, snapshot_month
)

select * from final
