-- Completed orders from every source, each with the real person who placed it. Rows of the same
-- order (an order-lines export) are summed; cancelled orders are left out. Margin is null when
-- the order carries no cost. The order's key is `<source>:<order id>`.
-- Partitioned by month: an order changes its customer's order numbers from its month on, so a
-- run writes only the months asked for (clm_month_from / clm_month_to; null: unbounded), numbered
-- over each customer's every order, and reads only the orders of those who ordered in them.
with order_rows as (
    select * from intermediate.int_orders_unioned
),

stitched as (
    select * from intermediate.int_customers_stitched
),

-- A run over some months (clm_month_from set) renumbers the orders of those who ordered in them,
-- reading every order of theirs (an order's number counts all before it); a full run, everyone's.
people_asked as (
    select stitched.node_id
    from stitched
    where stitched.customer_id in (
        select stitched.customer_id
        from order_rows
        inner join stitched on stitched.node_id = coalesce(order_rows.customer_source, order_rows.source) || ':' || order_rows.customer_id
        where order_rows.ordered_at >= getvariable('clm_month_from')::date
    )
),

orders_asked as (
    select distinct source, order_id
    from order_rows
    where coalesce(customer_source, source) || ':' || customer_id in (select node_id from people_asked)
),

rows_asked as (
    select * from order_rows
    where getvariable('clm_month_from') is null
    union all
    select * from order_rows
    semi join orders_asked using (source, order_id)
    where getvariable('clm_month_from') is not null
),

per_order as (
    select
        source,
        order_id as source_order_id,
        any_value(coalesce(customer_source, source) || ':' || customer_id) as node_id,
        any_value(customer_id) as source_customer_id,
        min(ordered_at) as ordered_at,
        any_value(channel) as channel,
        any_value(currency) as currency,
        sum(item_count) as item_count,
        sum(coalesce(gross_revenue, net_revenue + coalesce(discount, 0) + coalesce(refunds, 0))) as gross_revenue,
        coalesce(sum(discount), 0) as discount,
        coalesce(sum(refunds), 0) as refunds,
        sum(net_revenue) as net_revenue,
        -- A cost is known only when every row of the order has one.
        case when count(cost) = count(*) then sum(cost) end as cost
    from rows_asked
    group by source, order_id
    having not coalesce(bool_or(is_cancelled), false)
),

final as (
    select
        per_order.source || ':' || per_order.source_order_id as order_id,
        stitched.customer_id,
        per_order.source,
        per_order.source_order_id,
        per_order.source_customer_id,
        per_order.ordered_at,
        date_trunc('month', per_order.ordered_at)::date as order_month,
        per_order.channel,
        per_order.currency,
        per_order.item_count,
        per_order.gross_revenue,
        per_order.discount,
        per_order.refunds,
        per_order.net_revenue,
        per_order.cost,
        per_order.net_revenue - per_order.cost as margin,
        row_number() over (partition by stitched.customer_id order by per_order.ordered_at, per_order.source, per_order.source_order_id) as order_number,
        row_number() over (partition by stitched.customer_id order by per_order.ordered_at, per_order.source, per_order.source_order_id) = 1 as is_first_order
    from per_order
    inner join stitched using (node_id)
)

select * from final
where order_month >= coalesce(getvariable('clm_month_from')::date, order_month)
  and order_month <= coalesce(getvariable('clm_month_to')::date, order_month)
