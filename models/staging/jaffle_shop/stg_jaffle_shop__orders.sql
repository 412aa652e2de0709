-- jaffle_shop orders with the sum of their payments (cents → currency units): the contract's
-- orders. A returned order counts as cancelled.
with orders as (
    select * from raw.jaffle_shop__orders
),

payments as (
    select * from raw.jaffle_shop__payments
),

paid as (
    select
        order_id,
        sum(amount) / 100 as amount
    from payments
    group by order_id
),

final as (
    select
        orders.id as order_id,
        orders.user_id as customer_id,
        orders.order_date as ordered_at,
        orders.status,
        orders.status = 'returned' as is_cancelled,
        coalesce(paid.amount, 0) as net_revenue
    from orders
    left join paid on paid.order_id = orders.id
)

select * from final
