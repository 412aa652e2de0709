-- Every buyer as of the end of a month: recency, frequency and monetary value to date, the basis
-- of monthly RFM and lifecycle snapshots. Partitioned by month: a run snapshots the latest month
-- with data; `clm backfill --from YYYY-MM --to YYYY-MM` fills any range.
with orders as (
    select * from marts.orders
),

bounds as (
    select
        coalesce(getvariable('partition_month'), max(order_month)) as snapshot_month,
        (coalesce(getvariable('partition_month'), max(order_month)) + interval 1 month)::date as snapshot_end
    from orders
),

history as (
    select orders.*, bounds.snapshot_month, bounds.snapshot_end
    from orders
    cross join bounds
    where orders.ordered_at < bounds.snapshot_end
),

final as (
    select
        customer_id,
        snapshot_month,
        count(*) as frequency,
        sum(net_revenue_cny) as monetary_cny,
        sum(margin_cny) as margin_cny,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        datediff('day', max(ordered_at), any_value(snapshot_end)) as recency_days
    from history
    group by customer_id, snapshot_month
)

select * from final
