-- ERP order lines with their product's category and cost and their returns: the contract's
-- order_lines. Revenue is net of the line's discount and refunds; cost counts the units kept.
with order_lines as (
    select * from raw.erp__order_lines
),

products as (
    select * from raw.erp__products
),

returns as (
    select * from raw.erp__returns
),

returns_per_line as (
    select
        order_line_id,
        sum(quantity) as returned_quantity,
        sum(refund_cny) as refund_cny
    from returns
    group by order_line_id
),

joined as (
    select
        order_lines.order_line_id,
        order_lines.order_id,
        order_lines.product_id,
        products.category,
        order_lines.quantity,
        coalesce(returns_per_line.returned_quantity, 0) as returned_quantity,
        order_lines.quantity * order_lines.unit_price_cny as gross_revenue,
        coalesce(order_lines.discount_cny, 0) as discount,
        coalesce(returns_per_line.refund_cny, 0) as refunds,
        order_lines.quantity * order_lines.unit_price_cny - coalesce(order_lines.discount_cny, 0) - coalesce(returns_per_line.refund_cny, 0) as revenue,
        (order_lines.quantity - coalesce(returns_per_line.returned_quantity, 0)) * products.unit_cost_cny as cost
    from order_lines
    left join products using (product_id)
    left join returns_per_line using (order_line_id)
)

select * from joined
