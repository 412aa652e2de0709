-- The lifecycle stage of every known person at the end of every month, from the month they were
-- first seen (CRM contact or ERP registration) to the last month with orders:
-- prospect (no order yet) → new (first order this month) → active / loyal (ordered recently;
-- loyal with many orders) → at risk → dormant → churned (longer and longer since the last order),
-- and won back (ordered this month after being dormant or churned). Thresholds: lifecycle_thresholds,
-- those of the month of the person's last order.
with customers as (
    select * from marts.customers
),

orders as (
    select * from marts.orders
),

thresholds as (
    select
        month as threshold_month,
        active_days,
        at_risk_days,
        dormant_days,
        loyal_orders
    from marts.lifecycle_thresholds
),

as_of as (
    select max(order_month) as last_month from orders
),

spine as (
    -- The months asked for (clm_month_from / clm_month_to; null: unbounded), from the month before
    -- the first of them: a stage depends on the stage before it.
    select
        customers.customer_id,
        customers.acquisition_channel,
        unnest(generate_series(
            greatest(date_trunc('month', customers.first_seen_at)::date, coalesce(getvariable('clm_month_from')::date - interval 1 month, date_trunc('month', customers.first_seen_at))),
            least(as_of.last_month, coalesce(getvariable('clm_month_to')::date, as_of.last_month)),
            interval 1 month
        ))::date as month
    from customers
    cross join as_of
    where date_trunc('month', customers.first_seen_at) <= as_of.last_month
),

to_date as (
    select
        spine.customer_id,
        spine.acquisition_channel,
        spine.month,
        count(orders.order_id) as orders_to_date,
        count(orders.order_id) filter (where orders.order_month = spine.month) as orders_this_month,
        max(orders.ordered_at) as last_order_at,
        min(orders.order_month) as first_order_month
    from spine
    left join orders
        on orders.customer_id = spine.customer_id
        and orders.ordered_at < spine.month + interval 1 month
    group by all
),

base as (
    select
        to_date.*,
        datediff('day', last_order_at, month + interval 1 month) as days_since_last_order,
        case
            when orders_to_date = 0 then 'prospect'
            when first_order_month = month then 'new'
            when datediff('day', last_order_at, month + interval 1 month) <= thresholds.active_days
                then case when orders_to_date >= thresholds.loyal_orders then 'loyal' else 'active' end
            when datediff('day', last_order_at, month + interval 1 month) <= thresholds.at_risk_days then 'at_risk'
            when datediff('day', last_order_at, month + interval 1 month) <= thresholds.dormant_days then 'dormant'
            else 'churned'
        end as base_stage
    from to_date
    -- Recency is measured against the thresholds known when the person last ordered: fixed while
    -- they do not order again, so without an order a stage only moves on (active → at risk →
    -- dormant → churned). Nobody who has not ordered needs any: they are prospects.
    left join thresholds on thresholds.threshold_month = date_trunc('month', to_date.last_order_at)
),

final as (
    select
        customer_id,
        acquisition_channel,
        month,
        strftime(month, '%Y-%m') as month_key,
        orders_to_date,
        orders_this_month,
        days_since_last_order,
        case
            when orders_this_month > 0 and lag(base_stage) over by_customer in ('dormant', 'churned') then 'won_back'
            else base_stage
        end as stage
    from base
    window by_customer as (partition by customer_id order by month)
)

select * from final
where month >= coalesce(getvariable('clm_month_from')::date, month)
