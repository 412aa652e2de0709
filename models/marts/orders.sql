with order_lines as (
    select * from intermediate.int_order_lines_joined
),

stitched as (
    select * from intermediate.int_customers_stitched
),

per_order as (
    select
        order_id,
        any_value(erp_customer_id) as erp_customer_id,
        any_value(ordered_at) as ordered_at,
        any_value(channel) as channel,
        count(*) as line_count,
        sum(quantity - returned_quantity) as item_count,
        sum(gross_revenue_cny) as gross_revenue_cny,
        sum(discount_cny) as discount_cny,
        sum(refund_cny) as refund_cny,
        sum(net_revenue_cny) as net_revenue_cny,
        sum(cost_cny) as cost_cny
    from order_lines
    where not is_cancelled
    group by order_id
),

final as (
    select
        per_order.order_id,
        stitched.customer_id,
        per_order.erp_customer_id,
        per_order.ordered_at,
        date_trunc('month', per_order.ordered_at)::date as order_month,
        per_order.channel,
        per_order.line_count,
        per_order.item_count,
        per_order.gross_revenue_cny,
        per_order.discount_cny,
        per_order.refund_cny,
        per_order.net_revenue_cny,
        per_order.cost_cny,
        per_order.net_revenue_cny - per_order.cost_cny as margin_cny,
        row_number() over (partition by stitched.customer_id order by per_order.ordered_at, per_order.order_id) as order_number,
        row_number() over (partition by stitched.customer_id order by per_order.ordered_at, per_order.order_id) = 1 as is_first_order
    from per_order
    inner join stitched on stitched.node_id = 'erp:' || per_order.erp_customer_id
)

select * from final
