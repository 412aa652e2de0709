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

reached as (
    select
        customers.customer_id,
        customers.acquisition_channel,
        customers.first_seen_at,
        (select min(occurred_at) from touchpoints t where t.customer_id = customers.customer_id) as awareness_at,
        (select min(occurred_at) from touchpoints t where t.customer_id = customers.customer_id and t.funnel_stage = 'consideration') as consideration_at,
        customers.first_order_at as purchase_at,
        (select min(month) from lifecycle l where l.customer_id = customers.customer_id and l.stage = 'loyal') as loyalty_at,
        least(
            (select min(r.referred_at) from referrals r where r.referrer_customer_id = customers.customer_id),
            (select min(v.answered_at) from surveys v where v.customer_id = customers.customer_id and v.nps_group = 'promoter')
        ) as advocacy_at
    from customers
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

stages as (
    select
        customer_id,
        acquisition_channel,
        first_seen_at,
        stage_order,
        stage,
        reached_at,
        case when reached_at is not null then max(reached_at) over journey end as journey_at,
        case when reached_at is not null then max(reached_at) over before end as previous_at
    from nested
    cross join lateral (values
        (1, 'awareness', awareness_at),
        (2, 'consideration', consideration_at),
        (3, 'purchase', purchase_at),
        (4, 'loyalty', loyalty_at),
        (5, 'advocacy', advocacy_at)
    ) as s(stage_order, stage, reached_at)
    window
        journey as (partition by customer_id order by stage_order rows between unbounded preceding and current row),
        before as (partition by customer_id order by stage_order rows between unbounded preceding and 1 preceding)
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
