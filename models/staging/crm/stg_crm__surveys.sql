with source as (
    select * from raw.crm__surveys
),

renamed as (
    select
        survey_id,
        contact_id,
        survey_type,
        score,
        answered_at,
        case
            when score >= 9 then 'promoter'
            when score >= 7 then 'passive'
            else 'detractor'
        end as nps_group
    from source
)

select * from renamed
