with source as (
    select * from raw.erp__returns
),

renamed as (
    select
        return_id,
        order_line_id,
        returned_at,
        quantity as returned_quantity,
        refund_cny,
        reason as return_reason
    from source
)

select * from renamed
