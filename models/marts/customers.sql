with profiles as (
    select * from intermediate.int_customer_profiles
),

orders as (
    select * from marts.orders
),

order_totals as (
    select
        customer_id,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        count(*) as order_count,
        sum(net_revenue) as revenue,
        -- Known only when every order carries its cost: a sum over some of them is no margin.
        case when count(margin) = count(*) then sum(margin) end as margin
    from orders
    group by customer_id
),

final as (
    select
        profiles.customer_id,
        profiles.customer_name,
        profiles.email,
        profiles.mobile,
        profiles.city,
        profiles.region,
        profiles.country,
        profiles.acquisition_channel,
        profiles.tags,
        profiles.source_ids,
        profiles.sources,
        profiles.matched_on,
        profiles.match_evidence,
        -- Known from the first record of them or their first order, whichever came first.
        least(profiles.first_seen_at, order_totals.first_order_at) as first_seen_at,
        order_totals.first_order_at,
        order_totals.last_order_at,
        date_trunc('month', order_totals.first_order_at)::date as cohort_month,
        coalesce(order_totals.order_count, 0) as order_count,
        coalesce(order_totals.revenue, 0) as revenue,
        order_totals.margin as margin,
        order_totals.customer_id is not null as is_buyer
    from profiles
    left join order_totals using (customer_id)
)

select * from final
