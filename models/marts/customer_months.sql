-- Every buyer's every month from their first order to the last month with data, with their
-- activity state: active when they bought in that month or in the two before it (a three-month
-- window, about three times the typical gap between orders), and whether they were active at the
-- end of the month before.
with orders as (
    select * from marts.orders
),

customers as (
    select * from marts.customers where is_buyer
),

as_of as (
    select max(order_month) as as_of_month from orders
),

spine as (
    -- The months asked for (clm_month_from / clm_month_to; null: unbounded), from three months
    -- before the first of them: the activity window and the month before it look back that far.
    select
        customers.customer_id,
        customers.cohort_month,
        unnest(generate_series(
            greatest(customers.cohort_month, coalesce(getvariable('clm_month_from')::date - interval 3 month, customers.cohort_month)),
            least(as_of.as_of_month, coalesce(getvariable('clm_month_to')::date, as_of.as_of_month)),
            interval 1 month
        ))::date as activity_month
    from customers
    cross join as_of
),

monthly_orders as (
    select
        customer_id,
        order_month as activity_month,
        count(*) as order_count,
        sum(net_revenue) as revenue,
        case when count(margin) = count(*) then sum(margin) end as margin
    from orders
    where order_month >= coalesce(getvariable('clm_month_from')::date - interval 3 month, order_month)
    group by all
),

activity as (
    select
        spine.customer_id,
        spine.activity_month,
        spine.cohort_month,
        customers.acquisition_channel,
        datediff('month', spine.cohort_month, spine.activity_month) as months_since_first_order,
        coalesce(monthly_orders.order_count, 0) as order_count,
        coalesce(monthly_orders.revenue, 0) as revenue,
        -- No orders: no margin; orders without cost: margin unknown (null).
        case when monthly_orders.order_count is null then 0 else monthly_orders.margin end as margin,
        monthly_orders.order_count is not null as is_purchase_month
    from spine
    inner join customers using (customer_id)
    left join monthly_orders using (customer_id, activity_month)
),

windowed as (
    select
        *,
        sum(order_count) over last_three_months > 0 as is_active,
        sum(revenue) over last_three_months as window_revenue
    from activity
    window last_three_months as (partition by customer_id order by activity_month rows between 2 preceding and current row)
),

final as (
    select
        *,
        coalesce(lag(is_active) over by_customer, false) as was_active,
        coalesce(lag(window_revenue) over by_customer, 0) as previous_window_revenue
    from windowed
    window by_customer as (partition by customer_id order by activity_month)
)

select * from final
where activity_month >= coalesce(getvariable('clm_month_from')::date, activity_month)
