with source as (
    select * from raw.erp__products
),

renamed as (
    select
        product_id,
        product_name,
        category,
        list_price_cny,
        unit_cost_cny
    from source
)

select * from renamed
