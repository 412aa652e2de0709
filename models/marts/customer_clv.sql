-- Customer lifetime value per buyer in the composition the domain uses:
--   CLV = purchase value + referral value + information value + knowledge value + transaction value.
-- Computed: purchase value (realised margin to date + the predicted margin of the next 12 months,
-- discounted at 10% a year; analytics.customer_clv) and referral value (the realised margin of the
-- customers they referred, per CRM referrals). Not computed, for want of data: information value
-- (what their data is worth to marketing), knowledge value (product ideas and feedback) and
-- transaction value (their influence on others' purchases beyond referrals). Those columns are null.
with clv as (
    select * from analytics.customer_clv
),

customers as (
    select * from marts.customers
),

stitched as (
    select * from intermediate.int_customers_stitched
),

referrals as (
    select * from staging.stg_crm__referrals
),

referral_value as (
    select referrer.customer_id, count(distinct referred.customer_id) as referred_buyers, sum(referred_customer.margin_cny) as referral_value_cny
    from referrals
    inner join stitched as referrer on referrer.node_id = 'crm:' || referrals.referrer_contact_id
    inner join stitched as referred on referred.node_id = 'crm:' || referrals.referred_contact_id
    inner join customers as referred_customer on referred_customer.customer_id = referred.customer_id and referred_customer.is_buyer
    group by referrer.customer_id
),

final as (
    select
        clv.customer_id,
        customers.acquisition_channel,
        customers.cohort_month,
        clv.p_alive,
        clv.expected_purchases_12m,
        clv.expected_spend_cny,
        clv.historical_clv_cny,
        clv.predicted_clv_cny,
        clv.historical_clv_cny + coalesce(clv.predicted_clv_cny, 0) as purchase_value_cny,
        coalesce(referral_value.referred_buyers, 0) as referred_buyers,
        coalesce(referral_value.referral_value_cny, 0) as referral_value_cny,
        null::decimal(18, 2) as information_value_cny,
        null::decimal(18, 2) as knowledge_value_cny,
        null::decimal(18, 2) as transaction_value_cny,
        clv.historical_clv_cny + coalesce(clv.predicted_clv_cny, 0) + coalesce(referral_value.referral_value_cny, 0) as clv_cny
    from clv
    inner join customers using (customer_id)
    left join referral_value using (customer_id)
)

select * from final
