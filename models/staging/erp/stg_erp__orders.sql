-- ERP orders with their totals summed from their lines (stg_erp__order_lines): the contract's
-- orders, one row per order. An order with no lines has nothing to count and is left out; a
-- line whose order is missing is counted by stg_erp__order_lines' relationships test.
with orders as (
    select * from raw.erp__orders
),

order_lines as (
    select * from staging.stg_erp__order_lines
),

totals as (
    select
        order_id,
        sum(quantity - returned_quantity) as item_count,
        sum(gross_revenue) as gross_revenue,
        sum(discount) as discount,
        sum(refunds) as refunds,
        sum(revenue) as net_revenue,
        sum(cost) as cost
    from order_lines
    group by order_id
),

-- The order id is taken from the lines' totals: a filter on it (a merge into the union, see the
-- YAML) then reaches the lines before they are summed.
final as (
    select
        totals.order_id,
        orders.erp_customer_id as customer_id,
        orders.ordered_at,
        orders.status,
        orders.status = 'cancelled' as is_cancelled,
        orders.channel,
        totals.item_count,
        totals.gross_revenue,
        totals.discount,
        totals.refunds,
        totals.net_revenue,
        totals.cost
    from totals
    inner join orders using (order_id)
)

select * from final
