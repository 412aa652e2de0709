-- Every survey answer from every source with the real person who gave it, and for NPS answers
-- the promoter (9–10), passive (7–8) or detractor (0–6) group.
with surveys as (
    select * from intermediate.int_surveys_unioned
),

stitched as (
    select * from intermediate.int_customers_stitched
),

final as (
    select
        stitched.customer_id,
        surveys.source || ':' || surveys.survey_id as survey_id,
        surveys.source,
        coalesce(surveys.survey_type, 'nps') as survey_type,
        surveys.score,
        surveys.answered_at,
        case
            when coalesce(surveys.survey_type, 'nps') <> 'nps' then null
            when surveys.score >= 9 then 'promoter'
            when surveys.score >= 7 then 'passive'
            else 'detractor'
        end as nps_group
    from surveys
    inner join stitched on stitched.node_id = coalesce(surveys.customer_source, surveys.source) || ':' || surveys.customer_id
)

select * from final
