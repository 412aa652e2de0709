with source as (
    select * from raw.erp__order_lines
),

renamed as (
    select
        order_line_id,
        order_id,
        product_id,
        quantity,
        unit_price_cny,
        coalesce(discount_cny, 0) as discount_cny,
        quantity * unit_price_cny as gross_revenue_cny,
        quantity * unit_price_cny - coalesce(discount_cny, 0) as net_revenue_cny
    from source
)

select * from renamed
