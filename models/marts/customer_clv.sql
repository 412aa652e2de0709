-- Customer lifetime value per buyer in the composition the domain uses:
--   CLV = purchase value + referral value + information value + knowledge value + transaction value.
-- Computed: purchase value (realised value to date + the predicted value over the horizon,
-- discounted; analytics.customer_clv, settings in clm.config.yml) and referral value (the realised
-- value of the customers they referred). Value is margin when orders carry cost, else revenue ×
-- the configured margin rate (value_basis). Not computed, for want of data: information value
-- (what their data is worth to marketing), knowledge value (product ideas and feedback) and
-- transaction value (their influence on others' purchases beyond referrals). Those columns are null.
with clv as (
    select * from analytics.customer_clv
),

customers as (
    select * from marts.customers
),

referrals as (
    select * from marts.customer_referrals
),

referral_value as (
    select
        referrals.referrer_customer_id as customer_id,
        count(distinct referrals.referred_customer_id) as referred_buyers,
        sum(referred.historical_clv) as referral_value
    from referrals
    inner join clv as referred on referred.customer_id = referrals.referred_customer_id
    group by referrals.referrer_customer_id
),

final as (
    select
        clv.customer_id,
        customers.acquisition_channel,
        customers.cohort_month,
        clv.value_basis,
        clv.horizon_months,
        clv.p_alive,
        clv.expected_purchases,
        clv.expected_spend,
        clv.historical_clv,
        clv.predicted_clv,
        clv.historical_clv + coalesce(clv.predicted_clv, 0) as purchase_value,
        coalesce(referral_value.referred_buyers, 0) as referred_buyers,
        coalesce(referral_value.referral_value, 0) as referral_value,
        null::decimal(18, 2) as information_value,
        null::decimal(18, 2) as knowledge_value,
        null::decimal(18, 2) as transaction_value,
        clv.historical_clv + coalesce(clv.predicted_clv, 0) + coalesce(referral_value.referral_value, 0) as clv
    from clv
    inner join customers using (customer_id)
    left join referral_value using (customer_id)
)

select * from final
