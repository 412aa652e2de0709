-- Each person's lifecycle stages as intervals: valid_from the first month in the stage, valid_to
-- the month the next stage began (null while current).
with lifecycle as (
    select * from marts.customer_lifecycle
),

changes as (
    -- The months a person's stage differs from the month before: each starts an interval.
    select
        customer_id,
        stage,
        month,
        stage is distinct from lag(stage) over (partition by customer_id order by month) as starts_interval
    from lifecycle
),

intervals as (
    select
        customer_id,
        stage,
        month as valid_from
    from changes
    where starts_interval
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
