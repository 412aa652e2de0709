-- Churn risk of every current customer (not a prospect, not yet churned) at the last month with
-- data, with reason codes a person can act on:
--   overdue          no order in 3× the customer's own usual interval between orders
--   no_second_order  one order only, longer ago than 3 in 4 repeat buyers took to order again
--                    (the data's own time to a second order; needs no model)
--   low_p_alive      the BG/NBD model gives P(alive) under 0.3
--   nps_detractor    the latest NPS answer was 0–6
--   tickets_rising   2+ support tickets in the last 90 days, more than in the 90 before
-- Band: high with two reasons or more, or with low_p_alive for a class A customer; medium with one.
with lifecycle as (
    select * from marts.customer_lifecycle
),

orders as (
    select * from marts.orders
),

clv as (
    select * from analytics.customer_clv
),

abc as (
    select * from marts.customer_abc
),

surveys as (
    select * from marts.customer_surveys
),

touchpoints as (
    select * from marts.customer_touchpoints
),

current_stage as (
    select * from lifecycle
    where month = (select max(month) from lifecycle) and stage not in ('prospect', 'churned')
),

order_gaps as (
    -- Each buyer's usual interval between orders, and how long they took to order a second time.
    select
        customer_id,
        datediff('day', min(ordered_at), max(ordered_at)) / nullif(count(*) - 1, 0) as usual_gap_days,
        datediff('day', min(ordered_at), min(ordered_at) filter (where order_number = 2)) as second_order_gap_days
    from orders
    group by customer_id
),

second_order_gap as (
    -- How long repeat buyers took to order a second time: the 75th percentile.
    select ceil(quantile_cont(second_order_gap_days, 0.75))::integer as second_order_days
    from order_gaps
    where second_order_gap_days is not null
),

latest_nps as (
    select customer_id, arg_max(score, answered_at) as latest_nps
    from surveys
    where survey_type = 'nps'
    group by customer_id
),

tickets as (
    select
        touchpoints.customer_id,
        count(*) filter (where occurred_at >= end_at - interval 90 day) as tickets_last_90_days,
        count(*) filter (where occurred_at < end_at - interval 90 day and occurred_at >= end_at - interval 180 day) as tickets_previous_90_days
    from touchpoints
    cross join (select max(ordered_at) as end_at from orders) as bounds
    where touchpoint_type = 'support_ticket' and occurred_at < end_at
    group by touchpoints.customer_id
),

reasons as (
    select
        current_stage.customer_id,
        current_stage.acquisition_channel,
        current_stage.stage,
        current_stage.days_since_last_order,
        round(order_gaps.usual_gap_days, 1) as usual_gap_days,
        second_order_gap.second_order_days,
        clv.p_alive,
        clv.predicted_clv,
        clv.historical_clv,
        abc.revenue_class as abc_class,
        latest_nps.latest_nps,
        coalesce(tickets.tickets_last_90_days, 0) as tickets_last_90_days,
        list_filter([
            case when current_stage.days_since_last_order > 3 * order_gaps.usual_gap_days then 'overdue' end,
            case when order_gaps.usual_gap_days is null and current_stage.days_since_last_order > second_order_gap.second_order_days then 'no_second_order' end,
            case when clv.p_alive < 0.3 then 'low_p_alive' end,
            case when latest_nps.latest_nps <= 6 then 'nps_detractor' end,
            case when tickets.tickets_last_90_days >= 2 and tickets.tickets_last_90_days > tickets.tickets_previous_90_days then 'tickets_rising' end
        ], r -> r is not null) as reason_codes
    from current_stage
    left join order_gaps using (customer_id)
    left join clv using (customer_id)
    left join abc using (customer_id)
    left join latest_nps using (customer_id)
    left join tickets using (customer_id)
    cross join second_order_gap
),

final as (
    select
        *,
        case
            when len(reason_codes) >= 2 or (list_contains(reason_codes, 'low_p_alive') and abc_class = 'A') then 'high'
            when len(reason_codes) = 1 then 'medium'
            else 'low'
        end as risk_band,
        array_to_string(list_transform(reason_codes, r -> case r
            when 'overdue' then 'no order in ' || days_since_last_order || ' days, ' || round(days_since_last_order / usual_gap_days, 1) || '× their usual ' || round(usual_gap_days) || ' days'
            when 'no_second_order' then 'one order, ' || days_since_last_order || ' days ago; 3 in 4 repeat buyers ordered again within ' || second_order_days || ' days'
            when 'low_p_alive' then 'P(alive) ' || round(p_alive, 2)
            when 'nps_detractor' then 'NPS detractor (' || printf('%g', latest_nps) || ')'
            when 'tickets_rising' then tickets_last_90_days || ' support tickets in 90 days, rising'
        end), '; ') as reasons
    from reasons
)

select * from final
