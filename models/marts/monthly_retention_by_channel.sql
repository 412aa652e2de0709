-- Monthly retention per acquisition channel, on the three-month activity window of
-- customer_months (see monthly_retention for the definitions), with each number's change against
-- the month before: where the month's movement came from. monthly_retention sums these rows.
with customer_months as (
    select * from marts.customer_months
),

per_channel as (
    select
        activity_month as month,
        acquisition_channel,
        count(*) filter (where was_active) as customers_at_start,
        count(*) filter (where months_since_first_order = 0) as new_customers,
        count(*) filter (where was_active and is_active) as retained_customers,
        count(*) filter (where was_active and not is_active) as churned_customers,
        count(*) filter (where is_active and not was_active and months_since_first_order > 0) as reactivated_customers,
        count(*) filter (where is_active) as active_customers,
        count(*) filter (where revenue > 0) as purchasing_customers,
        sum(revenue) as revenue,
        coalesce(sum(window_revenue) filter (where was_active), 0) as retained_window_revenue,
        coalesce(sum(previous_window_revenue) filter (where was_active), 0) as start_window_revenue
    from customer_months
    group by all
),

final as (
    select
        strftime(month, '%Y-%m') as month_key,
        *,
        round(100.0 * retained_customers / nullif(customers_at_start, 0), 2) as retention_pct,
        active_customers - coalesce(lag(active_customers) over by_channel, 0) as active_customers_change,
        revenue - coalesce(lag(revenue) over by_channel, 0) as revenue_change
    from per_channel
    window by_channel as (partition by acquisition_channel order by month)
)

select * from final
