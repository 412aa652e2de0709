-- Who referred whom, as real people: referrals from every source with both ends stitched.
with referrals as (
    select * from intermediate.int_referrals_unioned
),

stitched as (
    select * from intermediate.int_customers_stitched
),

final as (
    select
        referrals.source || ':' || referrals.referral_id as referral_id,
        referrer.customer_id as referrer_customer_id,
        referred.customer_id as referred_customer_id,
        referrals.referred_at
    from referrals
    inner join stitched as referrer on referrer.node_id = coalesce(referrals.customer_source, referrals.source) || ':' || referrals.referrer_customer_id
    inner join stitched as referred on referred.node_id = coalesce(referrals.customer_source, referrals.source) || ':' || referrals.referred_customer_id
)

select * from final
