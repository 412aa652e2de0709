-- Order lines with their order, product cost and returns. Lines whose order is missing drop out
-- here (the relationships test on stg_erp__order_lines counts them).
with order_lines as (
    select * from staging.stg_erp__order_lines
),

orders as (
    select * from staging.stg_erp__orders
),

products as (
    select * from staging.stg_erp__products
),

returns as (
    select * from staging.stg_erp__returns
),

returns_per_line as (
    select
        order_line_id,
        sum(returned_quantity) as returned_quantity,
        sum(refund_cny) as refund_cny
    from returns
    group by order_line_id
),

joined as (
    select
        order_lines.order_line_id,
        order_lines.order_id,
        orders.erp_customer_id,
        orders.ordered_at,
        orders.channel,
        orders.is_cancelled,
        order_lines.product_id,
        products.category,
        order_lines.quantity,
        coalesce(returns_per_line.returned_quantity, 0) as returned_quantity,
        order_lines.gross_revenue_cny,
        order_lines.discount_cny,
        coalesce(returns_per_line.refund_cny, 0) as refund_cny,
        order_lines.net_revenue_cny - coalesce(returns_per_line.refund_cny, 0) as net_revenue_cny,
        (order_lines.quantity - coalesce(returns_per_line.returned_quantity, 0)) * products.unit_cost_cny as cost_cny
    from order_lines
    inner join orders using (order_id)
    left join products using (product_id)
    left join returns_per_line using (order_line_id)
)

select * from joined
