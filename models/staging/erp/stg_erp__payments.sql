with source as (
    select * from raw.erp__payments
),

renamed as (
    select
        payment_id,
        order_id,
        paid_at,
        method as payment_method,
        amount_cny
    from source
)

select * from renamed
