-- The journey funnel from CRM touchpoints and orders, per acquisition channel and for everyone:
-- awareness (any touchpoint) → consideration (opened a campaign e-mail, a call or a meeting) →
-- purchase (a first order) → loyalty (reached the loyal stage) → advocacy (referred someone or
-- answered NPS 9–10). Each stage counts only people who reached the one before (a first order
-- counts as consideration too), so conversion never exceeds 100%. Conversion from the stage
-- before, and the median days from first seen and from the stage before. A stage is reached, on
-- the journey's clock, no earlier than the stage before it (a first order placed before any logged
-- touchpoint reaches consideration and purchase at once), so no step takes negative time.
with customers as (
    select * from marts.customers
),

touchpoints as (
    select * from marts.customer_touchpoints
),

lifecycle as (
    select * from marts.customer_lifecycle
),

referrals as (
    select * from marts.customer_referrals
),

surveys as (
    select * from marts.customer_surveys
),

-- Each person's first touchpoint, first touchpoint of consideration, first loyal month, first
-- referral and first promoter answer.
first_touchpoints as (
    select
        customer_id,
        min(occurred_at) as awareness_at,
        min(occurred_at) filter (where funnel_stage = 'consideration') as consideration_at
    from touchpoints
    group by customer_id
),

first_loyal as (
    select customer_id, min(month) as loyalty_at
    from lifecycle
    where stage = 'loyal'
    group by customer_id
),

first_referrals as (
    select referrer_customer_id as customer_id, min(referred_at) as referred_at
    from referrals
    group by referrer_customer_id
),

first_promoters as (
    select customer_id, min(answered_at) as answered_at
    from surveys
    where nps_group = 'promoter'
    group by customer_id
),

reached as (
    select
        customers.customer_id,
        customers.acquisition_channel,
        customers.first_seen_at,
        first_touchpoints.awareness_at,
        first_touchpoints.consideration_at,
        customers.first_order_at as purchase_at,
        first_loyal.loyalty_at,
        least(first_referrals.referred_at, first_promoters.answered_at) as advocacy_at
    from customers
    left join first_touchpoints using (customer_id)
    left join first_loyal using (customer_id)
    left join first_referrals using (customer_id)
    left join first_promoters using (customer_id)
),

nested as (
    select
        customer_id,
        acquisition_channel,
        first_seen_at,
        coalesce(awareness_at, first_seen_at) as awareness_at,
        least(consideration_at, purchase_at) as consideration_at,
        purchase_at,
        case when purchase_at is not null then loyalty_at end as loyalty_at,
        case when purchase_at is not null and loyalty_at is not null then advocacy_at end as advocacy_at
    from reached
),

-- Each stage's time on the journey's clock: the latest of the stages reached up to it.
running as (
    select
        *,
        greatest(awareness_at, consideration_at) as through_consideration,
        greatest(awareness_at, consideration_at, purchase_at) as through_purchase,
        greatest(awareness_at, consideration_at, purchase_at, loyalty_at) as through_loyalty,
        greatest(awareness_at, consideration_at, purchase_at, loyalty_at, advocacy_at) as through_advocacy
    from nested
),

stages as (
    select
        customer_id,
        acquisition_channel,
        first_seen_at,
        stage_order,
        stage,
        reached_at,
        case when reached_at is not null then journey_at end as journey_at,
        case when reached_at is not null then previous_at end as previous_at
    from (
        -- One row per stage: a list unnested, which reads each person once (no join back).
        select
            customer_id,
            acquisition_channel,
            first_seen_at,
            unnest([
                {stage_order: 1, stage: 'awareness', reached_at: awareness_at, journey_at: awareness_at, previous_at: null::timestamp},
                {stage_order: 2, stage: 'consideration', reached_at: consideration_at, journey_at: through_consideration, previous_at: awareness_at},
                {stage_order: 3, stage: 'purchase', reached_at: purchase_at, journey_at: through_purchase, previous_at: through_consideration},
                {stage_order: 4, stage: 'loyalty', reached_at: loyalty_at, journey_at: through_loyalty, previous_at: through_purchase},
                {stage_order: 5, stage: 'advocacy', reached_at: advocacy_at, journey_at: through_advocacy, previous_at: through_loyalty}
            ], recursive := true)
        from running
    )
),

per_channel as (
    select
        coalesce(acquisition_channel, 'all') as acquisition_channel,
        stage_order,
        stage,
        count(reached_at) as customers,
        median(greatest(0, datediff('day', first_seen_at, journey_at))) as median_days_from_first_seen,
        median(greatest(0, datediff('day', coalesce(previous_at, first_seen_at), journey_at))) as median_days_from_previous_stage
    from stages
    group by grouping sets ((acquisition_channel, stage_order, stage), (stage_order, stage))
),

final as (
    select
        *,
        round(100.0 * customers / nullif(lag(customers) over by_channel, 0), 1) as conversion_from_previous_pct,
        round(100.0 * customers / nullif(first_value(customers) over by_channel, 0), 1) as conversion_from_awareness_pct
    from per_channel
    window by_channel as (partition by acquisition_channel order by stage_order)
)

select * from final order by acquisition_channel, stage_order
