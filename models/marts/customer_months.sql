-- Every buyer's every month from their first order to the last month with data.
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
    select
        customers.customer_id,
        customers.cohort_month,
        unnest(generate_series(customers.cohort_month, as_of.as_of_month, interval 1 month))::date as activity_month
    from customers
    cross join as_of
),

monthly_orders as (
    select
        customer_id,
        order_month as activity_month,
        count(*) as order_count,
        sum(net_revenue_cny) as revenue_cny,
        sum(margin_cny) as margin_cny
    from orders
    group by all
),

final as (
    select
        spine.customer_id,
        spine.activity_month,
        spine.cohort_month,
        datediff('month', spine.cohort_month, spine.activity_month) as months_since_first_order,
        coalesce(monthly_orders.order_count, 0) as order_count,
        coalesce(monthly_orders.revenue_cny, 0) as revenue_cny,
        coalesce(monthly_orders.margin_cny, 0) as margin_cny,
        monthly_orders.order_count is not null as is_purchase_month
    from spine
    left join monthly_orders using (customer_id, activity_month)
)

select * from final
