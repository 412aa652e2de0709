with source as (
    select * from raw.crm__referrals
),

renamed as (
    select
        referral_id,
        referrer_contact_id,
        referred_contact_id,
        referred_at
    from source
)

select * from renamed
