-- The monthly transition matrix: how many people moved from each stage at the end of one month to
-- each stage at the end of the next.
with lifecycle as (
    select * from marts.customer_lifecycle
),

moves as (
    select
        month,
        lag(stage) over (partition by customer_id order by month) as from_stage,
        stage as to_stage
    from lifecycle
),

final as (
    select
        strftime(month, '%Y-%m') as month_key,
        month,
        from_stage,
        to_stage,
        from_stage || ' → ' || to_stage as transition,
        count(*) as customers
    from moves
    where from_stage is not null
    group by all
)

select * from final
