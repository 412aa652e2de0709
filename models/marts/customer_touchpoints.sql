-- Every CRM touchpoint with the real person it belongs to.
with interactions as (
    select * from staging.stg_crm__interactions
),

stitched as (
    select * from intermediate.int_customers_stitched
),

final as (
    select
        stitched.customer_id,
        interactions.interaction_id,
        interactions.contact_id,
        interactions.interaction_type,
        interactions.funnel_stage,
        interactions.campaign,
        interactions.channel,
        interactions.occurred_at
    from interactions
    inner join stitched on stitched.node_id = 'crm:' || interactions.contact_id
)

select * from final
