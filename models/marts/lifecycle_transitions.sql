-- The monthly transition matrix: how many people moved from each stage at the end of one month to
-- each stage at the end of the next. Partitioned by month: a month's moves read it and the month
-- before, so the months asked for (clm_month_from / clm_month_to; null: unbounded) read one more.
with lifecycle as (
    select * from marts.customer_lifecycle
    where month >= coalesce(getvariable('clm_month_from')::date - interval 1 month, month)
      and month <= coalesce(getvariable('clm_month_to')::date, month)
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
      and month >= coalesce(getvariable('clm_month_from')::date, month)
    group by all
)

select * from final
