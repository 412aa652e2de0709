with source as (
    select * from raw.crm__interactions
),

renamed as (
    select
        interaction_id,
        contact_id,
        interaction_type,
        campaign,
        channel,
        occurred_at,
        case
            when interaction_type in ('web_visit', 'email_sent') then 'awareness'
            when interaction_type in ('email_opened', 'call', 'meeting') then 'consideration'
            when interaction_type = 'support_ticket' then 'service'
            else 'other'
        end as funnel_stage
    from source
)

select * from renamed
