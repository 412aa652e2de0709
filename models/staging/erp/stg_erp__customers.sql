with source as (
    select * from raw.erp__customers
),

renamed as (
    select
        erp_customer_id,
        trim(customer_name) as customer_name,
        normalise_email(email) as email,
        normalise_mobile(phone) as mobile,
        city,
        registered_at,
        updated_at
    from source
)

select * from renamed
