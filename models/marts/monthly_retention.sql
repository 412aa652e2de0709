-- Retention per calendar month, on the three-month activity window of customer_months (summed
-- from monthly_retention_by_channel). Each month: active at start (= active at the end of the month before), new (first
-- order this month), retained, churned (active at start, not at end), reactivated (active again
-- after a lapse). Identity: start + new + reactivated - churned = active at end.
with by_channel as (
    select * from marts.monthly_retention_by_channel
),

per_month as (
    -- Every customer has one acquisition channel, so the channels add up to the whole.
    select
        month,
        sum(customers_at_start) as customers_at_start,
        sum(new_customers) as new_customers,
        sum(retained_customers) as retained_customers,
        sum(churned_customers) as churned_customers,
        sum(reactivated_customers) as reactivated_customers,
        sum(active_customers) as active_customers,
        sum(purchasing_customers) as purchasing_customers,
        sum(revenue) as revenue,
        sum(retained_window_revenue) as retained_window_revenue,
        sum(start_window_revenue) as start_window_revenue
    from by_channel
    group by month
),

final as (
    select
        strftime(month, '%Y-%m') as month_key,
        month,
        customers_at_start,
        new_customers,
        retained_customers,
        churned_customers,
        reactivated_customers,
        active_customers,
        purchasing_customers,
        revenue,
        round(100.0 * retained_customers / nullif(customers_at_start, 0), 2) as retention_pct,
        round(100.0 * churned_customers / nullif(customers_at_start, 0), 2) as churn_pct,
        round(100.0 * retained_window_revenue / nullif(start_window_revenue, 0), 2) as net_revenue_retention_pct
    from per_month
)

select * from final order by month
