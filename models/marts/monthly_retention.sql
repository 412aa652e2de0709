-- Retention per calendar month, on the three-month activity window of customer_months.
-- Each month: active at start (= active at the end of the month before), new (first
-- order this month), retained, churned (active at start, not at end), reactivated (active again
-- after a lapse). Identity: start + new + reactivated - churned = active at end.
with customer_months as (
    select * from marts.customer_months
),

per_month as (
    select
        activity_month as month,
        count(*) filter (where was_active) as customers_at_start,
        count(*) filter (where months_since_first_order = 0) as new_customers,
        count(*) filter (where was_active and is_active) as retained_customers,
        count(*) filter (where was_active and not is_active) as churned_customers,
        count(*) filter (where is_active and not was_active and months_since_first_order > 0) as reactivated_customers,
        count(*) filter (where is_active) as active_customers,
        count(*) filter (where revenue_cny > 0) as purchasing_customers,
        sum(revenue_cny) as revenue_cny,
        sum(window_revenue_cny) filter (where was_active) as retained_window_revenue_cny,
        sum(previous_window_revenue_cny) filter (where was_active) as start_window_revenue_cny
    from customer_months
    group by activity_month
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
        revenue_cny,
        round(100.0 * retained_customers / nullif(customers_at_start, 0), 2) as retention_pct,
        round(100.0 * churned_customers / nullif(customers_at_start, 0), 2) as churn_pct,
        round(100.0 * retained_window_revenue_cny / nullif(start_window_revenue_cny, 0), 2) as net_revenue_retention_pct
    from per_month
)

select * from final order by month
