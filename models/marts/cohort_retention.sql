-- Acquisition month × months since first purchase. A cell later than the last month with data is
-- immature: its numbers are null, not zero.
with customer_months as (
    select * from marts.customer_months
),

as_of as (
    select max(activity_month) as as_of_month from customer_months
),

cohorts as (
    select
        cohort_month,
        count(*) as cohort_customers,
        sum(revenue) as first_month_revenue
    from customer_months
    where months_since_first_order = 0
    group by cohort_month
),

cells as (
    select
        cohort_month,
        months_since_first_order,
        count(*) filter (where is_purchase_month) as active_customers,
        sum(revenue) as revenue
    from customer_months
    group by all
),

grid as (
    select
        cohorts.cohort_month,
        offsets.months_since_first_order
    from cohorts
    cross join as_of
    cross join (
        select unnest(range(0, datediff('month', min(cohort_month), max(as_of_month)) + 1)) as months_since_first_order
        from cohorts, as_of
    ) as offsets
),

final as (
    select
        grid.cohort_month,
        grid.months_since_first_order,
        (grid.cohort_month + to_months(grid.months_since_first_order))::date as activity_month,
        cohorts.cohort_customers,
        cells.active_customers,
        round(100.0 * cells.active_customers / cohorts.cohort_customers, 2) as retention_pct,
        cells.revenue,
        round(100.0 * cells.revenue / nullif(cohorts.first_month_revenue, 0), 2) as revenue_retention_pct,
        round(cells.revenue / cohorts.cohort_customers, 2) as revenue_per_customer,
        grid.cohort_month + to_months(grid.months_since_first_order) > as_of.as_of_month as is_immature
    from grid
    cross join as_of
    inner join cohorts using (cohort_month)
    left join cells using (cohort_month, months_since_first_order)
)

select * from final
