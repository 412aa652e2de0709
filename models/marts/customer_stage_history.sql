-- Each person's lifecycle stages as intervals: valid_from the first month in the stage, valid_to
-- the month the next stage began (null while current).
with lifecycle as (
    select * from marts.customer_lifecycle
),

islands as (
    select
        *,
        row_number() over (partition by customer_id order by month)
            - row_number() over (partition by customer_id, stage order by month) as island
    from lifecycle
),

intervals as (
    select
        customer_id,
        stage,
        min(month) as valid_from,
        max(month) as last_month_in_stage
    from islands
    group by customer_id, stage, island
),

final as (
    select
        customer_id,
        stage,
        valid_from,
        lead(valid_from) over (partition by customer_id order by valid_from) as valid_to,
        lead(valid_from) over (partition by customer_id order by valid_from) is null as is_current
    from intervals
)

select * from final
