-- ABC (Pareto) classes by contribution: customers sorted by revenue (and, separately, by margin);
-- class A up to 80% of the cumulative total, B up to 95%, C the rest. The thresholds are the
-- `thresholds` CTE below.
with customers as (
    select * from marts.customers where is_buyer
),

thresholds as (
    select 0.80 as a_share, 0.95 as b_share
),

ranked as (
    select
        customer_id,
        revenue,
        margin,
        sum(revenue) over (order by revenue desc, customer_id rows unbounded preceding) / sum(revenue) over () as revenue_cumulative_share,
        sum(margin) over (order by margin desc, customer_id rows unbounded preceding) / sum(margin) over () as margin_cumulative_share,
        (sum(revenue) over (order by revenue desc, customer_id rows unbounded preceding) - revenue) / sum(revenue) over () as revenue_share_before,
        (sum(margin) over (order by margin desc, customer_id rows unbounded preceding) - margin) / sum(margin) over () as margin_share_before
    from customers
),

final as (
    select
        ranked.customer_id,
        ranked.revenue,
        ranked.margin,
        round(100 * ranked.revenue_cumulative_share, 2) as revenue_cumulative_pct,
        round(100 * ranked.margin_cumulative_share, 2) as margin_cumulative_pct,
        -- A customer belongs to the class where their contribution starts.
        case when revenue_share_before < a_share then 'A' when revenue_share_before < b_share then 'B' else 'C' end as revenue_class,
        -- No cost in the data: no margin, so no margin class.
        case when margin is null then null when margin_share_before < a_share then 'A' when margin_share_before < b_share then 'B' else 'C' end as margin_class
    from ranked
    cross join thresholds
)

select * from final
