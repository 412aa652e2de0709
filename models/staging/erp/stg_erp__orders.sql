with source as (
    select * from raw.erp__orders
),

renamed as (
    select
        order_id,
        erp_customer_id,
        ordered_at,
        channel,
        status,
        status = 'cancelled' as is_cancelled,
        updated_at
    from source
)

select * from renamed
