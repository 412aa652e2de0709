-- Every touchpoint (campaign, visit, call, ticket) from every source, with the real person it
-- belongs to. A touchpoint whose person is unknown to every source drops out here.
with touchpoints as (
    select * from intermediate.int_touchpoints_unioned
),

stitched as (
    select * from intermediate.int_customers_stitched
),

final as (
    select
        stitched.customer_id,
        touchpoints.source || ':' || touchpoints.touchpoint_id as touchpoint_id,
        touchpoints.source,
        touchpoints.touchpoint_type,
        coalesce(touchpoints.funnel_stage, 'other') as funnel_stage,
        touchpoints.campaign,
        touchpoints.channel,
        touchpoints.occurred_at
    from touchpoints
    inner join stitched on stitched.node_id = coalesce(touchpoints.customer_source, touchpoints.source) || ':' || touchpoints.customer_id
)

select * from final
