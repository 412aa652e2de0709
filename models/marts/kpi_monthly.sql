-- The headline numbers per month, each with the month before and the same month a year earlier:
-- customers to date, active customers, revenue, retention, churn, NPS and historical LTV.
with monthly_retention as (
    select * from marts.monthly_retention
),

customer_months as (
    select * from marts.customer_months
),

surveys as (
    select * from marts.customer_surveys
),

to_date as (
    select
        activity_month as month,
        count(*) as customers_to_date,
        -- Value realised: margin, or with no cost in the data revenue × clv.margin_rate (or revenue).
        sum(coalesce(margin, revenue * coalesce(getvariable('clm_margin_rate'), 1.0))) as margin_in_month
    from customer_months
    group by activity_month
),

cumulative as (
    select
        month,
        customers_to_date,
        sum(margin_in_month) over (order by month) as margin_to_date
    from to_date
),

nps as (
    select
        date_trunc('month', answered_at)::date as month,
        count(*) as nps_responses,
        round(100.0 * (count(*) filter (where nps_group = 'promoter') - count(*) filter (where nps_group = 'detractor')) / count(*), 1) as nps
    from surveys
    where survey_type = 'nps'
    group by all
),

joined as (
    select
        monthly_retention.month_key,
        monthly_retention.month,
        cumulative.customers_to_date,
        monthly_retention.active_customers,
        monthly_retention.new_customers,
        monthly_retention.churned_customers,
        monthly_retention.revenue,
        monthly_retention.retention_pct,
        monthly_retention.churn_pct,
        monthly_retention.net_revenue_retention_pct,
        nps.nps,
        nps.nps_responses,
        round(cumulative.margin_to_date / nullif(cumulative.customers_to_date, 0), 2) as ltv
    from monthly_retention
    left join cumulative using (month)
    left join nps using (month)
),

final as (
    select
        *,
        money_label(revenue) as revenue_label,
        money_label(ltv) as ltv_label,
        lag(active_customers) over by_month as previous_active_customers,
        lag(revenue) over by_month as previous_revenue,
        lag(retention_pct) over by_month as previous_retention_pct,
        lag(churn_pct) over by_month as previous_churn_pct,
        lag(nps) over by_month as previous_nps,
        lag(ltv) over by_month as previous_ltv,
        lag(customers_to_date) over by_month as previous_customers_to_date,
        lag(active_customers, 12) over by_month as last_year_active_customers,
        lag(revenue, 12) over by_month as last_year_revenue,
        lag(retention_pct, 12) over by_month as last_year_retention_pct,
        month = max(month) over () as is_latest_month
    from joined
    window by_month as (order by month)
)

select * from final
